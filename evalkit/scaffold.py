"""The starter project ``evalkit init`` writes: files a team edits rather than writes.

The templates are package data under ``evalkit/data/init/`` (shipped in the wheel, so
``pip install evalkit`` is enough): every ``*.tmpl`` file there is written to the same
relative path without the suffix, and ``candidates/<provider>.toml`` (plus an optional
``<provider>.prices.toml``) fill the provider-specific parts of ``evalkit.toml``. Templates
are real files rather than strings here so they read as what they become; their ``.tmpl``
suffix keeps pytest, ruff and mypy from treating the templates as evalkit's own code.

Placeholders are ``@name@`` tokens, not ``$name`` or ``{name}``: the eval set uses ``$any``
and the prompts are Jinja2, so neither string.Template nor str.format could leave them alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from evalkit.errors import InputError, did_you_mean

__all__ = ["DOCS", "PROVIDER_CHOICES", "Scaffold", "ScaffoldFile", "conflicts", "scaffold", "write"]

PROVIDER_CHOICES = ("callable", "openai", "anthropic", "openai-compatible")
"""What ``--provider`` accepts; ``callable`` (a local Python function) runs offline."""

DOCS = "docs"
"""Prefix of the documentation pages the templates point to (``@docs@/providers.md``): the
``docs/`` folder of the evalkit repository. Set to the published URL once there is one."""

KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "openai-compatible": "LOCAL_LLM_API_KEY",
}
"""The variable each API provider's candidates name in ``api_key_env`` (the key itself is
never written anywhere)."""

SUITE = "starter"
"""The suite the starter config declares (printed in the next commands)."""


@dataclass(frozen=True)
class ScaffoldFile:
    """One file of the starter project."""

    path: str
    """Relative POSIX path inside the project folder."""
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScaffoldFile:
        return cls(path=str(data["path"]), text=str(data["text"]))


@dataclass(frozen=True)
class Scaffold:
    """The starter project for one provider choice."""

    provider: str
    files: tuple[ScaffoldFile, ...]
    key_env: str | None = None
    """The environment variable the candidates read their API key from; None for callable."""
    suite: str = SUITE

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "files": [f.to_dict() for f in self.files],
            "key_env": self.key_env,
            "suite": self.suite,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scaffold:
        return cls(
            provider=str(data["provider"]),
            files=tuple(ScaffoldFile.from_dict(f) for f in data.get("files", ())),
            key_env=data.get("key_env"),
            suite=str(data.get("suite", SUITE)),
        )


def scaffold(provider: str = "callable") -> Scaffold:
    """The files of the starter project whose candidates use ``provider``."""
    if provider not in PROVIDER_CHOICES:
        raise InputError(
            f"evalkit init: unknown provider {provider!r};{did_you_mean(provider, PROVIDER_CHOICES)}"
            f" choose one of {', '.join(PROVIDER_CHOICES)}"
        )
    root = resources.files("evalkit") / "data" / "init"
    candidates = root / "candidates"
    prices = candidates / f"{provider}.prices.toml"
    fill = {
        "@provider@": provider,
        "@candidates@": (candidates / f"{provider}.toml").read_text(encoding="utf-8"),
        "@prices@": prices.read_text(encoding="utf-8") if prices.is_file() else "",
    }
    files: list[ScaffoldFile] = []
    for rel, item in _templates(root, PurePosixPath()):
        if rel.name == "pipeline.py" and provider != "callable":
            continue  # only the callable candidates point at a local function
        text = item.read_text(encoding="utf-8")
        for token, value in fill.items():
            text = text.replace(token, value)
        files.append(ScaffoldFile(str(rel), text.replace("@docs@", DOCS)))
    return Scaffold(provider, tuple(sorted(files, key=_order)), KEY_ENV.get(provider))


def _templates(folder: Any, rel: PurePosixPath) -> Iterator[tuple[PurePosixPath, Any]]:
    """``(output path, template)`` under ``folder`` (an importlib.resources Traversable, typed
    Any because its ABC moved between the Python versions we support)."""
    for item in folder.iterdir():
        if item.is_dir():
            if item.name != "candidates":
                yield from _templates(item, rel / item.name)
        elif item.name.endswith(".tmpl"):
            yield rel / item.name.removesuffix(".tmpl"), item


def _order(f: ScaffoldFile) -> tuple[int, str]:
    """The config first, then the folders in reading order."""
    return (0 if f.path == "evalkit.toml" else 1 + f.path.count("/"), f.path)


def conflicts(folder: Path, project: Scaffold) -> list[Path]:
    """The files of ``project`` that already exist in ``folder``."""
    return [folder / f.path for f in project.files if (folder / f.path).exists()]


def write(folder: Path, project: Scaffold, *, force: bool = False) -> list[Path]:
    """Write ``project`` into ``folder`` (created when missing); the paths written.

    Nothing is written when any file exists and ``force`` is false: a half-written starter
    mixed with a team's own files would be worse than none. The error lists every such file.
    """
    if folder.exists() and not folder.is_dir():
        raise InputError(f"evalkit init: {folder} is a file, not a folder; give a folder")
    existing = conflicts(folder, project)
    if existing and not force:
        listing = "\n".join(f"  {p}" for p in existing)
        raise InputError(
            f"evalkit init: {len(existing)} file(s) already exist in {folder}:\n{listing}\n"
            "nothing was written; move them away, init another folder, or pass --force to "
            "overwrite them"
        )
    written: list[Path] = []
    for f in project.files:
        path = folder / f.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                raise IsADirectoryError(f"{path} is a folder")
            path.write_text(f.text, encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"evalkit init: cannot write {path}: {exc.strerror or exc}; check that the "
                "folder is writable and that no file stands where a folder is needed"
                + (f" (written so far: {', '.join(str(p) for p in written)})" if written else "")
            ) from exc
        written.append(path)
    return written
