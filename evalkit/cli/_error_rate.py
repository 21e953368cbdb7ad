"""Exit 3 when a run evaluated (almost) nothing: every call of a candidate failed.

Provider errors stay data on their records (the run is kept whole, ``--resume`` and
``--retry-errors`` finish it), but a run whose every call failed (a wrong key, a base_url
nobody listens on, a model ID typo) has evaluated nothing, and exiting 0 for it let a CI job
"succeed" on an empty evaluation. The commands that make calls (``run``, ``run --resume``,
``run --resume --retry-errors``, ``check``) therefore exit :data:`~evalkit.cli.EXIT_ERRORS`
after writing everything, when a candidate's share of errored records is too high: all of
them by default, or above ``--max-error-rate`` (as Inspect AI's ``fail_on_error``).

Errored means a record with a provider error (``Record.error``), over the run's records as
the manifest counts them after the command (kept ones from before a resume included). A
record with skipped scorers, a cache hit or a scorer's error is an answer, so it is not one.
A *scorer* that could not score one of the answered cases it applied to (every score a
scorer error) has evaluated nothing as well, and exits 3 the same way; a scorer that failed
on some cases only is a note in the summaries, and its gates see the rest. ``evalkit score``
applies that scorer check alone (:func:`scored_nothing`): it calls no provider.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evalkit.errors import InputError

if TYPE_CHECKING:
    from evalkit.records import Record, Run

__all__ = [
    "ErrorGroup",
    "add_error_rate_option",
    "error_groups",
    "error_rate_of",
    "print_errors",
    "scored_nothing",
    "too_many_errors",
]


def add_error_rate_option(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--max-error-rate RATE``, shared by ``run`` and ``check``."""
    p.add_argument(
        "--max-error-rate",
        type=float,
        metavar="RATE",
        help="exit 3 when more than this share (0..1) of a candidate's records are provider "
        "errors (default: only when all of them are; 1 never exits 3); results are kept",
    )


def error_rate_of(args: argparse.Namespace) -> float | None:
    """The checked ``--max-error-rate``; ``None`` (the default: only an all-errored run
    fails). Checked before anything runs, so a typo costs no calls."""
    rate = getattr(args, "max_error_rate", None)
    if rate is not None and not (0.0 <= rate <= 1.0):  # NaN fails both comparisons too
        raise InputError(
            f"--max-error-rate: must be a share between 0 and 1, got {rate}; e.g. 0.1 to "
            "fail when more than 10% of a candidate's records are provider errors"
        )
    return rate


def too_many_errors(runs: Iterable[Run], max_rate: float | None, command: str) -> list[str]:
    """One message per run whose errored share is too high (see the module docstring):
    candidate, counts, the commonest error kind with its first message, what to do; and one
    per scorer of a run that could not score a single case it applied to."""
    out = []
    for run in runs:
        counts = run.manifest.get("counts") or {}
        records, errors = int(counts.get("records") or 0), int(counts.get("errors") or 0)
        if _over(records, errors, max_rate):
            out.append(_message(run, records, errors, max_rate, command))
        elif errors < records and (max_rate is None or max_rate < 1):  # 1: never exit 3
            out += scored_nothing([run], command)
    return out


def scored_nothing(runs: Iterable[Run], command: str) -> list[str]:
    """One message per scorer of a run that could not score a single answered case it applied
    to; ``evalkit score`` applies this alone (it calls no provider, so provider errors are the
    source run's business, already judged when it ran).

    A scorer whose every score on an answered record is a scorer error (an LLM judge with
    a wrong key, ``groundedness`` on an eval set without ``context`` and no ``skip_missing``)
    evaluated nothing either; its gates may not look, and the summary alone only notes it.
    Read from the manifest's per-scorer counts; the records are read only to quote the first
    error of such a scorer."""
    out = []
    for run in runs:
        out += _scored_nothing(run, command)
    return out


def _scored_nothing(run: Run, command: str) -> list[str]:
    from evalkit.terminal_text import inert

    counts = run.manifest.get("counts") or {}
    scored, errors = counts.get("scored") or {}, counts.get("scorer_errors") or {}
    name_of = (run.manifest.get("candidate") or {}).get("name")
    out = []
    for scorer, n in sorted(errors.items()):
        if not n or scored.get(scorer):
            continue
        first = _first_scorer_error(run, scorer)
        out.append(
            inert(
                f"{command}: candidate {name_of!r}: scorer {scorer!r} could not score any of "
                f"its {n} cases: nothing was evaluated by it\n"
                + (f"  first: {first}\n" if first else "")
                + "  what to do: fix the cause (a judge's provider, key and model; a case field "
                "the scorer needs, or skip_missing = true for cases without it); the answers "
                f"are kept in {run.path}; score them again without asking the candidate's "
                f"provider: {_score_again(run)}"
            )
        )
    return out


def _score_again(run: Run) -> str:
    """The ``evalkit score`` command for a run whose scorer scored nothing, and what it does
    with an LLM judge: it follows the run's cache mode, as the run did (QA15 F4: this advice
    said "without calling the provider" while a judge asked its own; of a replay run it said
    to re-score, which stays offline and so could not get the verdicts that were missing)."""
    m = run.manifest
    mode = (m.get("rescored_from") or {}).get("cache_mode") or (m.get("cache") or {}).get("mode")
    cmd = f"evalkit score {run.path} --out NEW_DIR"
    if mode == "require":
        return (
            f"{cmd} (the answers were replayed (cache mode require), and an LLM judge stays "
            "offline there too, using recorded verdicts only; add --cache-mode use to let it "
            "ask its provider for the verdicts not recorded)"
        )
    return f"{cmd} (an LLM judge asks its own provider for a verdict not in its cache)"


def _first_scorer_error(run: Run, scorer: str) -> str:
    """``case #repeat: message`` of the first record ``scorer`` could not score."""
    from evalkit.records import RESULTS, read_records
    from evalkit.scoring_run import shown_in_case

    path = run.path / RESULTS
    records: Iterable[Record] = run.records or (read_records(path) if path.exists() else ())
    for r in records:
        score = r.scores.get(scorer)
        if r.error is None and score is not None and score.error is not None:
            error = shown_in_case(str(score.error), r.case_id)  # the line names the case
            return f"{r.case_id} #{r.repeat}: {_one_line(error)}"
    return ""


def _over(records: int, errors: int, max_rate: float | None) -> bool:
    if records == 0 or errors == 0:
        return False  # nothing written (a budget stop says so itself) or nothing failed
    if max_rate is None:
        return errors >= records
    return errors / records > max_rate and not math.isclose(errors / records, max_rate)


def _message(run: Run, records: int, errors: int, max_rate: float | None, command: str) -> str:
    from evalkit.terminal_text import inert

    name = (run.manifest.get("candidate") or {}).get("name")
    if errors >= records:
        what = f"every call failed ({errors} of {records} records): nothing was evaluated"
    else:
        what = (
            f"{errors} of {records} records are provider errors ({errors / records:.1%}, "
            f"above --max-error-rate {max_rate:g})"
        )
    groups = error_groups(_records_of(run))
    shown = groups[:_SHOWN]
    lines = [f"{command}: candidate {name!r}: {what}"]
    # the second line is the one `check` quotes in its verdict: the commonest message
    for i, g in enumerate(shown):
        lead = f"commonest error: {g.kind}" if i == 0 else f"also: {g.kind}"
        first = "first " if i == 0 else ""
        lines.append(
            f"  {lead} ({g.count} of {errors}), {first}{g.first.case_id} #{g.first.repeat}: "
            f"{g.message}"
        )
    rest = groups[_SHOWN:]
    if rest:
        lines.append(
            f"  and {sum(g.count for g in rest)} more record(s) with {len(rest)} other message(s)"
        )
    provider = str((run.manifest.get("candidate") or {}).get("provider") or "")
    lines.append(
        f"  what to do: {_next_step(provider, [g.kind for g in shown])}; the results are kept "
        f"in {run.path}; run the failed cases again with: "
        f"evalkit run --resume {run.path} --retry-errors"
    )
    return inert("\n".join(lines))


_SHOWN = 3
"""How many distinct messages the exit-3 message quotes."""

_STEP = {
    "auth": "check the API key: api_key_env must name a variable that is set, with a key "
    "for this provider",
    "not_found": "check the model ID and base_url",
    "connection": "check base_url and that the server is reachable",
    "rate_limit": "lower the candidate's concurrency or rpm, or wait for the quota",
    "timeout": "raise timeout_s or lower the concurrency",
    "bad_request": "the provider refused the input: fix the cases or the prompt the message names",
    "cache_miss": "record the missing answers first (--cache-mode require found none)",
}
"""The first thing to check for an error kind of a provider that calls an API."""


def _next_step(provider: str, kinds: Sequence[str]) -> str:
    """What to fix, for the provider at hand: a ``callable`` runs the user's function (its
    errors say what it raised or returned; an API key has nothing to do with it) and
    ``replay`` reads recordings; any other provider calls an API, and the step follows the
    kinds of the messages shown, commonest first."""
    if provider == "callable":
        return (
            "fix the function (the messages above say what it raised or returned; in "
            "Python, the traceback is chained to each error)"
        )
    if provider == "replay":
        return (
            "fix the recordings the messages name (add the missing lines to the replay "
            "file, or record those cases again with the real provider)"
        )
    steps = list(dict.fromkeys(f"{k}: {_STEP[k]}" for k in kinds if k in _STEP))
    if not steps:
        return "fix the cause the messages above name"
    return "fix the cause (" + "; ".join(steps) + ")"


@dataclass(frozen=True)
class ErrorGroup:
    """Provider errors of one kind whose messages differ only in case ids and numbers."""

    kind: str
    count: int
    first: Record
    """The first record of the group; its message is the one quoted."""

    @property
    def message(self) -> str:
        """The first record's message on one line, without the ``case 'c-0' repeat 0: `` a
        callable's message starts with: the line quoting it names the case (QA13 F11)."""
        text = self.first.error.message if self.first.error else ""
        r = self.first
        for said in (f"case {r.case_id!r} repeat {r.repeat}: ", f"case {r.case_id!r}: "):
            text = text.replace(said, "", 1)
        return _one_line(text)


def error_groups(records: Iterable[Record]) -> list[ErrorGroup]:
    """The records' provider errors grouped by kind and message shape, commonest first (the
    first seen wins a tie).

    By kind alone, one odd error hid the one-line fix the other 13 records shared: a
    ``callable``'s every exception is kind ``provider``, so the first record's message stood
    for all of them. The shape is the message with the record's case id and every token
    holding a digit (repeat numbers, HTTP statuses, retry delays, request ids) blanked."""
    counts: dict[tuple[str, str], int] = {}
    firsts: dict[tuple[str, str], Record] = {}
    for r in records:
        if r.error is None:
            continue
        key = (r.error.kind, _shape(r.error.message, r.case_id))
        counts[key] = counts.get(key, 0) + 1
        firsts.setdefault(key, r)
    order = sorted(counts, key=lambda k: -counts[k])  # stable: first seen wins a tie
    return [ErrorGroup(kind=k[0], count=counts[k], first=firsts[k]) for k in order]


_DIGITS = re.compile(r"[\w.-]*\d[\w.-]*")


def _shape(message: str, case_id: str) -> str:
    """``message`` with ``case_id`` (quoted; bare too unless it is short enough to be a word
    of the prose, like ``a``) and every token holding a digit replaced."""
    if case_id:
        for quoted in (repr(case_id), f'"{case_id}"'):
            message = message.replace(quoted, "<case>")
        if len(case_id) > 2:
            message = re.sub(rf"(?<![\w.-]){re.escape(case_id)}(?![\w.-])", "<case>", message)
    return " ".join(_DIGITS.sub("#", message).split())


def _one_line(message: str) -> str:
    """An error message on one line, cut at 300 characters."""
    message = " ".join(message.split())
    return message if len(message) <= 300 else message[:299] + "…"


def _records_of(run: Run) -> Sequence[Record]:
    """The run's records, read back from its directory when the command kept none."""
    if run.records:
        return run.records
    from evalkit.records import read_run

    return read_run(run.path).records


def print_errors(messages: Sequence[str]) -> None:
    """Print the messages to stderr, after every summary the command printed on stdout."""
    sys.stdout.flush()
    for m in messages:
        print(f"error: {m}", file=sys.stderr)
