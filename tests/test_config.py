from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from evalkit.config import Candidate, find_config, load_config
from evalkit.dataset import ToolSpec
from evalkit.errors import ConfigError

GOOD = """
runs_dir = "out/runs"

[candidates.base]
provider = "openai"
model = "gpt-4o-mini"
params = { temperature = 0.0, max_tokens = 200 }
system = "You are a support agent for {{ company }}."
prompt_file = "prompts/answer.j2"
api_key_env = "OPENAI_API_KEY"

[candidates.next]
provider = "anthropic"
model = "claude-sonnet-4-5"
prompt = "{{ input }}"
tools = [{ name = "lookup", description = "find an order", parameters = { type = "object" } }]

[suites.support]
dataset = "data.jsonl"
candidates = ["base", "next"]
scorers = ["groundedness", { name = "refusal", threshold = 1.0 }]

[[suites.support.gates]]
metric = "groundedness.mean"
max_drop = 0.02
alpha = 0.05
"""


def project_dir(tmp_path: Path, text: str = GOOD) -> Path:
    (tmp_path / "prompts").mkdir(parents=True)
    (tmp_path / "prompts" / "answer.j2").write_text("Q: {{ input }}")
    (tmp_path / "data.jsonl").write_text('{"id": "a", "input": "x"}\n')
    (tmp_path / "evalkit.toml").write_text(text)
    return tmp_path


def test_loads_candidates_suites_and_gates(tmp_path: Path) -> None:
    project = load_config(project_dir(tmp_path) / "evalkit.toml")
    base = project.candidate("base")
    assert base.prompt_source == "Q: {{ input }}"
    assert base.params == {"temperature": 0.0, "max_tokens": 200}
    assert project.candidate("next").tools[0].name == "lookup"
    suite = project.suite("support")
    assert [s.name for s in suite.scorers] == ["groundedness", "refusal"]
    assert suite.scorers[1].threshold == 1.0
    assert suite.gates[0].max_drop == 0.02 and suite.baseline_name == "base"
    assert project.runs_dir == tmp_path / "out/runs"
    assert suite.dataset_path == tmp_path / "data.jsonl"


def test_pyproject_tool_evalkit_is_found(tmp_path: Path) -> None:
    root = project_dir(tmp_path, "")
    (root / "evalkit.toml").unlink()
    body = (
        GOOD.replace("[candidates.", "[tool.evalkit.candidates.")
        .replace("[suites.", "[tool.evalkit.suites.")
        .replace("[[suites.", "[[tool.evalkit.suites.")
    )
    body = body.replace('runs_dir = "out/runs"', "")
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n' + body)
    (root / "sub").mkdir()
    found = find_config(root / "sub")
    assert found == root / "pyproject.toml"
    assert set(load_config(found).candidates) == {"base", "next"}


def test_every_problem_is_reported_with_its_key(tmp_path: Path) -> None:
    bad = """
[candidates.a]
provider = "openai"
modle = "x"
options = { api_key = "sk-123" }
concurrency = 0

[suites.s]
dataset = "missing.jsonl"
candidates = ["a", "b"]
cache = "sometimes"
scorers = [{ name = "refusal", treshold = 1 }]

[[suites.s.gates]]
metric = "refusal.mean"
"""
    path = project_dir(tmp_path, bad) / "evalkit.toml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    got = [str(p).replace(str(path), "CFG") for p in info.value.problems]
    assert got == [
        'CFG: [candidates.a] modle: unknown key; did you mean "model"?',
        'CFG: [candidates.a] model: is required (a string), e.g. model = "gpt-4o-mini"',
        "CFG: [candidates.a] options.api_key: looks like a secret; never put keys in config: "
        "set an environment variable and name it with api_key_env",
        "CFG: [candidates.a] concurrency: must be a whole number >= 1, got 0",
        f"CFG: [suites.s] dataset: file 'missing.jsonl' does not exist (relative to {tmp_path}); "
        "fix the path",
        "CFG: [suites.s] candidates: unknown candidate 'b'; defined: ['a']",
        "CFG: [suites.s] cache: must be one of ['use', 'refresh', 'off', 'require'], got 'sometimes'",
        'CFG: [suites.s] scorers[0] treshold: unknown key; did you mean "threshold"?',
        "CFG: [suites.s] gates[0]: sets no rule; give min, max, max_drop, max_rise, max_rise_pct "
        "or no_new_failures = true",
    ]
    assert "sk-123" not in str(info.value)


def test_invalid_toml_names_file(tmp_path: Path) -> None:
    path = tmp_path / "evalkit.toml"
    path.write_text("[candidates.a\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(path)


def test_unknown_suite_suggests(tmp_path: Path) -> None:
    project = load_config(project_dir(tmp_path) / "evalkit.toml")
    with pytest.raises(ConfigError, match='did you mean "support"'):
        project.suite("suport")


BEHAVIOUR_CHANGES = {
    "provider": "anthropic",
    "model": "gpt-4o",
    "params": {"temperature": 0.7},
    "system": "Be terse.",
    "prompt": "Answer: {{ input }}",
    "tools": (ToolSpec("lookup", "find", {"type": "object"}),),
    "tool_choice": "required",
    "base_url": "http://127.0.0.1:8000/v1",
    "options": {"path": "other.jsonl"},
}
OPERATIONAL_CHANGES = {
    "name": "renamed",
    "api_key_env": "OTHER_KEY",
    "concurrency": 64,
    "rpm": 100.0,
    "tpm": 10000.0,
    "timeout_s": 5.0,
    "max_retries": 0,
    "metadata": {"team": "x"},
}


@pytest.mark.parametrize("field,value", BEHAVIOUR_CHANGES.items())
def test_fingerprint_changes_with_behaviour(field: str, value: object) -> None:
    base = Candidate(
        "c", "openai", "gpt-4o-mini", params={"temperature": 0.0}, prompt="{{ input }}"
    )
    assert dataclasses.replace(base, **{field: value}).fingerprint() != base.fingerprint()


@pytest.mark.parametrize("field,value", OPERATIONAL_CHANGES.items())
def test_fingerprint_ignores_operational_settings(field: str, value: object) -> None:
    base = Candidate(
        "c", "openai", "gpt-4o-mini", params={"temperature": 0.0}, prompt="{{ input }}"
    )
    assert dataclasses.replace(base, **{field: value}).fingerprint() == base.fingerprint()


def test_fingerprint_follows_prompt_file_content(tmp_path: Path) -> None:
    (tmp_path / "p.j2").write_text("v1 {{ input }}")
    cand = Candidate("c", "openai", "m", prompt_file="p.j2", base_dir=str(tmp_path))
    inline = Candidate("c", "openai", "m", prompt="v1 {{ input }}")
    before = cand.fingerprint()
    assert before == inline.fingerprint()  # same text, same behaviour, wherever it lives
    (tmp_path / "p.j2").write_text("v2 {{ input }}")
    assert cand.fingerprint() != before


def test_summary_is_readable_and_has_hashes() -> None:
    c = Candidate(
        "c", "openai", "m", prompt="{{ input }}", system="sys", tools=(ToolSpec("a"), ToolSpec("b"))
    )
    s = c.summary()
    assert s["tools"] == ["a", "b"] and len(s["prompt_sha256"]) == 64
    assert s["fingerprint"] == c.fingerprint()


def test_scorer_entries_are_checked_and_a_name_listed_twice_is_refused(tmp_path: Path) -> None:
    bad = """
[candidates.a]
provider = "openai"
model = "x"

[suites.s]
dataset = "data.jsonl"
candidates = ["a"]
scorers = [
  { name = "fuzzy", args = "x" },
  { name = "regex", threshold = 1.5 },
  { name = "contains", threshold = true },
  { name = "exact_match", skip_missing = "yes" },
  "refusal",
  { name = "refusal", threshold = 1.0 },
]
"""
    path = project_dir(tmp_path, bad) / "evalkit.toml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    got = [str(p).replace(str(path), "CFG") for p in info.value.problems]
    assert got == [
        "CFG: [suites.s] scorers[0] args: must be a table, e.g. args = { key = 1 }, got 'x'",
        "CFG: [suites.s] scorers[1] threshold: must be a number in [0, 1], got 1.5",
        "CFG: [suites.s] scorers[2] threshold: must be a number in [0, 1], got True",
        "CFG: [suites.s] scorers[3] skip_missing: must be true or false, got 'yes'",
        "CFG: [suites.s] scorers[5]: 'refusal' is already scorers[4]; scores are keyed by the "
        "scorer's name, so one would hide the other; list it once, or name this one with "
        'as = "..." to use the scorer twice',
    ]


def test_bad_prices_are_a_config_error_at_load(tmp_path: Path) -> None:
    # Found at load, naming the file, the [prices] key and the fix, and beside the file's
    # other problems; not when the engine prices its first (paid) response.
    prices = (
        '\n[prices]\n"my-model" = { input = -1, output = 2 }\n'
        '"per-1k" = { input = 0.00015, output = 2.0 }\n'
        '"ok-model" = { input = 1.0, output = 2.0 }\n'
    )
    bad = GOOD.replace('provider = "openai"', 'provider = "openai"\nmodl = 1', 1) + prices
    path = project_dir(tmp_path, bad) / "evalkit.toml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    wheres = [p.where for p in info.value.problems]
    assert f"{path}: [prices] my-model" in wheres and f"{path}: [prices] per-1k" in wheres
    assert "'input' = -1 must be a number >= 0" in text and "0 for a free model" in text
    assert "multiply a per-1K price by 1,000" in text
    assert "[candidates.base] modl: unknown key" in text  # every problem of the file at once
    assert len(info.value.problems) == 3


def test_valid_prices_load_as_written(tmp_path: Path) -> None:
    text = GOOD + '\n[prices]\n"my-model" = { input = 1, output = 2 }\n'
    project = load_config(project_dir(tmp_path, text) / "evalkit.toml")
    assert project.prices == {"my-model": {"input": 1, "output": 2}}


def test_a_dataset_path_is_relative_to_the_config_folder_not_the_current_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check also accepted a path that existed from the current directory, which the
    # engine then looked for next to the config and did not find.
    project = project_dir(tmp_path / "proj", GOOD.replace('"data.jsonl"', '"elsewhere.jsonl"'))
    (tmp_path / "elsewhere.jsonl").write_text('{"id": "a", "input": "x"}\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config(project / "evalkit.toml")
    assert (
        f"[suites.support] dataset: file 'elsewhere.jsonl' does not exist (relative to "
        f"{project}); fix the path" in str(info.value)
    )


@pytest.mark.parametrize("cap", ["-1", "0", "true", '"5"'])
def test_a_suite_spending_cap_must_be_a_positive_number(tmp_path: Path, cap: str) -> None:
    text = GOOD.replace('dataset = "data.jsonl"', f'dataset = "data.jsonl"\nmax_cost_usd = {cap}')
    with pytest.raises(ConfigError) as info:
        load_config(project_dir(tmp_path, text) / "evalkit.toml")
    assert "[suites.support] max_cost_usd: must be a number of USD > 0" in str(info.value)
    ok = GOOD.replace('dataset = "data.jsonl"', 'dataset = "data.jsonl"\nmax_cost_usd = 2.5')
    assert load_config(project_dir(tmp_path / "ok", ok) / "evalkit.toml").suite(
        "support"
    ).max_cost_usd == pytest.approx(2.5)


def test_a_sampling_parameter_at_the_candidate_top_level_is_sent_to_params(
    tmp_path: Path,
) -> None:
    text = GOOD.replace(
        'model = "gpt-4o-mini"\n', 'model = "gpt-4o-mini"\ntemprature = 0.2\nseed = 7\n'
    )
    with pytest.raises(ConfigError) as info:
        load_config(project_dir(tmp_path, text) / "evalkit.toml")
    got = [str(p).split("] ", 1)[1] for p in info.value.problems]
    assert got == [
        'temprature: unknown key; did you mean "params.temperature"? '
        "(params = { temperature = ... })",
        "seed: unknown key; it belongs under params: params = { seed = ... }",
    ]


def test_sampling_parameter_values_are_checked_at_load(tmp_path: Path) -> None:
    """QA14 F14: a quoted number or an out-of-range value passed validate and failed every
    case with the provider's 400 once the run had started."""
    text = GOOD.replace(
        "params = { temperature = 0.0, max_tokens = 200 }",
        'params = { temperature = "0.2", max_tokens = -5, top_p = 7, seed = true, '
        "stop = [1], n = 2, presence_penalty = -2 }",
    ).replace(
        'prompt = "{{ input }}"\n', 'prompt = "{{ input }}"\nparams = { temperature = 1.5 }\n'
    )
    with pytest.raises(ConfigError) as info:
        load_config(project_dir(tmp_path, text) / "evalkit.toml")
    got = sorted(str(p).split(": ", 1)[1] for p in info.value.problems)
    assert got == [
        "[candidates.base] params.max_tokens: must be a whole number >= 1, got -5",
        "[candidates.base] params.seed: must be a whole number, got True",
        "[candidates.base] params.stop: must be a list of strings (or one string), got [1]",
        "[candidates.base] params.temperature: must be a number from 0 to 2, got '0.2'; "
        "write it without quotes: temperature = 0.2",
        "[candidates.base] params.top_p: must be a number from 0 to 1, got 7",
        # Anthropic's range is 0 to 1
        "[candidates.next] params.temperature: must be a number from 0 to 1, got 1.5",
    ]
    # the GOOD config's values (and the edges of each range) load
    edges = GOOD.replace(
        "params = { temperature = 0.0, max_tokens = 200 }",
        'params = { temperature = 2, top_p = 0, max_tokens = 1, seed = -3, stop = "END" }',
    )
    assert load_config(project_dir(tmp_path / "ok", edges) / "evalkit.toml").candidates


@pytest.mark.parametrize(
    ("provider", "extra", "params"),
    [
        ("callable", 'options = { target = "p.py:f" }\n', "{ temperature = 5, mode = 'x' }"),
        ("openai", 'base_url = "http://127.0.0.1:8000/v1"\n', "{ top_k = -1, max_tokens = -1 }"),
        ("anthropic", 'base_url = "http://127.0.0.1:8000"\n', "{ temperature = 1.5 }"),
    ],
)
def test_params_of_a_pipeline_or_a_local_server_are_not_checked(
    tmp_path: Path, provider: str, extra: str, params: str
) -> None:
    """QA15 F6: a local OpenAI-compatible server has its own ranges (vLLM top_k = -1,
    llama.cpp max_tokens = -1) and a callable's params mean what the pipeline says."""
    text = GOOD.replace(
        'provider = "openai"\nmodel = "gpt-4o-mini"\nparams = { temperature = 0.0, max_tokens = 200 }\n',
        f'provider = "{provider}"\nmodel = "m"\n{extra}params = {params}\n',
    )
    assert f'provider = "{provider}"' in text
    project = load_config(project_dir(tmp_path, text) / "evalkit.toml")
    assert project.candidates["base"].provider == provider
