"""Template failures are input errors that point at the template line, the case and the
variable; eval-set text is data, never template code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evalkit.config import Candidate
from evalkit.dataset import EvalSet
from evalkit.errors import TemplateError
from evalkit.prompt import PromptRenderer, render

INJECTED = "{{ 7*7 }} {% for i in range(3) %}x{% endfor %} {{ ''.__class__.__mro__ }}"
CASE = EvalSet.from_cases(
    [
        {
            "id": "inj",
            "input": INJECTED,
            "vars": {"note": "{% include 'secret.txt' %}", "n": 3, "city": "Paris"},
            "context": [INJECTED],
            "tags": ["{{ tags }}"],
        }
    ]
).cases[0]


def fail(tmp_path: Path, **kw: Any) -> str:
    with pytest.raises(TemplateError) as info:
        render(CASE, Candidate("c", "replay", "m", base_dir=str(tmp_path), **kw))
    return str(info.value)


def test_dataset_text_is_never_rendered_as_a_template(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    cand = Candidate(
        "c",
        "replay",
        "m",
        base_dir=str(tmp_path),
        system="{{ note }}",
        prompt="{{ input }}|{{ context[0].text }}|{{ tags[0] }}",
    )
    req = render(CASE, cand)
    assert req.messages[0].content == "{% include 'secret.txt' %}"
    assert req.messages[1].content == f"{INJECTED}|{INJECTED}|{{{{ tags }}}}"
    plain = render(CASE, Candidate("c", "replay", "m"))  # no template: input sent as is
    assert plain.messages[-1].content == INJECTED


def test_undefined_variable_names_file_line_case_and_closest_variable(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "p.j2").write_text("Hello.\n\nYou live in {{ citty }}.\n")
    assert fail(tmp_path, prompt_file="prompts/p.j2") == (
        "prompts/p.j2:3: case 'inj' (eval set line 1): prompt template of candidate 'c' uses "
        "an undefined variable: 'citty' is undefined; did you mean \"city\"? add it to the "
        "case's vars or fix the template (defined: case_id, city, context, input, metadata, "
        "n, note, tags)"
    )


def test_undefined_in_an_included_template_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "part.j2").write_text("a\nb {{ missing }}")
    (tmp_path / "prompts" / "main.j2").write_text("{% include 'part.j2' %}")
    assert fail(tmp_path, prompt_file="prompts/main.j2").startswith(
        "prompts/part.j2:2: case 'inj' (eval set line 1): prompt template of candidate 'c' "
        "uses an undefined variable: 'missing' is undefined;"
    )


def test_syntax_error_in_an_included_template_is_a_template_error(tmp_path: Path) -> None:
    (tmp_path / "bad.j2").write_text("ok\n{% if %}")
    assert fail(tmp_path, prompt="{% include 'bad.j2' %}") == (
        "bad.j2:2: template syntax error: Expected an expression, got 'end of statement block' "
        "(included by the prompt template of candidate 'c'); fix the template"
    )


@pytest.mark.parametrize(
    ("template", "tail"),
    [
        (
            "{{ 1 / 0 }}",
            "failed: ZeroDivisionError: division by zero; fix the template or the case's vars",
        ),
        (
            "{{ n | join(',') }}",
            "failed: TypeError: 'int' object is not iterable; fix the template or the case's vars",
        ),
        (
            "{% if input is nosuchtest %}{% endif %}",
            "failed: TemplateRuntimeError: No test "
            "named 'nosuchtest' found.; fix the template or the case's vars",
        ),
        (
            "{{ range(10**7) | length }}",
            "failed: OverflowError: Range too big. The sandbox "
            "blocks ranges larger than MAX_RANGE (100000).; fix the template or the case's vars",
        ),
        (
            "{% macro r() %}{{ r() }}{% endmacro %}{{ r() }}",
            "recursion too deep (a macro that calls itself without end?); fix the template",
        ),
        (
            "{{ input.__class__ }}",
            "unsafe operation refused (access to attribute '__class__' "
            "of 'str' object is unsafe.); templates may not reach Python internals",
        ),
        (
            "{% include 'nope.j2' %}",
            "included template 'nope.j2' not found in the template's "
            "folder (templates cannot reach outside it); fix the name or move the file there",
        ),
    ],
)
def test_runtime_failures_are_template_errors_not_crashes(
    tmp_path: Path, template: str, tail: str
) -> None:
    message = fail(tmp_path, prompt="\n" + template)
    head = "candidate 'c' prompt:2: case 'inj' (eval set line 1): the template of candidate 'c'"
    assert message.startswith(head) and message.endswith(tail)


def test_unreadable_template_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "latin.j2").write_bytes(b"caf\xe9 {{ input }}")
    with pytest.raises(TemplateError) as info:
        PromptRenderer(
            Candidate("c", "replay", "m", system_file="latin.j2", base_dir=str(tmp_path))
        )
    assert str(info.value) == (
        "latin.j2: cannot read the system template of candidate 'c' (not valid UTF-8); fix the "
        "path in the config or save the file as UTF-8"
    )


def test_imports_resolve_in_the_template_folder_and_whitespace_control_works(
    tmp_path: Path,
) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "macros.j2").write_text("{% macro q(x) %}<{{ x }}>{% endmacro %}")
    (tmp_path / "prompts" / "p.j2").write_text(
        "{% import 'macros.j2' as m %}\n{%- for p in context -%}\n  {{ m.q(p.id) }}\n{%- endfor %}\n"
    )
    req = render(
        CASE, Candidate("c", "replay", "m", prompt_file="prompts/p.j2", base_dir=str(tmp_path))
    )
    assert req.messages[-1].content == "<1>"  # trailing newline of the file is dropped


def test_a_symlink_out_of_the_template_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "link.j2").symlink_to(tmp_path / "secret.txt")
    (prompts / "part.j2").write_text("part")
    (prompts / "inner.j2").symlink_to(prompts / "part.j2")  # a link inside the folder is fine
    base = str(prompts)
    ok = Candidate("c", "replay", "m", prompt="{% include 'inner.j2' %}", base_dir=base)
    assert render(CASE, ok).messages[-1].content == "part"
    bad = Candidate("c", "replay", "m", prompt="{% include 'link.j2' %}", base_dir=base)
    with pytest.raises(TemplateError, match=r"included template 'link\.j2' not found"):
        render(CASE, bad)


def test_turns_after_the_last_user_turn_are_kept_when_a_template_wraps_it() -> None:
    case = EvalSet.from_cases(
        [
            {
                "id": "prefill",
                "input": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "hello"},
                    {"role": "user", "content": "refund?"},
                    {"role": "assistant", "content": "Sure, "},
                ],
            }
        ]
    ).cases[0]
    req = render(case, Candidate("c", "replay", "m", prompt="Customer: {{ input }}"))
    assert [(m.role, m.content) for m in req.messages] == [
        ("user", "hi"),
        ("assistant", "hello"),
        ("user", "Customer: refund?"),
        (
            "assistant",
            "Sure, ",
        ),  # was dropped: the template replaced the last turn, whatever it was
    ]
    plain = render(case, Candidate("c", "replay", "m"))
    assert [m.content for m in plain.messages] == ["hi", "hello", "refund?", "Sure, "]
