"""``groundedness``: does the answer stay within the case's approved ``context``?

The default, offline mode splits the response into claims, finds each claim's best
supporting passage and checks its numbers, dates, amounts, names and citations against it
(see :mod:`evalkit.scorers._grounding_support`). The value is the supported fraction of
claims. The optional judge mode asks any registered provider the same question with a
documented rubric, for teams that can afford a model call per case.

Accuracy and speed are measured by ``benchmarks/bench_groundedness.py`` on HaluEval-QA and
FaithBench; the figures and the reasoning behind the defaults are in
``docs/scorers/groundedness.md``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from evalkit.errors import ScorerError
from evalkit.scorers._grounding_claims import split_claims
from evalkit.scorers._grounding_index import PassageIndex
from evalkit.scorers._grounding_polarity import yes_no_question
from evalkit.scorers._grounding_support import (
    ClaimResult,
    SupportOptions,
    check_claims,
    mismatch_kind,
)
from evalkit.scorers._grounding_text import Given
from evalkit.scoring import Score, ScoreContext, Scorer

if TYPE_CHECKING:
    from evalkit.scorers._judge_call import JudgeCaller

__all__ = ["Groundedness", "claim_results", "given_by"]


@dataclass
class Groundedness(Scorer):
    """Supported fraction of the response's claims; ``passed`` when it reaches ``threshold``.

    ``details["claims"]`` lists every claim with its ``span`` in the response, best
    ``passage``, ``support`` and, when unsupported, ``reason``; ``details["metrics"]`` holds
    ``claims``, ``supported_claims``, ``unsupported_claims`` and (offline)
    ``strongly_unsupported_claims`` for generic averaging.
    """

    name = "groundedness"
    requires = ("context",)
    operational_args: ClassVar[tuple[str, ...]] = (
        "judge_api_key_env",
        "judge_timeout_s",
        "judge_cache",
        "judge_cache_dir",
        "judge_max_retries",
    )

    threshold: float = 0.6
    """Share of supported claims needed to pass (see the docs for how it was chosen)."""
    mode: Literal["offline", "judge"] = "offline"
    max_strongly_unsupported: int | None = None
    """For long responses such as summaries: pass while at most this many claims are strongly
    unsupported (a hard mismatch, or two or more words found in no passage), instead of by
    ``threshold``. Offline mode only. On FaithBench summaries 2 gave balanced accuracy 0.649
    against 0.587 for the fraction; on short QA answers the fraction is far better (see the
    docs), which is why it is not the default."""
    fail_on_mismatch: bool = False
    """For support answers: also fail on any claim with a hard mismatch (a number, amount, date,
    time, name, negation, obligation, relation or citation the passages contradict or lack),
    whatever the fraction; pair it with a lower ``threshold`` (0.3) so that paraphrase alone
    rarely fails.
    With the default 0.6 a wrong fee in one claim of three passes. Offline mode only; measured
    in the docs ("Support answers: fail on any hard mismatch")."""
    min_support: float = SupportOptions.min_support
    """Blended similarity (TF-IDF, partial and token-set ratios, word coverage) a claim needs."""
    min_coverage: float = SupportOptions.min_coverage
    """Share of a claim's content words that must occur in its passage."""
    min_local: float = SupportOptions.min_local
    """Share of a claim's content words that must occur within two adjacent sentences."""
    min_proximity: float = SupportOptions.min_proximity
    """How tightly the claim's words must sit together in the passage (1.0: contiguous)."""
    verbatim: float = SupportOptions.verbatim
    """``partial_ratio`` at which a claim counts as quoted from the passage."""
    check_negation: bool = True
    check_relations: bool = True
    """Require a claim's names and numbers to be stated together somewhere in the passage."""
    judge_provider: str | None = None
    """Judge mode: a registered provider name (``openai``, ``anthropic``, ...)."""
    judge_model: str | None = None
    judge_base_url: str | None = None
    judge_api_key_env: str | None = None
    """Name of the environment variable holding the judge's key (never the key itself)."""
    judge_params: Mapping[str, Any] = field(default_factory=lambda: {"temperature": 0})
    judge_options: Mapping[str, Any] = field(default_factory=dict)
    judge_timeout_s: float = 60.0
    judge_cache: str = "use"
    """Response-cache mode for judge calls: ``use``, ``refresh``, ``off``, ``require``."""
    judge_cache_dir: str = ".evalkit/cache"
    judge_max_retries: int = 4
    _judge_caller: JudgeCaller | None = field(init=False, repr=False, compare=False, default=None)
    """Judge mode: the caller (client and cache per event loop), made on first use."""

    def __post_init__(self) -> None:
        if self.mode not in ("offline", "judge"):
            raise ScorerError(
                f"scorer 'groundedness': mode {self.mode!r} is unknown; use 'offline' or 'judge'"
            )
        if self.max_strongly_unsupported is not None and (
            self.mode != "offline" or self.max_strongly_unsupported < 0
        ):
            raise ScorerError(
                "scorer 'groundedness': max_strongly_unsupported must be a count >= 0 and needs "
                "mode 'offline'; remove it or fix its value"
            )
        if not isinstance(self.fail_on_mismatch, bool) or (
            self.fail_on_mismatch and self.mode != "offline"
        ):
            raise ScorerError(
                f"scorer 'groundedness': fail_on_mismatch must be true or false (got "
                f"{self.fail_on_mismatch!r}) and needs mode 'offline' (a judge's reasons are free "
                "text); fix its value or remove it"
            )
        if self.fail_on_mismatch and self.max_strongly_unsupported is not None:
            raise ScorerError(
                "scorer 'groundedness': fail_on_mismatch and max_strongly_unsupported are two "
                "different pass rules (support answers, summaries); keep one of them"
            )
        if self.mode == "judge" and not (self.judge_provider and self.judge_model):
            raise ScorerError(
                "scorer 'groundedness': mode 'judge' needs judge_provider and judge_model; "
                "set both, or use the default offline mode"
            )

    @property
    def cpu_bound(self) -> bool:  # type: ignore[override]
        """Offline scoring is pure CPU work worth a process pool; the judge waits on I/O."""
        return self.mode == "offline"

    def score(self, ctx: ScoreContext) -> Score | Awaitable[Score]:
        self.check_case(ctx.case)
        if self.mode == "judge":
            return self._judge(ctx)
        options = SupportOptions(
            min_support=self.min_support,
            min_coverage=self.min_coverage,
            check_negation=self.check_negation,
            check_relations=self.check_relations,
            min_local=self.min_local,
            min_proximity=self.min_proximity,
            verbatim=self.verbatim,
        )
        results = claim_results(ctx.response.text, ctx.case.context, options, given_by(ctx))
        return self._summarise(results, mode="offline")

    async def _judge(self, ctx: ScoreContext) -> Score:
        from evalkit.scorers._grounding_judge import (
            build_request,
            parse_verdict,
            split_unlocated,
            with_unlocated,
        )
        from evalkit.scorers._judge_call import JudgeCaller, judge_details

        where = f"case {ctx.case.id!r}: groundedness judge"
        if not ctx.response.text.strip():
            return self._summarise([], mode="judge")
        if self._judge_caller is None:
            self._judge_caller = JudgeCaller(
                provider=str(self.judge_provider),
                model=str(self.judge_model),
                base_url=self.judge_base_url,
                api_key_env=self.judge_api_key_env,
                options=dict(self.judge_options),
                cache=self.judge_cache,
                cache_dir=self.judge_cache_dir,
                timeout_s=self.judge_timeout_s,
                max_retries=self.judge_max_retries,
            )
        caller = self._judge_caller
        request = build_request(
            ctx.case.id, ctx.case.context, ctx.response.text, caller.model, self.judge_params
        )
        reply, cached = await caller.ask(request, where)
        results = parse_verdict(reply.text, ctx.response.text, where)
        located, unlocated = split_unlocated(results, where)  # claims not in the answer: apart
        score = with_unlocated(self._summarise(located, mode="judge"), unlocated)
        # who judged and what it cost, as the judge scorer reports it
        judged = judge_details(str(self.judge_provider), caller.model, reply, cached)
        metrics = dict(score.details.get("metrics") or {})
        if judged["judge_cost_usd"] is not None:
            metrics["judge_cost_usd"] = judged["judge_cost_usd"]
        return replace(score, details={**score.details, **judged, "metrics": metrics})

    async def aclose(self) -> None:
        """Judge mode: close the judge's client and cache (the engine calls it at run end)."""
        if self._judge_caller is not None:
            await self._judge_caller.aclose()

    def texts(self) -> dict[str, str]:
        """Judge mode: the judge's rubric (its whole system message); offline: none."""
        if self.mode != "judge":
            return {}
        from evalkit.scorers._grounding_judge import RUBRIC

        return {"rubric": RUBRIC}

    def spec(self) -> dict[str, Any]:
        """Name and arguments, without the judge's runtime state."""
        d = super().spec()
        d["args"].pop("_judge_caller", None)
        return d

    def _summarise(self, results: Sequence[ClaimResult], *, mode: str) -> Score:
        total = len(results)
        good = sum(r.supported for r in results)
        value = good / total if total else 1.0
        bad = [r for r in results if not r.supported]
        if not total:
            reason = "no checkable claims in the response"
        elif not bad:
            reason = f"all {total} claim(s) supported by the context"
        else:
            first = bad[0]
            snippet = first.text if len(first.text) <= 60 else first.text[:57] + "..."
            more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
            reason = f"{good}/{total} claims supported; {snippet!r}: {first.reason}{more}"
        metrics = {
            "claims": float(total),
            "supported_claims": float(good),
            "unsupported_claims": float(total - good),
        }
        if mode == "offline":  # the judge gives verdicts, not the evidence this counts
            metrics["strongly_unsupported_claims"] = float(
                sum(r.strongly_unsupported for r in results)
            )
        details = {"mode": mode, "claims": [r.to_dict() for r in results], "metrics": metrics}
        passed = value >= self.threshold
        if self.max_strongly_unsupported is not None:
            strong = int(metrics.get("strongly_unsupported_claims", 0))
            passed = strong <= self.max_strongly_unsupported
            reason += (
                f"; {strong} strongly unsupported (at most {self.max_strongly_unsupported} allowed)"
            )
        if self.fail_on_mismatch:
            kinds = [k for k in (mismatch_kind(r) for r in results) if k is not None]
            metrics["hard_mismatch_claims"] = float(len(kinds))
            if kinds:
                passed = False
                reason += f"; fails on {_mismatches(kinds)} (fail_on_mismatch)"
        return Score(value, passed, reason, details)


def _mismatches(kinds: Sequence[str]) -> str:
    """``a number mismatch``, ``an entity mismatch``, ``2 mismatches (number, date)``."""
    if len(kinds) == 1:
        return f"{'an' if kinds[0][0] in 'aeiou' else 'a'} {kinds[0]} mismatch"
    return f"{len(kinds)} mismatches ({', '.join(dict.fromkeys(kinds))})"


def claim_results(
    text: str,
    passages: Sequence[Any],
    options: SupportOptions | None = None,
    given: Given | None = None,
) -> list[ClaimResult]:
    """Check every claim of ``text`` against ``passages`` (the offline mode's core).

    ``given`` holds the names and numbers of the request (see :func:`given_by`).
    """
    index = PassageIndex(passages)
    known = set().union(*index.stems) if index.stems else set()
    claims = split_claims(text, given, known)
    if not claims:
        return []
    opts = options or SupportOptions()
    results = check_claims(claims, index, opts, given)
    leads = {(c.start, c.end): c.answers for c in claims if c.answers}
    return [_yes_to(r, leads.get((r.start, r.end), "")) for r in results] if leads else results


def _yes_to(result: ClaimResult, question: str) -> ClaimResult:
    """An unsupported bare "yes" lead's reason, naming the question it says yes to."""
    if not question or result.supported:
        return result
    return replace(result, reason=f"{result.reason} (the answer says yes to {question!r})")


def given_by(ctx: ScoreContext) -> Given:
    """The names and numbers the user supplied: the user messages of the rendered request
    (with the context passages a prompt template pasted into them taken out, so a passage
    cannot vouch for another), the case's ``input`` and the values of its ``vars``.

    System messages are left out: they are the application's instructions, not the user's
    facts.
    """
    passages = [p.text for p in ctx.case.context]
    texts: list[str] = []
    if ctx.request is not None:
        for m in ctx.request.messages:
            if m.role == "user":
                content = m.content
                for p in passages:
                    content = content.replace(p, " ")
                texts.append(content)
    if isinstance(ctx.case.input, str):
        texts.append(ctx.case.input)
    elif ctx.case.input:
        texts.extend(m.content for m in ctx.case.input if m.role == "user")
    texts.extend(_scalars(ctx.case.vars))
    return replace(Given.from_texts(texts), question=yes_no_question(texts))


def _scalars(value: Any) -> list[str]:
    """Every string and number inside a ``vars`` value (nested lists and mappings too)."""
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _scalars(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _scalars(v)]
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return [str(value)]
    return []
