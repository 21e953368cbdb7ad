"""The notebook path: examples/notebook.ipynb runs headless in a real Jupyter kernel, and the
same cells run inside a running event loop (Jupyter's situation) in this process; rich HTML
displays of results and comparisons."""

from __future__ import annotations

import ast
import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

import evalkit

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "examples" / "notebook.ipynb"


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The repository's config and datasets in a scratch folder, so runs land there."""
    shutil.copy(REPO / "evalkit.toml", tmp_path / "evalkit.toml")
    shutil.copytree(REPO / "datasets", tmp_path / "datasets")
    return tmp_path


def _code_cells() -> list[str]:
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_notebook_ships_and_uses_only_the_public_api() -> None:
    cells = _code_cells()
    assert len(cells) >= 8
    text = "\n".join(cells)
    for needed in ("evalkit.evaluate(", "evalkit.run(", "await evalkit.run_async(", "compare("):
        assert needed in text
    assert "write_report(" in text and "expect(" in text and ".deltas()" in text


def test_notebook_executes_in_a_kernel(project_copy: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(project_copy)}}
    )
    try:
        client.execute()
    except RuntimeError as exc:  # no kernel can start here: the in-loop test covers the code
        if "Kernel" in str(exc) and "died" in str(exc):
            pytest.skip(f"no Jupyter kernel: {exc}")
        raise
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("<progress" in h for h in html), "no progress bar displayed in the cell"
    assert any("<b>evalkit suite tools</b>" in h for h in html)  # SuiteResult._repr_html_
    assert any("<b>tools-notebook</b> vs <b>tools-notebook-baseline</b>" in h for h in html)
    assert (project_copy / "reports" / "notebook.html").is_file()


def test_notebook_cells_run_inside_a_running_event_loop(
    project_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project_copy)
    ns: dict[str, Any] = {}

    async def main() -> None:
        asyncio.get_running_loop()  # what Jupyter has: the sync API must cope with it
        for source in _code_cells():
            code = compile(source, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            maybe = eval(code, ns)
            if asyncio.iscoroutine(maybe):
                await maybe

    asyncio.run(main())
    assert ns["result"].suite == "tools" and not ns["result"].passed
    assert len(ns["run"].records) == len(ns["baseline_run"].records) == 336
    assert ns["comparison"].verdict.status == "FAIL"
    assert (project_copy / "reports" / "notebook.html").is_file()
    assert 0.8 <= ns["summary"].pass_rate < 0.95


def test_rich_html_displays_escape_untrusted_text(project_copy: Path) -> None:
    result = evalkit.evaluate(
        "tools",
        config=project_copy / "evalkit.toml",
        options=evalkit.RunOptions(progress="off"),
    )
    cmp = result.comparisons[0]
    html = cmp._repr_html_()
    assert html.startswith("<div><b>tools-candidate</b> vs <b>tools-baseline</b>")
    assert "tool_calls.pass_rate" in html and "<table>" in html
    assert result._repr_html_().count("<table>") == len(result.comparisons)
    from dataclasses import replace

    from evalkit.comparison import RunInfo

    evil = replace(cmp, candidate=RunInfo.from_dict({"candidate": "<script>x</script>"}))
    assert "<script>" not in evil._repr_html_()
    frame = result.frame()
    assert set(frame["candidate"]) == {"tools-baseline", "tools-candidate"}
    assert {"metric", "delta", "p_value"} <= set(result.deltas().columns)
    summary = result.summary()
    overall = summary[summary["tag"].isna() & (summary["scorer"] == "tool_calls")]
    assert set(overall["candidate"]) == {"tools-baseline", "tools-candidate"}
    assert (overall["pass_rate_low"] <= overall["pass_rate"]).all()
    assert (overall["pass_rate"] <= overall["pass_rate_high"]).all()
    assert summary["tag"].notna().any()  # and per tag


def test_interrupting_the_kernel_stops_the_run_and_leaves_it_resumable(tmp_path: Path) -> None:
    """Jupyter's "interrupt kernel" mid-run: the cell stops now, not when the last case is done
    (the sync API waited on a worker thread, which went on to the end), the run folder says
    ``interrupted``, and ``resume=True`` finishes only the missing cases."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    setup = f"""
import sys, time
sys.path.insert(0, {str(REPO)!r})
import evalkit
from evalkit.dataset import Case, EvalSet
cases = [Case(id=f"c{{i}}", input=f"question {{i}}") for i in range(80)]
es = EvalSet.from_cases(cases, name="slow")
cand = evalkit.Candidate(name="slow", provider="tests.helpers.scripted_provider:ScriptedProvider",
                         model="m", options={{"latency_ms": 75}}, concurrency=2)
scorers = [evalkit.ScorerSpec("contains", {{"values": ["echo"]}}).build()]
opts = dict(out_dir="run", cache_mode="off", progress="off")
"""
    long_cell = (
        "t = time.time()\ntry:\n    evalkit.run(es, cand, scorers, evalkit.RunOptions(**opts))\n"
    )
    long_cell += "finally:\n    took = time.time() - t"
    after = "run = evalkit.run(es, cand, scorers, evalkit.RunOptions(**opts, resume=True))\n"
    after += "print(round(took, 1), len(run.records), run.manifest['status'])"
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in (setup, long_cell, after)]
    )
    client = nbclient.NotebookClient(
        nb,
        timeout=60,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path)}},
    )

    async def main() -> None:
        async with client.async_setup_kernel():
            await client.async_execute_cell(nb.cells[0], 0)
            task = asyncio.ensure_future(client.async_execute_cell(nb.cells[1], 1))
            await asyncio.sleep(1.0)  # 80 cases at 2 × 13/s take 3 s
            await client.km.interrupt_kernel()
            await task
            await client.async_execute_cell(nb.cells[2], 2)

    try:
        asyncio.run(main())
    except RuntimeError as exc:
        if "Kernel" in str(exc) and "died" in str(exc):
            pytest.skip(f"no Jupyter kernel: {exc}")
        raise
    (error,) = [o for o in nb.cells[1].outputs if o.output_type == "error"]
    assert error.ename == "KeyboardInterrupt"
    import json

    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest.get("resumed_at")
    text = "".join(o.get("text", "") for o in nb.cells[2].outputs)
    took, records, status = text.split()
    assert float(took) < 2.4, "the run went on after the interrupt"
    assert (records, status) == ("80", "complete")
