from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.config import Candidate
from evalkit.dataset import EvalSet, ToolSpec
from evalkit.errors import TemplateError
from evalkit.prompt import PromptRenderer, render

CASES = EvalSet.from_cases(
    [
        {
            "id": "plain",
            "input": "Where is my order?",
            "vars": {"customer": "Ada"},
            "context": ["Orders ship in 2 days.", {"id": "faq", "text": "Refunds in 30 days."}],
        },
        {
            "id": "chat",
            "input": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "hello"},
                {"role": "user", "content": "refund?"},
            ],
        },
        {"id": "own-tools", "input": "x", "tools": [{"name": "case_tool", "parameters": {}}]},
    ]
)


def test_input_is_sent_as_is_without_template() -> None:
    req = render(CASES.cases[0], Candidate("c", "replay", "m", params={"seed": 1}))
    assert [m.to_dict() for m in req.messages] == [
        {"role": "user", "content": "Where is my order?"}
    ]
    assert req.params == {"seed": 1} and req.case is CASES.cases[0]


def test_template_sees_vars_input_and_context() -> None:
    cand = Candidate(
        "c",
        "replay",
        "m",
        system="Help {{ customer }}.",
        prompt="{% for p in context %}[{{ p.id }}] {{ p.text }}\n{% endfor %}Q: {{ input }}",
    )
    req = render(CASES.cases[0], cand)
    assert req.system == "Help Ada."
    assert req.messages[1].content == (
        "[1] Orders ship in 2 days.\n[faq] Refunds in 30 days.\nQ: Where is my order?"
    )


def test_conversation_history_is_kept_and_template_replaces_last_turn() -> None:
    req = render(CASES.cases[1], Candidate("c", "replay", "m", prompt="Customer: {{ input }}"))
    assert [(m.role, m.content) for m in req.messages] == [
        ("user", "hi"),
        ("assistant", "hello"),
        ("user", "Customer: refund?"),
    ]


def test_missing_variable_names_case_and_variable() -> None:
    with pytest.raises(TemplateError) as info:
        render(CASES.cases[1], Candidate("c", "replay", "m", prompt="{{ customer }}"))
    assert str(info.value) == (
        "candidate 'c' prompt:1: case 'chat' (eval set line 2): the template of candidate 'c' "
        "uses an undefined variable: 'customer' is undefined; add it to the case's vars or fix "
        "the template (defined: case_id, context, input, metadata, tags)"
    )


def test_syntax_error_names_template_and_line(tmp_path: Path) -> None:
    (tmp_path / "p.j2").write_text("ok\n{% if %}")
    with pytest.raises(TemplateError, match=r"p.j2:2: template syntax error"):
        PromptRenderer(Candidate("c", "replay", "m", prompt_file="p.j2", base_dir=str(tmp_path)))


def test_includes_stay_inside_the_template_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "part.j2").write_text("part({{ input }})")
    (prompts / "ok.j2").write_text("{% include 'part.j2' %}")
    (prompts / "escape.j2").write_text("{% include '../secret.txt' %}")
    ok = Candidate("c", "replay", "m", prompt_file="prompts/ok.j2", base_dir=str(tmp_path))
    assert render(CASES.cases[0], ok).messages[-1].content == "part(Where is my order?)"
    bad = Candidate("c", "replay", "m", prompt_file="prompts/escape.j2", base_dir=str(tmp_path))
    with pytest.raises(TemplateError, match="cannot reach outside it"):
        render(CASES.cases[0], bad)


def test_sandbox_refuses_python_internals() -> None:
    cand = Candidate("c", "replay", "m", prompt="{{ input.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateError, match=r"unsafe|undefined"):
        render(CASES.cases[0], cand)


def test_autoescape_is_off_for_prompts() -> None:
    es = EvalSet.from_cases([{"id": "a", "input": "<b>Tom & Jerry</b>"}])
    req = render(es.cases[0], Candidate("c", "replay", "m", prompt="{{ input }}"))
    assert req.messages[-1].content == "<b>Tom & Jerry</b>"


def test_case_tools_override_candidate_tools() -> None:
    cand = Candidate("c", "replay", "m", tools=(ToolSpec("cand_tool"),), tool_choice="auto")
    assert [t.name for t in render(CASES.cases[0], cand).tools] == ["cand_tool"]
    assert [t.name for t in render(CASES.cases[2], cand).tools] == ["case_tool"]


def test_cache_key_depends_on_repeat_not_metadata() -> None:
    cand = Candidate("c", "replay", "m")
    r0, r1 = render(CASES.cases[0], cand, 0), render(CASES.cases[0], cand, 1)
    assert r0.cache_key("openai", None) != r1.cache_key("openai", None)
    other = Candidate("c", "replay", "m", metadata={"team": "x"})
    assert render(CASES.cases[0], other).cache_key("openai", None) == r0.cache_key("openai", None)
    assert r0.cache_key("openai", "http://127.0.0.1:1/v1") != r0.cache_key("openai", None)
