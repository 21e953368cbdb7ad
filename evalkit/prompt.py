"""Rendering: a case and a candidate become the :class:`Request` sent to a provider.

Templates are Jinja2 in a sandbox, with autoescape off (prompts are not HTML) and strict
undefined variables (a typo must fail loudly, naming the case and the variable, rather than
silently sending an empty string). ``{% include %}`` resolves only inside the template's own
folder: the loader refuses ``..`` and absolute paths, so no template reaches beyond it.

Template variables: everything in the case's ``vars``, plus ``input`` (the case's text, or the
last user message of a conversation), ``context`` (list of ``{id, text, source}``),
``expected``, ``tags``, ``metadata`` and ``case_id``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

from evalkit.config import Candidate
from evalkit.dataset import Case, Message
from evalkit.errors import TemplateError
from evalkit.providers.base import Request

__all__ = ["PromptRenderer", "render"]


class PromptRenderer:
    """Compiles a candidate's templates once and renders them for each case."""

    def __init__(self, candidate: Candidate) -> None:
        self.candidate = candidate
        self._prompt = self._compile(candidate.prompt_source, candidate.prompt_file, "prompt")
        self._system = self._compile(candidate.system_source, candidate.system_file, "system")

    def _compile(self, source: str | None, file: str | None, what: str) -> jinja2.Template | None:
        if source is None:
            return None
        folder = self.candidate.resolve(file).parent if file else Path(self.candidate.base_dir)
        env = _environment(str(folder.resolve()))
        try:
            return env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            where = file or f"candidate {self.candidate.name!r} {what}"
            raise TemplateError(
                f"{where}:{exc.lineno}: template syntax error: {exc.message}; fix the template"
            ) from exc

    def render(self, case: Case, repeat: int = 0) -> Request:
        c = self.candidate
        variables = _variables(case)
        messages: list[Message] = []
        if self._system is not None:
            messages.append(
                Message("system", self._render(self._system, variables, case, "system"))
            )
        history, last = _split_input(case)
        messages.extend(history)
        if self._prompt is not None:
            messages.append(Message("user", self._render(self._prompt, variables, case, "prompt")))
        elif last is not None:
            messages.append(last)
        if not messages or messages[-1].role == "system":
            raise TemplateError(
                f"case {case.id!r}: nothing to send (no input and no prompt "
                f"template on candidate {c.name!r}); add input or a prompt"
            )
        tools = case.tools if case.tools is not None else c.tools
        return Request(
            case_id=case.id,
            repeat=repeat,
            model=c.model,
            messages=tuple(messages),
            params=c.params,
            tools=tuple(tools),
            tool_choice=c.tool_choice,
            metadata=c.metadata,
            case=case,
        )

    def _render(
        self, template: jinja2.Template, variables: dict[str, Any], case: Case, what: str
    ) -> str:
        try:
            return template.render(variables)
        except jinja2.UndefinedError as exc:
            raise TemplateError(
                f"case {case.id!r} (line {case.line}): {what} template of candidate "
                f"{self.candidate.name!r} uses an undefined variable: {exc.message}; add it to "
                "the case's vars or fix the template"
            ) from exc
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(
                f"{what} template of candidate {self.candidate.name!r}: included template "
                f"{exc.name!r} not found in the template's folder (templates cannot reach "
                "outside it)"
            ) from exc
        except jinja2.exceptions.SecurityError as exc:
            raise TemplateError(
                f"{what} template of candidate {self.candidate.name!r}: "
                f"unsafe operation refused ({exc})"
            ) from exc


def render(case: Case, candidate: Candidate, repeat: int = 0) -> Request:
    """Render one case for one candidate (compiles each call; use :class:`PromptRenderer` in loops)."""
    return PromptRenderer(candidate).render(case, repeat)


@lru_cache(maxsize=64)
def _environment(folder: str) -> jinja2.Environment:
    return jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )


def _split_input(case: Case) -> tuple[list[Message], Message | None]:
    if case.input is None:
        return [], None
    if isinstance(case.input, str):
        return [], Message("user", case.input)
    msgs = list(case.input)
    return msgs[:-1], msgs[-1]


def _variables(case: Case) -> dict[str, Any]:
    if isinstance(case.input, str) or case.input is None:
        text = case.input
    else:
        users = [m.content for m in case.input if m.role == "user"]
        text = users[-1] if users else ""
    variables: dict[str, Any] = dict(case.vars)
    variables.setdefault("input", text)
    variables.setdefault("context", [p.to_dict() for p in case.context])
    variables.setdefault("expected", list(case.expected) if case.expected else None)
    variables.setdefault("tags", list(case.tags))
    variables.setdefault("metadata", dict(case.metadata))
    variables.setdefault("case_id", case.id)
    return {k: v for k, v in variables.items() if v is not None or k in case.vars}
