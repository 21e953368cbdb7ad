"""Per-case rows of the report: :class:`~evalkit.compare.CaseRow` to the page's compact JSON.

Keys are short because a report may carry 10,000 cases; the page script
(``templates/report.js``) is their only reader, and the shapes are documented on
:func:`case_view` and :func:`side_view`. Scorer evidence is read leniently from
``ScoreCell.details`` (groundedness ``claims`` with spans, tool-call per-call verdicts,
refusal ``verdict`` / ``outcome``), recognised by their shape whatever the scorer is called;
any other scorer's details get a generic, size-capped key/value view
(:mod:`evalkit.report.details`).

A single value (an id, a tag, an input, an output, a tool call's name or arguments) is kept
exact: the page isolates it. A sentence that embeds data (a scorer's reason, a provider's error
message, a tool call written as ``name(arguments)``) gets its bidi controls shown
(:func:`~evalkit.report.bidi.shown`), because no element can isolate a part of it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from evalkit.compare import CaseRow, CaseSide
from evalkit.report.details import (
    generic_details,
    is_checks,
    is_claims,
    is_refusal,
    is_tool_verdicts,
)
from evalkit.report.evidence import evidence_view, flagged_passages
from evalkit.scoring_run import shown_in_case

if TYPE_CHECKING:
    from evalkit.dataset import Case

__all__ = [
    "CHANGED",
    "STATUS_ORDER",
    "case_view",
    "case_views",
    "has_scorer_error",
    "is_flaky",
    "side_view",
]

MAX_TEXT = 20_000
"""Characters of one output or input kept in the page (longer text is cut and marked)."""
MAX_REASON = 300
STATUS_ORDER = (
    "regression",
    "improvement",
    "baseline_only",
    "candidate_only",
    "content_changed",
    "baseline_not_run",
    "candidate_not_run",
    "unchanged_fail",
    "unscored",
    "unchanged_pass",
)
"""Order of the case table: what a reviewer must look at first. ``*_not_run`` are the page's
own: a one-run-only case the other run selected but has not run (see
:func:`evalkit.report.partial.not_run`)."""
CHANGED = STATUS_ORDER[: STATUS_ORDER.index("unchanged_fail")]


def _cut(text: str, limit: int) -> str:
    return (
        text if len(text) <= limit else text[:limit] + f" … [{len(text) - limit} more characters]"
    )


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def _utf16(text: str, index: int) -> int:
    """A code-point offset as the page's JavaScript counts it (UTF-16 code units)."""
    return len(text[:index].encode("utf-16-le")) // 2


def _span(c: Mapping[str, Any], text: str, output: str, pos: int) -> tuple[int, int] | None:
    span = c.get("span")
    if (
        isinstance(span, (list, tuple))
        and len(span) == 2
        and all(_num(x) is not None for x in span)
    ):
        a, z = int(span[0]), int(span[1])
        if 0 <= a <= z <= len(output):
            return a, z
    at = output.find(text, pos) if text else -1
    return (at, at + len(text)) if at >= 0 else None


def _claims(details: Mapping[str, Any], output: str, scorer: str) -> list[dict[str, Any]]:
    """Groundedness claims (``details["claims"]``) as ``{"s", "a", "z", "ok", "why", "p"}``;
    ``p`` is the id of the passage the claim was checked against (when recorded), ``s`` names
    the scorer, as offline groundedness and its judge mode may both check one output.

    ``a``/``z`` locate the claim in the output (UTF-16 offsets, as JavaScript slices), so the
    claim's text is not stored twice; a claim that cannot be located keeps its text as ``t``.
    """
    out = []
    pos = 0
    wide = any(ord(ch) > 0xFFFF for ch in output)
    for c in details.get("claims") or ():
        if not isinstance(c, Mapping):
            continue
        text = str(c.get("text") or c.get("claim") or "")
        row: dict[str, Any] = {
            "s": scorer,
            "ok": bool(c.get("supported")),
            "why": str(c.get("reason") or ""),
        }
        if isinstance(c.get("passage"), str):  # the passage it was checked against
            row["p"] = _cut(c["passage"], MAX_REASON)
        span = _span(c, text, output, pos)
        if span is None or span[0] >= MAX_TEXT:
            row["t"] = _cut(text, 500)
        else:
            a, z = span
            pos = z
            row["a"], row["z"] = (_utf16(output, a), _utf16(output, z)) if wide else (a, z)
        out.append(row)
    return out


def _args_text(call: Mapping[str, Any]) -> str:
    """A call's arguments as the model sent them: the raw string when it did not parse (a
    parsed ``None`` would read ``null`` and hide what was sent), else canonical JSON."""
    if call.get("parse_error") is not None and isinstance(call.get("raw_arguments"), str):
        return str(call["raw_arguments"])
    args = call.get("arguments", call.get("args"))
    return args if isinstance(args, str) else json.dumps(args, ensure_ascii=False, sort_keys=True)


def _call_text(call: Any) -> str:
    if isinstance(call, Mapping):
        return f"{call.get('name', '?')}({_args_text(call)})"
    return "" if call is None else str(call)


def _tool_verdicts(
    details: Mapping[str, Any],
    made: Sequence[Mapping[str, Any]],
    expected: Sequence[str] = (),
    scorer: str = "tool_calls",
) -> list[dict[str, Any]]:
    """Per-pair verdicts of the ``tool_calls`` scorer (``"s"`` names it), then its schema
    problems.

    A pair is ``{"expected": index | call, "call": index | call, "ok", "reason", "arguments":
    [{"name", "status", "ok", "reason"}]}``; an index refers to the case's expectations or to
    the calls ``made``. An expectation's index reads as the call itself when the eval set's
    ``expected`` calls are at hand, else as "expected call 2".
    """
    out = []
    for v in details.get("calls") or ():
        if not isinstance(v, Mapping):
            continue
        args = []
        for a in v.get("arguments") or ():
            if isinstance(a, Mapping):
                why = str(a.get("reason") or a.get("status") or "")
                args.append({"n": str(a.get("name", "?")), "ok": bool(a.get("ok")), "why": why})
        exp, got = v.get("expected"), v.get("call")
        if isinstance(exp, int) and not isinstance(exp, bool):
            exp = expected[exp] if 0 <= exp < len(expected) else f"expected call {exp + 1}"
        if isinstance(got, int) and not isinstance(got, bool):
            got = made[got] if 0 <= got < len(made) else f"call {got + 1}"
        out.append(
            {
                "s": scorer,
                "ok": bool(v.get("ok")),
                "exp": _cut(_call_text(exp), MAX_TEXT),
                "got": _cut(_call_text(got), MAX_TEXT),
                "why": str(v.get("reason") or ""),
                "args": args,
            }
        )
    for p in details.get("schema_problems") or ():
        message = p.get("message") if isinstance(p, Mapping) else p
        out.append(
            {
                "s": scorer,
                "ok": False,
                "exp": "schema",
                "got": "",
                "why": str(message),
                "args": [],
            }
        )
    return out


def _made_call(t: Mapping[str, Any]) -> dict[str, Any]:
    """``{"name", "args"}``, plus ``"perr"`` (the parser's message) when the arguments did not
    parse: ``args`` is then the raw string the model sent."""
    view: dict[str, Any] = {
        "name": _cut(str(t.get("name", "?")), MAX_REASON),
        "args": _cut(_args_text(t), MAX_TEXT),
    }
    if t.get("parse_error") is not None:
        view["perr"] = _cut(str(t["parse_error"]), MAX_REASON)
    return view


def side_view(
    side: CaseSide, expected_calls: Sequence[str] = (), case_id: str | None = None
) -> dict[str, Any]:
    """One run's side of a case (evidence from the first repeat). A scorer error is shown
    without its leading ``case '<id>': scorer '<name>'`` when ``case_id`` is given: the case's
    detail names both already, in its header and the row's label.

    ``{"out", "model", "err", "cost", "lat", "n": repeats, "rate": pass rate over repeats,
    "flaky": bool, "s": {scorer: [value, passed, reason]}, "claims": [{"s": scorer, "a",
    "z" | "t", "ok", "why", "p"}], "calls": [{"name", "args", "perr"}], "tc": [{"s": scorer,
    "ok", "exp", "got", "why", "args": [{"n", "ok", "why"}]}], "ref": {"verdict", "outcome"},
    "chk": [{"s": scorer, "l": label, "ok", "why"}], "dv": [{"s": scorer, "kv": [[key, value,
    full length]], "cut"}], "ue": [scorer]}``; ``err`` only on a provider error, ``n`` / ``rate`` /
    ``flaky`` only with repeats, ``fk`` ([passed, judged] repeats) only when flaky, ``ue`` (the
    scorers with a scorer error on some repeat, as the verdict's ``new_scorer_errors`` rule
    counts them: the page's "scorer errors" filter) only when there is one, ``est`` only when
    evalkit estimated the token counts, ``tr`` (repeats cut off by ``max_tokens``) only when
    there is one, ``fr`` (the finish reason of the repeat shown) only when it is not a plain
    end, the last six only when the evidence exists.
    ``claims`` / ``tc`` / ``ref`` / ``chk`` come from details of a built-in's shape
    (:mod:`evalkit.report.details`); ``dv`` is every other scorer's details, size-capped.
    """
    err = side.error
    out: dict[str, Any] = {
        "out": _cut(side.output, MAX_TEXT),
        "model": side.model or "",
        "cost": _num(side.cost),
        "lat": _num(side.latency_ms),
        "s": {
            name: [
                None if (v := _num(cell.value)) is None else round(v, 4),
                cell.passed,
                _cut(_cell_error(cell.error, case_id, name) or cell.reason, MAX_REASON),
            ]
            for name, cell in side.scores.items()
        },
    }
    # Defaults are left out: at 10,000 cases every key counts.
    if err:
        out["err"] = _cut(f"{err.get('kind', 'error')}: {err.get('message', '')}", MAX_TEXT)
    if side.repeats != 1:
        out.update(n=side.repeats, rate=side.pass_rate, flaky=side.flaky)
        if side.flaky:  # [repeats passed, repeats with a verdict], for the "flaky k/n" badge
            judged = [v for v in side.verdicts if v is not None]
            out["fk"] = [sum(1 for v in judged if v), len(judged)]
    erred = [name for name, cell in side.scores.items() if cell.unscored]
    if erred:
        out["ue"] = erred
    if side.usage_estimated:
        out["est"] = True
    if side.truncated:  # repeats cut off by max_tokens: the "truncated" badge
        out["tr"] = side.truncated
    if side.finish_reason:  # the shown repeat's, when not a plain end (stop, tool_calls)
        out["fr"] = side.finish_reason
    if side.tool_calls:
        # A model's tool call is untrusted output like its text: cut the same way, or one
        # call with megabytes of arguments would be carried whole into the page.
        out["calls"] = [_made_call(t) for t in side.tool_calls]
    # Each dedicated view is chosen by the details' shape, not the scorer's name: a suite may
    # rename a built-in (as = "tools_strict"), and a user scorer may write a built-in's shape.
    for name, cell in side.scores.items():
        details = cell.details if isinstance(cell.details, Mapping) else {}
        views = (
            ("claims", _claims(details, side.output, name) if is_claims(details) else ()),
            ("chk", _check_verdicts(details, name) if is_checks(details) else ()),
            (
                "tc",
                _tool_verdicts(details, side.tool_calls, expected_calls, name)
                if is_tool_verdicts(details)
                else (),
            ),
        )
        for key, rows in views:
            if rows:
                out.setdefault(key, []).extend(rows)
        if is_refusal(details):
            out["ref"] = {
                "verdict": details["verdict"],
                "outcome": str(details.get("outcome") or ""),
            }
    dv = generic_details({name: cell.details for name, cell in side.scores.items()})
    if dv:
        out["dv"] = dv
    return out


def _cell_error(error: str | None, case_id: str | None, scorer: str) -> str | None:
    """A cell's scorer error as its own row in the case's detail shows it."""
    if error is None or case_id is None:
        return error
    return shown_in_case(error, case_id, scorer)


def _check_verdicts(details: Mapping[str, Any], scorer: str) -> list[dict[str, Any]]:
    """A case's own checks (the ``checks`` scorer's ``details["checks"]``, under whatever name
    the suite gave it) as ``{"s", "l", "ok", "why"}``: label (else scorer name), verdict and
    reason, the small list a reviewer reads. A check that could not run (no verdict, an
    ``error``) adds ``"err": true``: it was left out of the case's score, so the page must not
    call it a failure."""
    out = []
    for c in details.get("checks") or ():
        if not isinstance(c, Mapping) or not isinstance(c.get("name"), str):
            continue
        view = {
            "s": scorer,
            "l": _cut(str(c.get("label") or c["name"]), MAX_REASON),
            "ok": c.get("passed") is True,
            "why": _cut(str(c.get("reason") or c.get("error") or ""), MAX_REASON),
        }
        if c.get("passed") is None and c.get("error"):
            view["err"] = True
        out.append(view)
    return out


def case_view(
    row: CaseRow, status: str | None = None, evidence: Case | None = None
) -> dict[str, Any]:
    """``{"id", "tags", "in", "st", "reg", "imp", "b", "c", "ev"}``: ``st`` is the comparison's
    case status, or ``status`` when the page knows better (``candidate_not_run``); ``reg`` /
    ``imp`` name the scorers whose own status is regression / improvement; ``ev`` is what the
    case expected (:func:`~evalkit.report.evidence.evidence_view`), only when the eval set
    is at hand and the case has any."""
    ev = evidence_view(evidence, flagged_passages(row)) if evidence is not None else {}
    calls = ev.get("etc", ())
    view = {
        "id": row.case_id,
        "tags": list(row.tags),
        "in": _cut(row.input, MAX_TEXT),
        "st": status or row.status,
        "reg": [n for n, s in row.scorer_status.items() if s == "regression"],
        "imp": [n for n, s in row.scorer_status.items() if s == "improvement"],
        "b": side_view(row.baseline, calls, row.case_id) if row.baseline else None,
        "c": side_view(row.candidate, calls, row.case_id) if row.candidate else None,
    }
    if ev:
        view["ev"] = ev
    return view


def case_views(
    rows: Sequence[CaseRow],
    status: Mapping[str, str] | None = None,
    evidence: Mapping[str, Case] | None = None,
) -> list[dict[str, Any]]:
    """Every row, regressions first (then :data:`STATUS_ORDER`), stable within a status;
    ``status`` (case id → status) overrides a row's own, as :func:`case_view` says;
    ``evidence`` (case id → the eval set's case) adds what each case expected."""
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    over = status or {}
    cases = evidence or {}
    views = (case_view(r, over.get(r.case_id), cases.get(r.case_id)) for r in rows)
    return sorted(views, key=lambda v: rank.get(v["st"], len(rank)))


def is_flaky(view: Mapping[str, Any]) -> bool:
    """Repeats of the case disagree in either run (the page's "flaky" filter, the same test)."""
    return any(view[side] and view[side].get("flaky") for side in ("b", "c"))


def has_scorer_error(view: Mapping[str, Any]) -> bool:
    """A scorer error on either side (the page's "scorer errors" filter, the same test)."""
    return any(view[side] and view[side].get("ue") for side in ("b", "c"))
