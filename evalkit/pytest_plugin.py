"""evalkit's pytest plugin (entry point ``pytest11``): suites as test items, an eval fixture.

Inert unless asked: pytest loads this module in every run, so it imports only pytest and the
standard library, registers its options and its marker, and does nothing else until
``--evalkit`` / ``--evalkit-suite`` collects suites or a test uses the ``evalkit`` fixture.
State lives in ``config.stash``. Usage and options: ``docs/pytest.md``.

- ``pytest --evalkit``: every suite of ``evalkit.toml`` (or ``[tool.evalkit]``) becomes items,
  one per gate and candidate (see :mod:`evalkit.pytest_items`), so ``-k``, ``-x``,
  ``--junitxml`` and pytest-xdist apply to gates as to any test.
- ``def test_x(evalkit)`` with ``@pytest.mark.evalkit(suite=..., candidate=...)``: run a suite
  (once per session) and assert on its scores: ``evalkit.expect("groundedness", min_mean=0.9)``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from evalkit.pytest_summary import finish, keep_worker, summarize

if TYPE_CHECKING:
    from evalkit.pytest_fixture import EvalkitFixture
    from evalkit.pytest_runner import SuiteRunner

__all__ = ["evalkit", "mark_collected", "mark_partial", "runner_of"]

_SETTINGS = pytest.StashKey[Any]()
_RUNNER = pytest.StashKey[Any]()
_COLLECTED = pytest.StashKey[bool]()
_PARTIAL = pytest.StashKey[str]()
_SHARED = pytest.StashKey[str]()

_MODES = ("replay", "record", "refresh", "live")
_WORKER_KEY = "evalkit_session_cache"  # pytest_xdist.WORKER_KEY (that module imports more)
_PYTEST_8 = int(pytest.__version__.split(".")[0]) >= 8


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("evalkit", "evalkit: LLM evaluation suites as tests")
    group.addoption(
        "--evalkit",
        action="store_true",
        help="run every suite of the evalkit config as test items (one per gate and candidate)",
    )
    group.addoption(
        "--evalkit-suite",
        action="append",
        default=[],
        metavar="NAME",
        help="run this suite (repeatable; implies --evalkit)",
    )
    group.addoption(
        "--evalkit-candidate",
        action="append",
        default=[],
        metavar="NAME",
        help="only these candidates (repeatable; the suite's baseline is added)",
    )
    group.addoption(
        "--evalkit-cases", action="store_true", help="also one item per case and candidate"
    )
    group.addoption(
        "--evalkit-config", metavar="PATH", help="evalkit.toml or pyproject.toml to use"
    )
    group.addoption(
        "--evalkit-baseline",
        metavar="RUN_DIR",
        help="compare with this stored run (or a folder of one run per suite) instead of "
        "running the baseline candidate, and apply the promotion gates",
    )
    group.addoption(
        "--evalkit-allow-partial",
        action="store_true",
        help="gate a comparison of part of the eval set (a stored baseline that selected "
        "cases) on the cases compared, reporting 'partial N/M'; without it its gate items fail",
    )
    group.addoption("--evalkit-report", metavar="PATH", help="write the HTML report here")
    group.addoption(
        "--evalkit-mode",
        choices=_MODES,
        default="replay",
        help="replay (default): answers and LLM-judge verdicts only from recordings, never "
        "call a provider (a judge whose cache is set to record, refresh or off still asks); "
        "record: call what is not recorded yet and record it; refresh: call everything again "
        "(once per session) and overwrite; live: call everything (once per session), record "
        "nothing",
    )
    group.addoption(
        "--evalkit-max-cost",
        type=float,
        metavar="USD",
        help="stop sending provider requests once the session has spent this much",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "evalkit(suite, candidate=None, baseline_run=None): the suite (and candidate) the "
        "evalkit fixture evaluates in this test",
    )
    opt = config.option
    if opt.evalkit_max_cost is not None and opt.evalkit_max_cost < 0:
        raise pytest.UsageError("--evalkit-max-cost: must be >= 0 (USD)")
    if opt.evalkit_baseline and not Path(opt.evalkit_baseline).is_dir():
        raise pytest.UsageError(
            f"--evalkit-baseline {opt.evalkit_baseline}: no such folder; pass a run directory "
            "(or a folder with one per suite)"
        )
    if opt.evalkit_config and not Path(opt.evalkit_config).is_file():
        raise pytest.UsageError(
            f"--evalkit-config {opt.evalkit_config}: no such file; pass the path of an "
            "evalkit.toml (or of a pyproject.toml with [tool.evalkit])"
        )
    workerinput = getattr(config, "workerinput", None)  # set by pytest-xdist on its workers
    from evalkit.pytest_runner import Settings

    config.stash[_SETTINGS] = Settings(
        collect=bool(opt.evalkit or opt.evalkit_suite),
        suites=tuple(opt.evalkit_suite),
        candidates=tuple(opt.evalkit_candidate),
        cases=bool(opt.evalkit_cases),
        config=opt.evalkit_config,
        baseline=opt.evalkit_baseline,
        report=opt.evalkit_report,
        mode=opt.evalkit_mode,
        max_cost_usd=opt.evalkit_max_cost,
        allow_partial=bool(opt.evalkit_allow_partial),
        workers=int(workerinput.get("workercount", 1)) if workerinput else 1,
        worker=workerinput.get("workerid") if workerinput else None,
        session_cache=workerinput.get(_WORKER_KEY) if workerinput else None,
        start=str(config.invocation_params.dir),
    )


def mark_collected(config: pytest.Config) -> None:
    """The config file was collected as a test file: do not add its suites a second time."""
    config.stash[_COLLECTED] = True


def mark_partial(item: pytest.Item, ratio: str) -> None:
    """The item judged part of the eval set (``4/6`` cases): its passing status says so."""
    item.stash[_PARTIAL] = ratio


def runner_of(config: pytest.Config) -> SuiteRunner:
    """The session's suite runner, created on first use (so an unused plugin costs nothing)."""
    runner = config.stash.get(_RUNNER, None)
    if runner is None:
        from evalkit.pytest_runner import SuiteRunner

        runner = SuiteRunner(config.stash[_SETTINGS])
        config.stash[_RUNNER] = runner
        from evalkit.pytest_notices import notices_on

        notices_on(config)  # Ctrl-C's "waiting for the answers in flight", past the capture
    return runner  # type: ignore[no-any-return]


def pytest_unconfigure(config: pytest.Config) -> None:
    from evalkit.pytest_notices import notices_off

    notices_off(config)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name != "evalkit.toml":
        return None
    settings = parent.config.stash[_SETTINGS]
    explicit = parent.session.isinitpath(file_path)
    if not (settings.collect or explicit):
        return None
    if explicit and not settings.config and _RUNNER not in parent.config.stash:
        from dataclasses import replace

        parent.config.stash[_SETTINGS] = replace(settings, config=str(file_path))
    elif _config_file(parent.config) != file_path.resolve():
        return None  # another project's config under the tests: not the one in use
    from evalkit.pytest_items import EvalkitFile

    return EvalkitFile.from_parent(parent, path=file_path)


def _config_file(config: pytest.Config) -> Path | None:
    """The config file in use, found without parsing it: a config that does not load is then
    collected anyway and fails as that file's collection error, with evalkit's message."""
    settings = config.stash[_SETTINGS]
    if settings.config:
        return Path(settings.config).resolve()
    from evalkit.config import find_config

    found = find_config(settings.start)
    return found.resolve() if found else None


def _config_path(config: pytest.Config) -> Path | None:
    from evalkit.errors import EvalkitError

    try:
        path = runner_of(config).project().path
    except EvalkitError as exc:
        raise pytest.UsageError(str(exc)) from exc
    return path.resolve() if path else None


@pytest.hookimpl(tryfirst=True)  # on pytest-xdist's controller too, which collects nothing
def pytest_collection(session: pytest.Session) -> None:
    """Usage errors found before anything is collected: no config for ``--evalkit``,
    ``--evalkit-candidate`` names that no selected suite lists, an ``--evalkit-baseline`` that
    holds a run for none of them. Each would otherwise make CI pass, or pay, on something
    other than what was asked: every suite skipped, or run against its baseline candidate."""
    settings = session.config.stash[_SETTINGS]
    if not (settings.candidates or settings.collect or settings.baseline):
        return
    path = _config_file(session.config)
    if path is None:
        _no_config(session.config)
        return
    if not (settings.candidates or settings.baseline):
        return
    from evalkit.config import load_config
    from evalkit.errors import EvalkitError

    try:  # not the session runner's project: an explicit config path may still replace it
        project = load_config(path)
    except EvalkitError:
        return  # the config's collection error says what is wrong with it
    _check_candidates(project, settings)
    suites = [s for s in (settings.suites or project.suites) if s in project.suites]
    if settings.baseline and suites:
        from evalkit.pytest_checks import baseline_problem

        problem = baseline_problem(Path(settings.baseline), suites)
        if problem is not None:
            raise pytest.UsageError(problem)


def _no_config(config: pytest.Config) -> None:
    """``--evalkit`` with no config to use is a usage error before collection: under
    pytest-xdist the controller collects nothing, and a worker's usage error was lost (the
    session ended "no tests ran", exit 5, without saying why). A config file given as an
    argument (``pytest path/evalkit.toml``) is found by collection instead."""
    if not config.stash[_SETTINGS].collect:
        return
    if any(Path(str(a).split("::")[0]).name == "evalkit.toml" for a in config.args):
        return
    _config_path(config)  # raises the UsageError saying where it looked


def _check_candidates(project: Any, settings: Any) -> None:
    from evalkit.pytest_runner import candidate_problems

    problems = candidate_problems(project, settings.suites, settings.candidates)
    if problems:
        raise pytest.UsageError(*problems)


@pytest.hookimpl(tryfirst=True)  # before -k / -m deselect, so they apply to suite items too
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    settings = config.stash[_SETTINGS]
    if config.pluginmanager.hasplugin("xdist"):
        from evalkit.pytest_xdist import group_marked

        group_marked(items)
    if config.stash.get(_COLLECTED, False) and settings.candidates:
        _check_explicit(config)  # ``pytest path/evalkit.toml``: checked against that file
    if not settings.collect or config.stash.get(_COLLECTED, False):
        return
    path = _config_path(config)
    if path is None:
        return
    from evalkit.pytest_items import EvalkitFile

    # A config above the rootdir (pytest run in tests/) gets "../evalkit.toml" as its node id;
    # pytest's default for a path outside the rootdir is "", which made ids "::evalkit.toml::..."
    nodeid = Path(os.path.relpath(path, config.rootpath)).as_posix()
    items.extend(session.genitems(EvalkitFile.from_parent(session, path=path, nodeid=nodeid)))


def _check_explicit(config: pytest.Config) -> None:
    from evalkit.errors import EvalkitError

    try:
        project = runner_of(config).project()
    except EvalkitError:
        return
    _check_candidates(project, config.stash[_SETTINGS])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A skip that evalkit raised is located at the item: a suite item's at its table in the
    config, a fixture test's at the test (pytest puts a skip at the raising line: evalkit's
    own source, in ``-rs`` and JUnit XML)."""
    outcome = yield
    report = outcome.get_result()
    _locate_skip(item, report)
    if call.when == "call" and _PARTIAL in item.stash:
        report.evalkit_partial = item.stash[_PARTIAL]  # a plain attribute crosses xdist


def pytest_report_teststatus(
    report: pytest.TestReport | pytest.CollectReport, config: pytest.Config
) -> Any:
    """A gate that passed on part of the eval set reads ``PASSED (partial 4/6)``, not a bare
    ``PASSED`` that a reviewer would take for the whole eval set."""
    ratio = getattr(report, "evalkit_partial", None)
    if getattr(report, "when", None) == "call" and report.passed and ratio:
        word = f"PASSED (partial {ratio})"
        # pytest < 8 prints a (word, markup) pair as a tuple in the -rA short summary
        return "passed", ".", (word, {"green": True}) if _PYTEST_8 else word
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    """A suite skipped at collection is located at its ``[suites.S]`` table, as items are."""
    outcome = yield
    _locate_skip(collector, outcome.get_result())


def _locate_skip(node: Any, report: Any) -> None:
    if not (report.skipped and isinstance(report.longrepr, tuple)):
        return
    if hasattr(report, "wasxfail") or _RUNNER not in node.config.stash:
        return  # an xfail, or a session that never used evalkit
    if not hasattr(node, "reportinfo"):
        return  # a collector with no location of its own (the config file)
    if not Path(report.longrepr[0]).is_relative_to(Path(__file__).parent):
        return  # the user's own skip (or pytest's): where it was raised is right
    path, line, _ = node.reportinfo()
    report.longrepr = (str(path), (line or 0) + 1, report.longrepr[2])


@pytest.fixture
def evalkit(request: pytest.FixtureRequest) -> EvalkitFixture:
    """Evaluate suites and assert on scores; see ``docs/pytest.md``.

    ``@pytest.mark.evalkit(suite="support", candidate="support-candidate")`` sets what
    ``evalkit.result`` runs (once per session, shared with the suite's gate items).
    """
    from evalkit.pytest_fixture import EvalkitFixture

    marker = request.node.get_closest_marker("evalkit")
    kwargs: dict[str, Any] = dict(marker.kwargs) if marker else {}
    if marker and marker.args:
        kwargs.setdefault("suite", marker.args[0])
    return EvalkitFixture(runner_of(request.config), request.node, kwargs)


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    runner = config.stash.get(_RUNNER, None)
    try:
        finish(config, runner, config.stash[_SETTINGS])
    finally:
        if runner is not None:
            runner.session_cache.close()
        if _SHARED in config.stash:  # the xdist controller: its workers have finished
            from evalkit.pytest_xdist import remove

            remove(config.stash[_SHARED])


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist controller, per worker: in ``live`` / ``refresh`` every worker gets the
    session's cache folder, so they pay for each request once (see evalkit/pytest_xdist.py)."""
    config = node.config
    if config.stash[_SETTINGS].mode not in ("live", "refresh"):
        return
    if _SHARED not in config.stash:
        from evalkit.pytest_xdist import new_folder

        config.stash[_SHARED] = new_folder()
    node.workerinput[_WORKER_KEY] = config.stash[_SHARED]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist controller: keep what a finished worker ran, for the report and summary."""
    keep_worker(node)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    summarize(terminalreporter, config, config.stash.get(_RUNNER, None), config.stash[_SETTINGS])
