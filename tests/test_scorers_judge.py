from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import pytest

from evalkit.dataset import Case, Message
from evalkit.errors import ConfigError, ProviderError, ScorerError
from evalkit.providers.base import PROVIDERS, Provider, Request, Response, ToolCall, Usage
from evalkit.scorers.judge import DEFAULT_RUBRIC, Judge, parse_judge_verdict
from evalkit.scoring import Score, ScoreContext, build_scorer, score_all
from tests.helpers.llm_server import LLMServer

CALLS: Counter[str] = Counter()
SEEN: list[Request] = []


class EchoJudge(Provider):
    """A judge whose verdict is whatever follows ``RESPONSE`` in its prompt, so each test
    writes the verdict it wants into the candidate's response."""

    name = "echo-judge"

    async def complete(self, request: Request) -> Response:
        CALLS[request.messages[-1].content] += 1
        SEEN.append(request)
        verdict = request.messages[-1].content.rpartition("RESPONSE\n")[2]
        if verdict.startswith("[[error]]"):
            raise ProviderError("bad_request", "the judge refused the request", status=400)
        return Response(text=verdict, usage=Usage(100, 20), model="judge-model-2025-01-01")


@pytest.fixture(autouse=True)
def _provider() -> None:
    PROVIDERS.register("echo-judge", EchoJudge)
    CALLS.clear()
    SEEN.clear()


def judge(tmp_path: Path, **kw: object) -> Judge:
    args: dict[str, object] = {
        "provider": "echo-judge",
        "model": "judge-model",
        "cache_dir": str(tmp_path / "cache"),
    }
    args.update(kw)
    return Judge(**args)  # type: ignore[arg-type]


def ctx(text: str, *, expected: tuple[str, ...] | None = None, tools: bool = False) -> ScoreContext:
    case = Case(id="c1", input="What is the capital of France?", expected=expected)
    request = Request(
        "c1",
        0,
        "gpt-4o",
        (Message("system", "SECRET SYSTEM PROMPT"), Message("user", "What is the capital?")),
    )
    calls = (ToolCall("lookup", {"city": "Paris"}),) if tools else ()
    return ScoreContext(case, Response(text=text, tool_calls=calls), request)


def run(scorer: Judge, c: ScoreContext) -> Score:
    return asyncio.run(score_all([scorer], c))["judge"]


# ------------------------------------------------------------------ verdict parsing


@pytest.mark.parametrize(
    ("text", "grade", "reasoning"),
    [
        ('{"score": 4, "reasoning": "Good."}', 4, "Good."),
        ('```json\n{"score": 5, "reasoning": "ok"}\n```', 5, "ok"),
        ('Here is my verdict: {"score": 2, "explanation": "wrong city"} Thanks.', 2, "wrong city"),
        ('{"grade": "3", "reason": "partial"}', 3, "partial"),
        ('{"score": "4/5"}', 4, ""),
        ('[1-5] scale used. {"rating": 1}', 1, ""),
        ('{"verdict": {"score": 5, "reasoning": "nested"}}', 5, "nested"),
        # the format quoted first, the verdict last: the last one counts, as with Score: n
        ('Format is {"score": 1}. My verdict: {"score": 5, "reasoning": "good"}', 5, "good"),
        ('{"score": 4, "reasoning": "top", "detail": {"score": 2}}', 4, "top"),
        ("The answer is right but terse.\nScore: 4", 4, "The answer is right but terse."),
        ("**Score:** 3/5 because it is partly right", 3, "because it is partly right"),
        ("score = 2", 2, ""),
    ],
)
def test_parse_verdict_variants(text: str, grade: float, reasoning: str) -> None:
    g, r = parse_judge_verdict(text)
    assert g == grade
    assert r.strip("* ") == reasoning


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("I think it's pretty good.", "the verdict has no score"),
        ('{"score": "excellent"}', "the verdict has no score"),
        ('{"score": true}', "the verdict has no score"),
        ("", "the verdict has no score"),
        ('{"score": 7}', "score 7 is outside the scale 1-5"),
        ("Score: 0", "score 0 is outside the scale 1-5"),
    ],
)
def test_parse_verdict_malformed(text: str, message: str) -> None:
    with pytest.raises(ScorerError, match=message):
        parse_judge_verdict(text, (1, 5), "case 'x': judge")


def test_parse_verdict_other_scale() -> None:
    assert parse_judge_verdict('{"score": 9}', (0, 10))[0] == 9


# ------------------------------------------------------------------ scorer


def test_registered_and_grades(tmp_path: Path) -> None:
    scorer = build_scorer(
        "judge",
        {"provider": "echo-judge", "model": "judge-model", "cache_dir": str(tmp_path)},
    )
    assert isinstance(scorer, Judge)
    s = run(scorer, ctx('{"score": 4, "reasoning": "Correct but terse."}'))
    assert (s.value, s.passed, s.error) == (0.75, True, None)
    assert s.reason == "4/5 (Correct but terse.)"
    d = s.details
    assert d["judge_score"] == 4 and d["scale"] == [1, 5]
    assert d["judge_model"] == "judge-model-2025-01-01"
    assert d["judge_provider"] == "echo-judge"
    assert d["rubric_sha256"] == scorer.rubric_sha256
    assert d["judge_usage"]["input_tokens"] == 100
    assert d["judge_cost_usd"] is None  # an unpriced judge model is unknown, not free
    low = run(scorer, ctx('{"score": 2, "reasoning": "Wrong."}'))
    assert (low.value, low.passed) == (0.25, False)


def test_custom_scale_and_threshold(tmp_path: Path) -> None:
    s = run(judge(tmp_path, scale=[0, 10], threshold=0.9), ctx('{"score": 8}'))
    assert s.value == pytest.approx(0.8) and s.passed is False
    assert s.reason == "8/10"


def test_malformed_verdict_is_a_recorded_error(tmp_path: Path) -> None:
    s = run(judge(tmp_path), ctx("I liked it a lot."))
    assert s.value is None and s.passed is None
    assert s.error is not None
    assert s.error.startswith("case 'c1': judge: the verdict has no score")


def test_judge_call_failure_is_a_recorded_error(tmp_path: Path) -> None:
    s = run(judge(tmp_path, max_retries=0), ctx("[[error]]"))
    assert s.error == (
        "case 'c1': judge: the judge call failed (bad_request: the judge refused the request); "
        "the case is unscored"
    )


def test_prompt_content(tmp_path: Path) -> None:
    run(judge(tmp_path), ctx('{"score": 5}', expected=("Paris",), tools=True))
    [req] = SEEN
    system, user = req.messages
    assert system.role == "system" and DEFAULT_RUBRIC.splitlines()[0] in system.content
    assert "integer score from 1 to 5" in system.content
    assert "SECRET SYSTEM PROMPT" not in user.content
    assert "[user] What is the capital?" in user.content
    assert "REFERENCE ANSWER(S)\n- Paris" in user.content
    assert '[tool call] lookup({"city":"Paris"})' in user.content
    assert req.params == {"temperature": 0}
    assert req.model == "judge-model"
    no_ref = judge(tmp_path, include_expected=False, cache="off")
    run(no_ref, ctx('{"score": 5}', expected=("Paris",)))
    assert "REFERENCE" not in SEEN[-1].messages[1].content


def test_judge_requests_are_cached(tmp_path: Path) -> None:
    c = ctx('{"score": 5, "reasoning": "fine"}')
    first = run(judge(tmp_path), c)
    second = run(judge(tmp_path), c)  # a new scorer, a new event loop: the disk cache serves
    assert sum(CALLS.values()) == 1
    assert first.details["cached"] is False and second.details["cached"] is True
    assert second.value == first.value
    run(judge(tmp_path, rubric="Only grade spelling."), c)  # a different rubric is a new key
    assert sum(CALLS.values()) == 2
    run(judge(tmp_path, cache="off"), c)
    run(judge(tmp_path, cache="off"), c)
    assert sum(CALLS.values()) == 4


def test_cache_require_miss_is_an_error(tmp_path: Path) -> None:
    s = run(judge(tmp_path, cache="require"), ctx('{"score": 5}'))
    assert s.error is not None and "cache_miss" in s.error
    assert sum(CALLS.values()) == 0


def test_spec_records_model_and_rubric_hash(tmp_path: Path) -> None:
    a = judge(tmp_path).spec()
    b = judge(tmp_path, rubric="Grade politeness only.").spec()
    assert a["name"] == "judge"
    assert a["args"]["model"] == "judge-model" and a["args"]["provider"] == "echo-judge"
    assert len(a["args"]["rubric_sha256"]) == 64 and len(a["args"]["prompt_sha256"]) == 64
    assert a["args"]["rubric_sha256"] != b["args"]["rubric_sha256"]
    assert not any(k.startswith("_") for k in a["args"])
    assert a["args"]["scale"] == [1, 5]


def test_rubric_file(tmp_path: Path) -> None:
    f = tmp_path / "rubric.md"
    f.write_text("Grade brevity.\n", encoding="utf-8")
    j = judge(tmp_path, rubric_file=str(f))
    assert j.rubric_sha256 == judge(tmp_path, rubric="Grade brevity.").rubric_sha256
    run(j, ctx('{"score": 3}'))
    assert "Grade brevity." in SEEN[-1].messages[0].content


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"provider": ""}, "needs 'provider' and 'model'"),
        ({"scale": [5, 1]}, "scale = \\[5, 1\\] must be"),
        ({"scale": [1.5, 5]}, "must be \\[low, high\\] integers"),
        ({"cache": "always"}, "cache = 'always'"),
        ({"rubric": "a", "rubric_file": "b"}, "not both"),
        ({"rubric_file": "/nonexistent/rubric.md"}, "cannot be read"),
    ],
)
def test_config_errors(tmp_path: Path, kw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        judge(tmp_path, **kw)


def test_through_openai_provider_and_loopback_server(tmp_path: Path) -> None:
    with LLMServer(latency_ms=0) as srv:
        scorer = Judge(
            provider="openai",
            model="gpt-4o-mini",
            base_url=srv.base_url + "/v1",
            api_key_env="EVALKIT_TEST_NO_SUCH_KEY",
            cache_dir=str(tmp_path / "cache"),
            max_retries=2,
        )
        verdict = '[[text:{"score": 5, "reasoning": "matches the reference"}]]'
        s = run(scorer, ctx(verdict, expected=("Paris",)))
        assert (s.value, s.passed, s.error) == (1.0, True, None)
        assert s.details["reasoning"] == "matches the reference"
        assert s.details["judge_cost_usd"] is not None  # gpt-4o-mini is priced
        again = run(scorer, ctx(verdict, expected=("Paris",)))
        assert again.details["cached"] is True
        assert len(srv.requests) == 1
        # a 500 then success: the judge retries like any request
        flaky = run(scorer, ctx("[[fail:1:500]]" + '[[text:{"score": 1}]]'))
        assert flaky.value == 0.0 and flaky.error is None


def test_through_anthropic_provider_and_loopback_server(tmp_path: Path) -> None:
    with LLMServer(latency_ms=0) as srv:
        scorer = Judge(
            provider="anthropic",
            model="claude-3-5-haiku-20241022",
            base_url=srv.base_url,
            api_key_env="EVALKIT_TEST_NO_SUCH_KEY",
            params={"temperature": 0, "max_tokens": 200},
            cache="off",
        )
        s = run(scorer, ctx("Reasoning first. [[text:Mostly right.\nScore: 4]]"))
        assert (s.value, s.error) == (0.75, None)
        assert s.details["reasoning"] == "Mostly right."
        assert s.details["judge_cost_usd"] is not None
        # the judge's cost is a metric too, so summaries and comparisons report it
        assert s.details["metrics"] == {"judge_cost_usd": s.details["judge_cost_usd"]}
        # priced as the model asked for when the reported name has no price (as candidates are)
        odd = run(scorer, ctx("[[text:Score: 4]] [[model:claude-3-5-haiku-custom]]"))
        assert odd.details["judge_model"] == "claude-3-5-haiku-custom"
        assert odd.details["judge_cost_usd"] is not None


def grade_by_length(request: Request) -> str:
    """A deterministic pipeline judge for the callable provider: short answers score high."""
    answer = request.messages[-1].content.rpartition("RESPONSE\n")[2]
    score = 5 if len(answer) < 20 else 2
    return json.dumps({"score": score, "reasoning": f"length {len(answer)}"})


def test_through_callable_provider(tmp_path: Path) -> None:
    scorer = judge(
        tmp_path,
        provider="callable",
        options={"target": "tests.test_scorers_judge:grade_by_length"},
    )
    assert run(scorer, ctx("Paris.")).details["reasoning"] == "length 6"
    long = run(scorer, ctx("Paris, which is the capital and largest city of France."))
    assert long.passed is False and long.details["cached"] is False


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_verdict_cut_off_at_max_tokens_says_so_only_when_it_has_no_score(
    tmp_path: Path, provider: str
) -> None:
    long = '[[text:{"score": 5, "reasoning": "' + "word " * 40 + '"}]]'
    short = '[[text:{"score": 5, "reasoning": "ok"} and then some more words]]'
    with LLMServer() as srv:
        base = srv.base_url + ("/v1" if provider == "openai" else "")
        scorer = Judge(
            provider=provider,
            model="judge-m",
            base_url=base,
            api_key_env="EVALKIT_TEST_NO_SUCH_KEY",
            cache="off",
            max_retries=0,
            params={"max_tokens": 6},
        )
        cut = run(scorer, ctx(long))
        graded = run(scorer, ctx(short))  # cut too, but after a complete verdict
    assert cut.passed is None
    assert "case 'c1': judge: the judge's reply was cut off" in str(cut.error)
    assert "raise max_tokens" in str(cut.error)
    assert graded.error is None and graded.value == 1.0


def test_a_runaway_reasoning_is_clipped_in_details_and_explanation(tmp_path: Path) -> None:
    score = run(judge(tmp_path), ctx('{"score": 5, "reasoning": "' + "very good. " * 30000 + '"}'))
    assert score.value == 1.0
    assert len(score.details["reasoning"]) <= 2000
    assert score.reason.startswith("5/5 (very good.") and len(score.reason) < 250


def test_texts_hook_gives_the_rubric_and_prompt_the_hashes_stand_for(tmp_path: Path) -> None:
    from evalkit.hashing import sha256_text
    from evalkit.scorers.judge import PROMPT

    s = judge(tmp_path, rubric="Grade politeness only.")
    texts = s.texts()
    assert texts == {"rubric": "Grade politeness only.", "prompt": PROMPT}
    args = s.spec()["args"]
    assert sha256_text(texts["rubric"]) == args["rubric_sha256"]
    assert sha256_text(texts["prompt"]) == args["prompt_sha256"]
    assert "rubric_text" not in json.dumps(args)  # texts never become arguments
    assert build_scorer("exact_match", {}).texts() == {}  # the default: none


def test_groundedness_judge_mode_records_its_rubric_offline_mode_none() -> None:
    from evalkit.scorers._grounding_judge import RUBRIC
    from evalkit.scorers.groundedness import Groundedness

    judged = Groundedness(mode="judge", judge_provider="echo-judge", judge_model="m")
    assert judged.texts() == {"rubric": RUBRIC}
    assert Groundedness().texts() == {}


def test_the_run_manifest_stores_scorer_texts_once_capped(tmp_path: Path) -> None:
    from evalkit.dataset import EvalSet
    from evalkit.engine import RunOptions
    from evalkit.engine import run as run_eval
    from evalkit.hashing import sha256_json, sha256_text
    from evalkit.runmeta import TEXT_CAP
    from tests.helpers.scripted_provider import ScriptedProvider

    PROVIDERS.register("scripted", ScriptedProvider)
    long_rubric = "Be strict. " * 3000  # 33,000 characters
    s = judge(tmp_path, rubric=long_rubric)
    es = EvalSet.from_cases([{"id": "c0", "input": '{"score": 5}'}], name="unit")
    from evalkit.config import Candidate

    cand = Candidate(name="cand", provider="scripted", model="m", options={"key": "texts"})
    opts = RunOptions(out_dir=tmp_path / "run", cache_dir=tmp_path / "c", progress="off")
    run_eval(es, cand, [s], opts)
    m = json.loads((tmp_path / "run" / "manifest.json").read_text())
    entry = m["scorer_texts"]["judge"]
    assert entry["spec_sha256"] == sha256_json(m["scorers"][0])
    rubric = entry["texts"]["rubric"]
    assert rubric["chars"] == len(long_rubric.strip()) > TEXT_CAP
    assert len(rubric["text"]) == TEXT_CAP and rubric["sha256"] == sha256_text(long_rubric.strip())
    assert entry["texts"]["prompt"]["chars"] == len(entry["texts"]["prompt"]["text"])
    # Re-scored with another rubric, the new run holds the texts its scorers were given, not
    # the source run's (copied with the rest of its manifest).
    from evalkit.rescoring import rescore

    other = judge(tmp_path, rubric="Score 5 only for a polite answer.")
    again = rescore(tmp_path / "run", tmp_path / "again", [other], eval_set=es, progress="off")
    texts = again.manifest["scorer_texts"]["judge"]["texts"]
    assert texts["rubric"]["text"] == "Score 5 only for a polite answer."


def test_a_texts_hook_that_raises_warns_and_the_run_completes(tmp_path: Path) -> None:
    from dataclasses import dataclass

    from evalkit.runmeta import scorer_entries
    from evalkit.scoring import Score, Scorer

    @dataclass
    class Broken(Scorer):
        name = "broken"

        def score(self, ctx: object) -> Score:  # type: ignore[override]
            return Score(1.0, True)

        def texts(self) -> dict[str, str]:
            raise ValueError("no rubric here")

    with pytest.warns(RuntimeWarning, match="scorer 'broken': texts\\(\\) raised ValueError"):
        entries = scorer_entries([Broken()])
    assert entries["scorer_texts"] == {} and entries["scorers"][0]["name"] == "broken"


def test_markdown_around_the_score_line_is_no_reasoning() -> None:
    assert parse_judge_verdict("**Score:** 5/5", (1, 5)) == (5.0, "")
    grade, why = parse_judge_verdict("Polite and complete.\n**Score:** 4/5", (1, 5))
    assert (grade, why) == (4.0, "Polite and complete.")
