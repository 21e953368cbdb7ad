"""The requests of one candidate's run, rendered when they are sent, not all before the run.

The engine used to render every case first and keep the rendered requests for the whole run,
so memory grew with the eval set times its prompts (every rendered system prompt, context and
conversation alive at once). :class:`RunRequests` keeps only the cases:

- :meth:`RunRequests.check` renders every case once before the run writes its manifest and
  drops each request at once: a template that fails on any case (an undefined variable, a
  case with nothing to send) still stops the run before a single call is paid for, with the
  same :class:`~evalkit.errors.TemplateError` naming the case and the template line.
- :meth:`RunRequests.render` renders one (case, repeat) pair when a worker takes it, so at
  most one rendered request per worker (the in-flight bound) is alive.
- :meth:`RunRequests.pairs` yields the pairs to run, lazily, skipping those already done.

Rendering is deterministic (a case and a candidate always give the same messages), so the
request sent, its cache key and its record are those the up-front render checked. Rendering
each case twice costs a few microseconds per case (0.6 s for 100,000 cases without a
template); see ``docs/engine.md``, "Memory", for the measured figures.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evalkit.config import Candidate
    from evalkit.dataset import Case
    from evalkit.providers.base import Request

__all__ = ["RunRequests"]


class RunRequests:
    """Renders a run's requests on demand from its cases and candidate."""

    def __init__(self, candidate: Candidate, cases: Sequence[Case]) -> None:
        from evalkit.prompt import PromptRenderer

        self.cases = cases
        self._renderer = PromptRenderer(candidate)

    def check(self) -> None:
        """Render every case and keep nothing: a bad template fails here, before any call."""
        render = self._renderer.render
        for case in self.cases:
            render(case)

    def render(self, index: int, repeat: int) -> Request:
        """The request of case ``index``, repeat ``repeat``, rendered now."""
        return self._renderer.render(self.cases[index], repeat)

    def pairs(self, repeats: int, done: set[tuple[str, int]]) -> Iterator[tuple[int, int]]:
        """``(case index, repeat)`` of every pair not in ``done``, repeat by repeat."""
        cases = self.cases
        for rep in range(repeats):
            for i, case in enumerate(cases):
                if (case.id, rep) not in done:
                    yield i, rep
