"""Rendering: a case and a candidate become the :class:`Request` sent to a provider.

Templates are Jinja2 in a sandbox, with autoescape off (prompts are not HTML) and strict
undefined variables (a typo must fail loudly, naming the case and the variable, rather than
silently sending an empty string). ``{% include %}`` resolves only inside the template's own
folder: the loader refuses ``..``, absolute paths and symbolic links that lead out of the
folder, so no template reaches beyond it.

Template variables: everything in the case's ``vars``, plus ``input`` (the case's text, or the
last user message of a conversation), ``context`` (list of ``{id, text, source}``),
``expected``, ``tags``, ``metadata`` and ``case_id``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

from evalkit.config import Candidate
from evalkit.dataset import Case, Message
from evalkit.errors import TemplateError, did_you_mean
from evalkit.providers.base import Request

__all__ = ["PromptRenderer", "render"]


class PromptRenderer:
    """Compiles a candidate's templates once and renders them for each case."""

    def __init__(self, candidate: Candidate) -> None:
        self.candidate = candidate
        self._prompt = self._compile(candidate.prompt_file, "prompt")
        self._system = self._compile(candidate.system_file, "system")

    def _compile(self, file: str | None, what: str) -> _Compiled | None:
        c = self.candidate
        label = file or f"candidate {c.name!r} {what}"
        try:
            source = c.prompt_source if what == "prompt" else c.system_source
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not valid UTF-8"
            raise TemplateError(
                f"{label}: cannot read the {what} template of candidate {c.name!r} ({reason}); "
                "fix the path in the config or save the file as UTF-8"
            ) from exc
        if source is None:
            return None
        folder = c.resolve(file).parent if file else Path(c.base_dir)
        env = _environment(str(folder.resolve()))
        try:
            # Compiled under its label, so runtime errors point at "prompts/p.j2:12".
            code = env.compile(source, name=label, filename=label)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"{label}:{exc.lineno}: template syntax error: {exc.message}; fix the template"
            ) from exc
        template = env.template_class.from_code(env, code, env.make_globals(None))
        root = Path(c.base_dir).resolve()
        return _Compiled(template, label, what, root, inline=file is None)

    def render(self, case: Case, repeat: int = 0) -> Request:
        c = self.candidate
        variables = _variables(case)
        messages: list[Message] = []
        if self._system is not None:
            messages.append(Message("system", self._render(self._system, variables, case)))
        before, turn, after = _split_input(case)
        messages.extend(before)
        if self._prompt is not None:
            messages.append(Message("user", self._render(self._prompt, variables, case)))
        elif turn is not None:
            messages.append(turn)
        messages.extend(after)
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

    def _render(self, t: _Compiled, variables: dict[str, Any], case: Case) -> str:
        """Render ``t``; any failure becomes a :class:`TemplateError` that names the template
        line, the case and what to do (a template is input: it must never crash a run)."""
        try:
            return t.template.render(variables)
        except jinja2.TemplateSyntaxError as exc:  # in an included or imported template
            where = _short(exc.filename or exc.name or t.label, t.root)
            raise TemplateError(
                f"{where}:{exc.lineno}: template syntax error: {exc.message} (included by the "
                f"{t.what} template of candidate {self.candidate.name!r}); fix the template"
            ) from exc
        except Exception as exc:  # every template failure is the user's input, never a crash
            where = _template_line(exc, t)
            owner = "the template" if t.inline else t.what + " template"
            head = f"{where}: case {case.id!r}{_line(case)}: {owner} of candidate "
            head += repr(self.candidate.name)
            raise TemplateError(head + _explain(exc, variables)) from exc


@dataclass(frozen=True)
class _Compiled:
    template: jinja2.Template
    label: str
    """The template file as written in the config, or ``candidate 'x' prompt`` when inline."""
    what: str
    root: Path
    """The config's folder: included templates are named relative to it, like the config does."""
    inline: bool


def _explain(exc: BaseException, variables: dict[str, Any]) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        missing = re.match(r"'(\w+)' is undefined", exc.message or "")
        hint = did_you_mean(missing.group(1), variables) if missing else ""
        return (
            f" uses an undefined variable: {exc.message};{hint} add it to the case's vars or "
            f"fix the template (defined: {_names(variables)})"
        )
    if isinstance(exc, jinja2.TemplateNotFound):
        return (
            f": included template {exc.name!r} not found in the template's folder (templates "
            "cannot reach outside it); fix the name or move the file there"
        )
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return f": unsafe operation refused ({exc}); templates may not reach Python internals"
    if isinstance(exc, RecursionError):
        return ": recursion too deep (a macro that calls itself without end?); fix the template"
    return f" failed: {type(exc).__name__}: {exc}; fix the template or the case's vars"


def _names(variables: dict[str, Any], n: int = 12) -> str:
    names = sorted(variables)
    return ", ".join(names[:n]) + (f", ... ({len(names)} in all)" if len(names) > n else "")


def _template_line(exc: BaseException, t: _Compiled) -> str:
    """``file:line`` of the innermost template frame of ``exc`` (Jinja rewrites tracebacks so
    template frames carry the template's file and line), else the template's label."""
    found = t.label
    tb = exc.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            found = f"{_short(tb.tb_frame.f_code.co_filename, t.root)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found


def _short(filename: str, root: Path) -> str:
    """An included template's absolute path, relative to the config's folder when inside it."""
    path = Path(filename)
    if path.is_absolute() and path.is_relative_to(root):
        return str(path.relative_to(root))
    return filename


def _line(case: Case) -> str:
    return f" (eval set line {case.line})" if case.line else ""


def render(case: Case, candidate: Candidate, repeat: int = 0) -> Request:
    """Render one case for one candidate (compiles each call; use :class:`PromptRenderer` in loops)."""
    return PromptRenderer(candidate).render(case, repeat)


@lru_cache(maxsize=64)
def _environment(folder: str) -> jinja2.Environment:
    return jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=_FolderLoader(folder),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )


class _FolderLoader(jinja2.FileSystemLoader):
    """Jinja's loader refuses ``..`` but follows symbolic links; this one also refuses a link
    whose target lies outside the folder (``prompts/x.j2 -> ~/.ssh/id_rsa``)."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        root = Path(self.searchpath[0]).resolve()
        if not Path(filename).resolve().is_relative_to(root):
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


def _split_input(case: Case) -> tuple[list[Message], Message | None, list[Message]]:
    """``(before, the last user turn, after)``: a prompt template replaces that turn in place,
    so turns after it (an assistant prefill, tool results) are kept, not dropped."""
    if case.input is None:
        return [], None, []
    if isinstance(case.input, str):
        return [], Message("user", case.input), []
    msgs = list(case.input)
    users = [i for i, m in enumerate(msgs) if m.role == "user"]
    if not users:
        return msgs, None, []
    i = users[-1]
    return msgs[:i], msgs[i], msgs[i + 1 :]


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
