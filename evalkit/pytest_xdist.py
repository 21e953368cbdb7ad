"""Each request paid once per session: pytest-xdist groups, and the session's own cache.

Two things made a session pay twice for one answer (QA12 F12):

- Under ``--dist loadgroup`` only the suite's items carried ``xdist_group("evalkit-<suite>")``;
  a test using the suite through ``@pytest.mark.evalkit(suite=...)`` ran on another worker,
  which ran the whole suite again. :func:`group_marked` gives such a test the suite's group.
- Every worker that gets an item of a suite runs it (``--dist load``, the default of ``-n``;
  a test that calls ``evaluate()`` on an unmarked suite). In ``record`` mode the shared
  cache's claims make the second worker wait for the first one's answer; ``live`` and
  ``refresh`` did not read the cache, so nothing was shared and each worker paid (8x at -n 8).

The fix for the second is a cache that belongs to the session: in ``live`` and ``refresh``
every evaluation runs in cache mode ``use`` against a folder made for this session (by the
xdist controller, handed to its workers), so the claims dedupe across workers as in
``record`` while nothing is read from the project's cache: the folder starts empty, and
only answers obtained during this session are in it. ``live`` writes nothing to the
project's cache (the folder is removed at the end of the session); ``refresh`` writes each
fresh answer into it as well, overwriting the old recording, as the answer arrives
(``RunOptions.cache_copy_to``, :mod:`evalkit.cache_copy`), so a Ctrl-C or a crash mid-suite
keeps in the project's cache what was paid for (it used to be copied when the evaluation
ended). Each run's manifest then names the mode asked for and the project's cache
(:meth:`SessionCache.restate`), so resuming the run does the same. This was chosen over
refusing ``live`` without
``--dist loadgroup``: the refusal would still let an unmarked ``evaluate()`` or an
``evalkit.run`` in two tests pay twice, and would break ``-n auto`` set in ``addopts``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from evalkit.records import Run

__all__ = ["CALLING_MODES", "WORKER_KEY", "SessionCache", "group_marked"]

CALLING_MODES = ("live", "refresh")
"""The ``--evalkit-mode`` values that call every request (the session's cache dedupes them)."""
WORKER_KEY = "evalkit_session_cache"
"""The controller's folder in each worker's ``workerinput``."""


def group_marked(items: Iterable[pytest.Item]) -> None:
    """Put each test marked ``@pytest.mark.evalkit(suite=...)`` in the suite's xdist group, as
    the suite's own items are, so ``--dist loadgroup`` runs the suite on one worker. A test
    that has an ``xdist_group`` of its own keeps it: xdist would join both names into a
    group of its own, apart from the suite's and from the user's."""
    for item in items:
        marker = item.get_closest_marker("evalkit")
        if marker is None or item.get_closest_marker("xdist_group") is not None:
            continue
        suite = marker.kwargs.get("suite", marker.args[0] if marker.args else None)
        if isinstance(suite, str):
            item.add_marker(pytest.mark.xdist_group(f"evalkit-{suite}"))


def new_folder() -> str:
    """A new, empty folder for a session's cache."""
    return tempfile.mkdtemp(prefix="evalkit-session-")


def remove(folder: str | None) -> None:
    """Remove a session's cache folder (its answers are in the session's run directories)."""
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


class SessionCache:
    """The session's cache in ``live`` / ``refresh`` (see the module docstring).

    ``shared`` is the xdist controller's folder on a worker (the controller removes it);
    without it the folder is made on first use and removed by :meth:`close`.
    """

    def __init__(self, mode: str, shared: str | None = None) -> None:
        self.mode = mode
        self.folder = shared
        self._owned = False

    def options(self, cache_dir: str | Path | None = None) -> dict[str, Any]:
        """``RunOptions`` fields for one evaluation: the mode's own cache mode outside
        ``live`` / ``refresh``, else ``use`` on the session's folder; in ``refresh``, each
        answer is also written into the project's cache ``cache_dir`` as it arrives (each
        worker writes those it obtained, so every answer once)."""
        from evalkit.pytest_runner import MODES

        if self.mode not in CALLING_MODES:
            return {"cache_mode": MODES[self.mode]}
        if self.folder is None:
            self.folder, self._owned = new_folder(), True
        opts: dict[str, Any] = {"cache_mode": "use", "cache_dir": self.folder}
        if self.mode == "refresh" and cache_dir is not None:
            opts["cache_copy_to"] = str(cache_dir)
        return opts

    def restate(self, runs: Iterable[Run], cache_dir: str | Path) -> None:
        """Make each run's manifest say the mode asked for (``live``: cache ``off``;
        ``refresh``: ``refresh`` into ``cache_dir``) rather than ``use`` on the session's
        folder, which is gone after the session: ``evalkit run --resume`` (which the terminal
        summary suggests for provider errors) takes its cache mode and folder from there. The
        folder the answers were shared through is kept as ``cache.session_dir``."""
        if self.mode not in CALLING_MODES or self.folder is None:
            return
        from evalkit.records import MANIFEST, write_json_atomic

        for run in runs:
            path = Path(run.path) / MANIFEST
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # not written (the run failed to start): nothing to restate
            cache = data.get("cache") or {}
            data["cache"] = {
                **cache,
                "mode": "off" if self.mode == "live" else "refresh",
                "dir": str(Path(cache_dir).resolve()),
                "session_dir": self.folder,
            }
            write_json_atomic(path, data)

    def close(self) -> None:
        """Remove the folder if this process made it (not a worker's: the controller's)."""
        if self._owned:
            remove(self.folder)
            self.folder, self._owned = None, False
