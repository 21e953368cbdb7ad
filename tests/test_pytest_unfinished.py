"""The pytest plugin with a run that stopped early (QA13 F1): the verdict's ``finished`` rule
reaches the items, which fail saying so (they raised ``ValueError: max() arg is an empty
sequence``, because "partial" had meant a selection only), and ``--evalkit-allow-partial``
judges the compared cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.pytest_project import run

QUOTA = """
from evalkit.errors import ProviderError

def answer(request):
    if request.case_id in ("q1", "q2"):
        return {"output": "answer " + request.case_id[1:]}
    raise ProviderError("rate_limit", "You exceeded your current quota", status=429,
                        retryable=True, retry_after=600)
"""

MIXED = """
[suites.mixed]
dataset = "qa.jsonl"
candidates = ["base", "live"]
baseline = "base"
scorers = ["exact_match"]

[[suites.mixed.gates]]
metric = "exact_match.pass_rate"
max_drop = 0.0
"""


@pytest.fixture
def quota_project(plugin_project: Path) -> Path:
    (plugin_project / "pipeline.py").write_text(QUOTA)
    with (plugin_project / "evalkit.toml").open("a", encoding="utf-8") as fh:
        fh.write(MIXED)
    return plugin_project


def test_an_unfinished_candidate_fails_its_items_with_the_reason(
    pytester: pytest.Pytester, quota_project: Path
) -> None:
    result = run(pytester, "--evalkit-suite", "mixed", "--evalkit-mode", "record")
    out = result.stdout.str()
    assert "ValueError" not in out and "INTERNALERROR" not in out
    result.assert_outcomes(failed=2)  # the gate and the runs item
    result.stdout.fnmatch_lines(
        [
            "*not judged (partial 2/6): compared 2 of 6 cases: the candidate run is unfinished "
            "(stopped by the provider after 2 of 6 cases)*--evalkit-allow-partial*",
            "*evalkit mixed: unfinished runs",
            "*live vs base: the candidate run is unfinished (stopped by the provider after 2 of 6 "
            "cases: You exceeded your current quota*",
        ]
    )


def test_allow_partial_judges_the_compared_cases(
    pytester: pytest.Pytester, quota_project: Path
) -> None:
    result = run(
        pytester, "--evalkit-suite", "mixed", "--evalkit-mode", "record", "--evalkit-allow-partial"
    )
    assert "ValueError" not in result.stdout.str()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*partial 2/6*"])
