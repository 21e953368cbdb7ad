"""The LLM judge: a rubric scorer that asks a configured provider to grade a response.

The judge sees the conversation the candidate was given (without its system message), the
case's reference answers when there are any, and the response (text and tool calls), and
replies with ``{"score": n, "reasoning": "..."}`` on an integer ``scale`` (default 1 to 5).
The score maps linearly to [0, 1]; with the default threshold 0.75 a 4 or 5 passes.

Robust parsing: a JSON object (bare, fenced or inside prose) with ``score`` (``grade`` and
``rating`` are accepted too); failing that, the last ``Score: n`` in the text. A reply with
no score on the scale is a :class:`~evalkit.errors.ScorerError`: the case's score records the
error, the run goes on, and nothing passes by accident.

Judge requests go through the same :class:`~evalkit.dispatch.Dispatcher` as candidate
requests: the shared response cache (key: provider, base URL, model, messages, params), the
retry policy and a concurrency limit. The judge's provider and model and the sha256 of the
rubric and of the prompt template are part of :meth:`Judge.spec`, so the run manifest shows
when the judge changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from evalkit.dataset import Message
from evalkit.dataset_messages import call_text
from evalkit.errors import ConfigError, ScorerError
from evalkit.hashing import canonical_json, sha256_text
from evalkit.providers.base import Request, Response
from evalkit.scoring import Score, ScoreContext, Scorer

if TYPE_CHECKING:
    from evalkit.scorers._judge_call import JudgeCaller

__all__ = ["DEFAULT_RUBRIC", "PROMPT", "Judge", "parse_judge_verdict"]

DEFAULT_RUBRIC = """\
Grade how well the RESPONSE fulfils the user's request.
Consider, in this order:
- Correctness: no false or invented statements; when reference answers are given, the
  response agrees with them (wording may differ; the facts may not).
- Completeness: every part of the request is addressed.
- Relevance and clarity: no padding, no off-topic material, easy to follow.
Scale:
5 = correct, complete and clear.
4 = correct, with a minor omission or a minor clarity problem.
3 = partly correct, or misses an important part of the request.
2 = mostly incorrect, unhelpful or off-topic.
1 = wrong, harmful, or an unjustified refusal."""
"""The rubric used when a suite gives none (also in docs/scorers/judge.md)."""

PROMPT = """\
You are a strict, impartial evaluator. Grade the RESPONSE below against the rubric.
Judge only what is written; do not reward length or confidence.

RUBRIC
{rubric}

Give an integer score from {lo} to {hi}, where {hi} is best.
Reply with one JSON object and nothing else:
{{"score": <integer {lo}-{hi}>, "reasoning": "<at most three sentences>"}}"""
"""The system message; ``{rubric}``, ``{lo}`` and ``{hi}`` are filled in."""

_SCORE_KEYS = ("score", "grade", "rating")
_REASON_KEYS = ("reasoning", "reason", "explanation", "rationale")
_SCORE_LINE = re.compile(
    r"\b(?:score|grade|rating)\b\s*[:=]?\s*\**\s*(-?\d+(?:\.\d+)?)(?:\s*/\s*\d+)?", re.I
)
_CACHE_MODES = ("use", "record", "refresh", "off", "require")
"""As :data:`evalkit.scorers._judge_call.JUDGE_CACHE_MODES` (there: what each does)."""
_MAX_REASONING = 2000
"""Characters of the judge's reasoning kept in a score's details."""


@dataclass
class Judge(Scorer):
    """Grade a response with an LLM on a rubric; see the module docstring."""

    name: ClassVar[str] = "judge"
    path_args: ClassVar[tuple[str, ...]] = ("rubric_file",)
    operational_args: ClassVar[tuple[str, ...]] = (
        "api_key_env",
        "cache",
        "cache_dir",
        "timeout_s",
        "max_retries",
        "concurrency",
    )
    provider: str = ""
    """Registered provider name (``openai``, ``anthropic``, or any plugin)."""
    model: str = ""
    base_url: str | None = None
    api_key_env: str | None = None
    """Name of the environment variable with the judge's key (never the key itself)."""
    options: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=lambda: {"temperature": 0})
    rubric: str | None = None
    """The rubric text, inline; default :data:`DEFAULT_RUBRIC`."""
    rubric_file: str | None = None
    """A file with the rubric (in a config, relative to the config's folder)."""
    scale: tuple[int, int] = (1, 5)
    """Lowest and highest integer grade; ``lo`` maps to 0 and ``hi`` to 1."""
    include_expected: bool = True
    """Show the case's ``expected`` answers to the judge as references, when present."""
    threshold: float = 0.75
    cache: str = "use"
    """Response-cache mode for judge requests: ``use`` (reuse, ask for what is missing and
    record it; in a run that replays recorded answers a missing verdict is an error, nothing
    is asked), ``record`` (``use`` in replay too), ``refresh``, ``off``, ``require``."""
    cache_dir: str = ".evalkit/cache"
    timeout_s: float = 60.0
    max_retries: int = 4
    concurrency: int = 8
    _rubric_text: str = field(init=False, repr=False, compare=False, default="")
    _state: JudgeCaller | None = field(init=False, repr=False, compare=False, default=None)
    """The judge's caller (client and cache per event loop), made on first use."""

    def __post_init__(self) -> None:
        where = f"scorer {self.name!r}"
        problems = []
        if not self.provider or not self.model:
            problems.append("needs 'provider' and 'model' (the judge's)")
        if self.cache not in _CACHE_MODES:
            problems.append(f"cache = {self.cache!r}; valid: {list(_CACHE_MODES)}")
        lo_hi = tuple(self.scale) if isinstance(self.scale, (list, tuple)) else ()
        if len(lo_hi) != 2 or not all(isinstance(v, int) for v in lo_hi) or lo_hi[0] >= lo_hi[1]:
            problems.append(f"scale = {self.scale!r} must be [low, high] integers, low < high")
        else:
            self.scale = (int(lo_hi[0]), int(lo_hi[1]))
        if self.rubric and self.rubric_file:
            problems.append("give 'rubric' or 'rubric_file', not both")
        if problems:
            raise ConfigError.single(where, "; ".join(problems))
        if self.rubric_file:
            try:
                self._rubric_text = Path(self.rubric_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError.single(
                    where,
                    f"rubric_file {self.rubric_file!r} cannot be read ({exc}); check the path",
                ) from exc
        else:
            self._rubric_text = (self.rubric or DEFAULT_RUBRIC).strip()

    # ------------------------------------------------------------------ manifest
    @property
    def rubric_sha256(self) -> str:
        return sha256_text(self._rubric_text)

    def spec(self) -> dict[str, Any]:
        """Name and arguments plus the rubric and prompt hashes (judge changes show in runs)."""
        d = super().spec()
        for private in ("_rubric_text", "_state"):
            d["args"].pop(private, None)
        d["args"]["rubric_sha256"] = self.rubric_sha256
        d["args"]["prompt_sha256"] = sha256_text(PROMPT)
        return d

    def texts(self) -> dict[str, str]:
        """The rubric and the prompt template, whose hashes :meth:`spec` records."""
        return {"rubric": self._rubric_text, "prompt": PROMPT}

    # ------------------------------------------------------------------ scoring
    def build_request(self, ctx: ScoreContext) -> Request:
        """The judge request: instructions and rubric as system, the material as user turn."""
        lo, hi = self.scale
        system = PROMPT.format(rubric=self._rubric_text, lo=lo, hi=hi)
        parts = [f"CONVERSATION\n{_conversation(ctx)}"]
        if self.include_expected and ctx.case.expected:
            refs = "\n".join(f"- {r}" for r in ctx.case.expected)
            parts.append(f"REFERENCE ANSWER(S)\n{refs}")
        parts.append(f"RESPONSE\n{_response_text(ctx.response)}")
        return Request(
            case_id=ctx.case.id,
            repeat=0,  # the same response and rubric get the same (cached) grade
            model=self.model,
            messages=(Message("system", system), Message("user", "\n\n".join(parts))),
            params=dict(self.params),
            metadata={"source": "evalkit", "purpose": "judge"},
        )

    async def score(self, ctx: ScoreContext) -> Score:  # type: ignore[override]
        where = f"case {ctx.case.id!r}: judge"
        request = self.build_request(ctx)
        reply, cached = await self._ask(request, where)
        lo, hi = self.scale
        try:
            grade, reasoning = parse_judge_verdict(reply.text, (lo, hi), where)
        except ScorerError:
            if reply.finish_reason != "length":
                raise
            from evalkit.scorers._judge_call import cut_off_error

            raise cut_off_error(where, reply) from None
        # The rubric asks for three sentences; a runaway reply must not fill every record
        # and the report with megabytes, nor make the one-line explanation unreadable.
        reasoning = _clip(reasoning, _MAX_REASONING)
        value = (grade - lo) / (hi - lo)
        passed = value >= self.threshold
        from evalkit.scorers._judge_call import judge_details

        details: dict[str, Any] = {
            "judge_score": grade,
            "scale": [lo, hi],
            "reasoning": reasoning,
            "rubric_sha256": self.rubric_sha256,
            **judge_details(self.provider, self.model, reply, cached),
        }
        if details["judge_cost_usd"] is not None:  # averaged by summaries and comparisons
            details["metrics"] = {"judge_cost_usd": details["judge_cost_usd"]}
        grade_txt = f"{grade:g}/{hi}"
        brief = f" ({_clip(reasoning, 200)})" if reasoning else ""
        # No "judge: " prefix: every view puts the scorer's name before its reason, which
        # read "judge: judge: 2/5 (...)".
        return Score(value, passed, f"{grade_txt}{brief}", details)

    async def _ask(self, request: Request, where: str) -> tuple[Response, bool]:
        # A reply cut off after its score still grades; score() names the cut when it does not.
        return await self._caller().ask(request, where, allow_cut_off=True)

    async def aclose(self) -> None:
        """Close the judge's client and cache connection (the engine calls it at run end)."""
        if self._state is not None:
            await self._state.aclose()

    def _caller(self) -> JudgeCaller:
        """One caller for this scorer's life, so its client and cache outlive a single case."""
        from evalkit.scorers._judge_call import JudgeCaller

        if self._state is None:
            self._state = JudgeCaller(
                provider=self.provider,
                model=self.model,
                base_url=self.base_url,
                api_key_env=self.api_key_env,
                options=dict(self.options),
                cache=self.cache,
                cache_dir=self.cache_dir,
                timeout_s=self.timeout_s,
                max_retries=self.max_retries,
                concurrency=self.concurrency,
            )
        return self._state


def parse_judge_verdict(
    text: str, scale: tuple[int, int] = (1, 5), where: str = "judge"
) -> tuple[float, str]:
    """``(score, reasoning)`` from a judge's reply; :class:`ScorerError` when there is none.

    Accepts a JSON object with ``score``/``grade``/``rating`` (a number or numeric string),
    bare, fenced or embedded in prose; else the last ``Score: n`` (``n/5`` too) in the text.
    Embedded in prose, the *last* such object is the verdict, as with ``Score: n``: a judge
    that quotes the format first ("Format is {"score": 1}. My verdict: {"score": 5}") means
    the one it ends with. The score must be on ``scale``.
    """
    lo, hi = scale
    grade: float | None = None
    reasoning = ""
    whole = _whole_object(text)
    data = _verdict_in(whole) if whole is not None else None
    if data is None:
        embedded = [v for d in _embedded_objects(text) if (v := _verdict_in(d)) is not None]
        data = embedded[-1] if embedded else None
    if data is not None:
        key = next(k for k in _SCORE_KEYS if k in data)
        grade = _number(data[key])
        reasoning = next(
            (data[k].strip() for k in _REASON_KEYS if isinstance(data.get(k), str)), ""
        )
    if grade is None:
        found = _SCORE_LINE.findall(text)
        if found:
            grade = float(found[-1])
            # "**Score:** 5/5" leaves its Markdown emphasis behind: "**" is no reasoning
            rest = _SCORE_LINE.sub("", text).strip().strip("*_").strip()
            reasoning = reasoning or rest[:500]
    if grade is None:
        raise ScorerError(
            f"{where}: the verdict has no score (got {_clip(text)!r}); expected "
            '{"score": n, "reasoning": "..."}; use a judge model that follows the format'
        )
    if not lo <= grade <= hi:
        raise ScorerError(
            f"{where}: the verdict's score {grade:g} is outside the scale {lo}-{hi} "
            f"(got {_clip(text)!r}); check the rubric's scale matches the 'scale' argument"
        )
    return grade, reasoning


def _verdict_in(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """``obj`` when it holds a score, else the first object nested in it that does
    (``{"verdict": {"score": 5}}``)."""
    if any(k in obj for k in _SCORE_KEYS):
        return obj
    for value in obj.values():
        if isinstance(value, Mapping) and (found := _verdict_in(value)) is not None:
            return found
    return None


def _whole_object(text: str) -> Mapping[str, Any] | None:
    """The reply as one JSON object, bare or in a fenced block."""
    from evalkit.scorers.json import find_json

    try:
        whole, _ = find_json(text, "fenced")
    except ValueError:
        return None
    return whole if isinstance(whole, Mapping) else None


def _embedded_objects(text: str) -> Iterator[Mapping[str, Any]]:
    """The top-level JSON objects embedded in prose, in order (an object nested inside
    another is part of it, not a verdict of its own)."""
    decoder = json.JSONDecoder()
    at = 0
    while (start := text.find("{", at)) != -1:
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            at = start + 1
            continue
        at = end
        if isinstance(value, Mapping):
            yield value


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*(?:/\s*\d+)?\s*", v)
        return float(m.group(1)) if m else None
    return None


def _conversation(ctx: ScoreContext) -> str:
    msgs: tuple[Message, ...] = ()
    if ctx.request is not None:
        msgs = tuple(m for m in ctx.request.messages if m.role != "system")
    elif isinstance(ctx.case.input, str):
        msgs = (Message("user", ctx.case.input),)
    elif ctx.case.input:
        msgs = tuple(ctx.case.input)
    if not msgs:
        return "(none)"
    return "\n".join(_turn(m) for m in msgs)


def _turn(m: Message) -> str:
    """One turn for the judge: ``[role] content``, with an assistant's tool calls and a tool
    result's tool named, so a judge grading an agent sees what the tools were asked and said."""
    if m.role == "tool" and m.name:
        return f"[tool result: {m.name}] {m.content}"
    calls = [call_text(c.name, c.arguments) for c in m.tool_calls]
    return "\n".join([f"[{m.role}] {m.content}", *calls])


def _response_text(r: Response) -> str:
    lines = [r.text] if r.text else []
    for c in r.tool_calls:
        args = c.raw_arguments if c.arguments is None else canonical_json(c.arguments)
        lines.append(f"[tool call] {c.name}({args})")
    return "\n".join(lines) or "(empty response)"


def _clip(text: str, n: int = 120) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
