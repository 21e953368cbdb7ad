"""``evalkit demo`` (evalkit/cli/demo.py) as a new user reads it: the repository's offline
suites, their printed summaries and the report. Unknown cost stays unknown (n/a, never 0)
without a "price these models" note after every replayed comparison."""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.cli.demo import offline_suites

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class DemoOutput:
    """One demo run's exit code, printed text and report."""

    code: int
    out: str
    report: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoOutput:
    """The demo run once for the module, its runs and report kept out of the repository."""
    tmp = tmp_path_factory.mktemp("demo")
    report = tmp / "demo.html"
    buffer = io.StringIO()  # capsys is function-scoped; the demo runs once per module
    with contextlib.redirect_stdout(buffer):
        code = main(
            [
                "demo",
                "--no-progress",
                "--config",
                str(ROOT / "evalkit.toml"),
                "--out",
                str(tmp / "runs"),
                "--report",
                str(report),
            ]
        )
    return DemoOutput(code, buffer.getvalue(), report)


def _cost_rows(out: str) -> list[list[str]]:
    """The cells of every comparison's ``cost.per_case`` headline row."""
    rows = [line.split()[1:] for line in out.splitlines() if line.startswith("cost.per_case ")]
    return [r[1:] if r[:1] == ["(USD)"] else r for r in rows]  # the unit after the name


def test_demo_runs_every_offline_suite(demo: DemoOutput) -> None:
    assert demo.code == 0
    assert offline_suites(str(ROOT / "evalkit.toml")) == [
        "support",
        "refusal",
        "grounded_qa",
        "tools",
    ]
    assert demo.out.count("evalkit compare: ") == 5  # refusal: two candidates
    assert demo.report.is_file()


def test_unpriced_recorded_models_are_not_a_note_per_comparison(demo: DemoOutput) -> None:
    # The replayed refusal, grounded_qa and tools suites score no cost and gate none: their
    # recorded models (a human reference, XSTest's Llama 2 and Mistral, illustrative tool
    # outputs) have no price, and telling the user to price them four times was noise.
    assert "cost unknown" not in demo.out
    assert "[prices]" not in demo.out


def test_unknown_cost_is_still_never_zero(demo: DemoOutput) -> None:
    rows = _cost_rows(demo.out)
    assert len(rows) == 5
    unknown = [r for r in rows if "n/a" in r[:2]]
    assert len(unknown) == 4  # every replayed comparison but support has an unpriced side
    for cells in unknown:
        # baseline, candidate, delta, then why; no interval, no p, no 0 standing in
        assert cells[2:] == ["n/a", "unpriced"], cells
        assert all(re.fullmatch(r"n/a|[0-9.]+(e[−-]\d+)?", c) for c in cells[:2]), cells
        assert "0" not in cells[:2]
    # support prices both sides (gpt-4o-mini, gpt-4.1-nano) and gates its cost: numbers
    support = rows[0]
    assert "n/a" not in support and "unpriced" not in support


def test_the_report_keeps_the_full_note(demo: DemoOutput) -> None:
    # The report is the complete view: it still names the unpriced side and what to do.
    page = demo.report.read_text(encoding="utf-8")
    assert "answered records unpriced" in page
    assert "add [prices] entries" in page
