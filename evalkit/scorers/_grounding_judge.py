"""The optional LLM-judge mode of the groundedness scorer: rubric, request and verdict parsing.

The judge is asked for per-claim verdicts in JSON rather than a single grade, so that its
output fills the same ``details["claims"]`` the offline mode produces and the report can
highlight the same way. Anything that is not a well-formed verdict raises
:class:`~evalkit.errors.ScorerError`: the score becomes an error on that case, never a crash
and never a silent pass.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from rapidfuzz import fuzz

from evalkit.dataset import ContextPassage, Message
from evalkit.errors import ScorerError
from evalkit.providers.base import Request
from evalkit.scorers._grounding_support import ClaimResult
from evalkit.scoring import Score

__all__ = [
    "LOCATE_MIN",
    "RUBRIC",
    "UNLOCATED_NOTE",
    "build_request",
    "locate",
    "parse_verdict",
    "split_unlocated",
    "with_unlocated",
]

RUBRIC = """\
You check whether an answer is grounded in the numbered source passages below.

1. Split the answer into its factual claims (sentences or clauses). Ignore greetings,
   hedges such as "I hope this helps", and questions back to the user.
2. For each claim decide "supported": true only if one passage states it or directly
   implies it. Background knowledge does not count, even when true. A claim is NOT
   supported if any number, date, amount or name in it differs from the passage, if it
   negates or reverses the passage, or if it cites a passage ([n]) that does not support it.
3. Give the id of the passage that supports it (or the closest one) and, for an
   unsupported claim, a reason of at most ten words (e.g. "number mismatch: 45 not in
   passage 2", "no support", "wrong citation [3]").

Reply with JSON only, no prose, exactly in this shape:
{"claims": [{"claim": "<text copied from the answer>", "supported": true,
             "passage": "<id or null>", "reason": "<empty when supported>"}]}
"""
"""The documented judge rubric (also in docs/scorers/groundedness.md)."""


def build_request(
    case_id: str,
    passages: Sequence[ContextPassage],
    answer: str,
    model: str,
    params: Mapping[str, Any],
) -> Request:
    """The judge request: rubric as system message, passages and answer as the user turn."""
    sources = "\n\n".join(
        f"[{p.id}]" + (f" (source: {p.source})" if p.source else "") + f"\n{p.text}"
        for p in passages
    )
    user = f"SOURCE PASSAGES\n\n{sources}\n\nANSWER TO CHECK\n\n{answer}"
    return Request(
        case_id=case_id,
        repeat=0,
        model=model,
        messages=(Message("system", RUBRIC), Message("user", user)),
        params=dict(params),
        metadata={"source": "evalkit", "purpose": "groundedness-judge"},
    )


def parse_verdict(text: str, answer: str, where: str) -> list[ClaimResult]:
    """Turn the judge's reply into claim results; raise :class:`ScorerError` if malformed."""
    data = _load_json(text, where)
    claims = data.get("claims") if isinstance(data, dict) else None
    if not isinstance(claims, list):
        raise ScorerError(
            f"{where}: judge verdict has no 'claims' list (got {text[:80]!r}); use a model "
            "that follows JSON instructions or the offline mode"
        )
    if not claims and answer.strip():
        # An answer with text but no claims would score 1.0 ("nothing to check"): a judge
        # that skipped the work must not pass the case.
        raise ScorerError(
            f"{where}: judge verdict lists no claims for a non-empty answer (got "
            f"{text[:80]!r}); the rubric asks for every factual claim: check the judge model, "
            "or use the offline mode"
        )
    out: dict[str, ClaimResult] = {}
    cursor = 0
    for n, item in enumerate(claims, start=1):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("claim"), str)
            or not isinstance(item.get("supported"), bool)
        ):
            raise ScorerError(
                f"{where}: judge verdict claim {n} must be an object with a string 'claim' "
                f"and a boolean 'supported', got {str(item)[:80]!r}; check the judge model"
            )
        start, end = locate(item["claim"], answer, cursor)
        if start >= 0:
            cursor = end
        passage = item.get("passage")
        reason = str(item.get("reason") or "").strip() or None
        supported = item["supported"]
        result = ClaimResult(
            text=item["claim"],
            start=start,
            end=end,
            passage=None if passage is None else str(passage),
            support=1.0 if supported else 0.0,
            supported=supported,
            reason=None if supported else (reason or "no support")[:120],
        )
        # A claim the judge lists twice is one claim: repeats would weigh the supported
        # fraction. Should the two verdicts differ, the unsupported one stands.
        key = " ".join(item["claim"].casefold().split())
        if key not in out:
            out[key] = result
        elif out[key].supported and not supported:
            out[key] = replace(out[key], support=0.0, supported=False, reason=result.reason)
    return list(out.values())


LOCATE_MIN = 90.0
"""rapidfuzz ``partial_ratio`` (0-100, case folded) at which a claim the judge did not copy
exactly is still located in the answer: a changed quote mark, space, letter case or dropped
word. Below it the text is the judge's own (a paraphrase, a merged claim, an invention)."""
UNLOCATED_NOTE = (
    "the judge's claim is not text of the answer (not even approximately), so it is left out "
    "of the supported fraction"
)
"""Stored with each claim in ``details["unlocated_claims"]``."""
UNLOCATED_UNSUPPORTED = "the judge's wording, not found in the answer"
"""Appended to the reason of an unsupported claim the judge reworded beyond locating: it
still counts (see :func:`split_unlocated`), and the reviewer should know why it has no span."""


def locate(claim: str, answer: str, cursor: int = 0) -> tuple[int, int]:
    """The span of ``claim`` in ``answer``, preferring a place at or after ``cursor`` (claims
    come in order); ``(-1, -1)`` when it is not there.

    Exact text first; otherwise the best approximate match (case folded), accepted at
    :data:`LOCATE_MIN` when it covers nearly all of the claim: judges retype quotes, collapse
    spaces and trim a word, and a span that is off by a character still points the report at
    the right text.
    """
    start = answer.find(claim, cursor)
    if start < 0:
        start = answer.find(claim)
    if start >= 0:
        return start, start + len(claim)
    if len(claim.strip()) < 8:  # too short to place approximately
        return -1, -1
    a, c = answer.lower(), claim.lower()
    if len(a) != len(answer):  # lower() changed lengths ("İ"): spans would not map back
        a, c = answer, claim
    for lo in (cursor, 0) if cursor else (0,):
        found = fuzz.partial_ratio_alignment(c, a[lo:], score_cutoff=LOCATE_MIN)
        if found is not None and found.src_end - found.src_start >= 0.9 * len(c):
            return lo + found.dest_start, lo + found.dest_end
    return -1, -1


def split_unlocated(
    results: Sequence[ClaimResult], where: str
) -> tuple[list[ClaimResult], list[ClaimResult]]:
    """The judge's claims that make the score, and the supported claims that are not text of
    the answer (listed apart, see :func:`with_unlocated`).

    The two kinds of unlocated claim are treated differently, because the errors they cause
    are not equal before a promotion. A *supported* claim the answer does not contain (an
    invention, a sentence copied from a passage) would raise the fraction of an answer it does
    not describe, a silent pass: it is left out. An *unsupported* one is most often a claim of
    the answer the judge reworded too far to place; dropping it would let the hallucination
    it reports pass, so it still counts (span ``[-1, -1]``, its reason saying so), and the
    worst it can do is a false alarm a reviewer sees. If no claim at all is in the answer the
    verdict describes some other text, which is an error on the case, never a pass.
    """
    if results and all(r.start < 0 for r in results):
        raise ScorerError(
            f"{where}: none of the judge's {len(results)} claim(s) is text of the answer (first: "
            f"{results[0].text[:60]!r}); the rubric asks for claims copied from the answer: "
            "check the judge model, or use the offline mode"
        )
    scored: list[ClaimResult] = []
    apart: list[ClaimResult] = []
    for r in results:
        if r.start >= 0:
            scored.append(r)
        elif r.supported:
            apart.append(r)
        else:
            why = f"{r.reason}; {UNLOCATED_UNSUPPORTED}" if r.reason else UNLOCATED_UNSUPPORTED
            scored.append(replace(r, reason=why))
    return scored, apart


def with_unlocated(score: Score, unlocated: Sequence[ClaimResult]) -> Score:
    """``score`` with the claims that are not in the answer listed in
    ``details["unlocated_claims"]`` (each with :data:`UNLOCATED_NOTE`), counted in
    ``details["metrics"]["unlocated_claims"]`` and mentioned in the reason."""
    if not unlocated:
        return score
    details = dict(score.details)
    details["unlocated_claims"] = [
        {**{k: v for k, v in r.to_dict().items() if k != "span"}, "note": UNLOCATED_NOTE}
        for r in unlocated
    ]
    details["metrics"] = {**details.get("metrics", {}), "unlocated_claims": float(len(unlocated))}
    n = len(unlocated)
    reason = (
        f"{score.reason}; {n} judge claim{'s' if n > 1 else ''} not found in the answer "
        f"left out (details: unlocated_claims)"
    )
    return replace(score, reason=reason, details=details)


def _load_json(text: str, where: str) -> Any:
    """Accept bare JSON or JSON in a Markdown code fence; nothing looser."""
    body = text.strip()
    # Any language tag: models write ```json, ```JSON or ```javascript around the same JSON.
    fence = re.fullmatch(r"```[\w-]*\s*(.*?)\s*```", body, re.DOTALL)
    if fence:
        body = fence.group(1)
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise ScorerError(
            f"{where}: judge verdict is not valid JSON ({exc.msg}; got {text[:80]!r}); "
            "use a model that follows JSON instructions or the offline mode"
        ) from exc
