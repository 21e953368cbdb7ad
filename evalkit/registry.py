"""One registry pattern for providers and scorers.

A registry maps a name to a factory. Built-ins register exactly like third parties do:
through :meth:`Registry.register` (usable as a decorator), through the entry-point group
(``evalkit.providers`` / ``evalkit.scorers``, loaded lazily, only when a name is missing),
or by reference: ``package.module:attr`` or ``path/to/file.py:attr`` resolves without any
registration, which is how a project's ``scorers/`` folder plugs in.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Generic, TypeVar

from evalkit.errors import InputError, UnknownNameError

__all__ = ["Registry", "load_reference"]

T = TypeVar("T")


class Registry(Generic[T]):
    """A name → factory map that is open to entry points and ``module:attr`` references."""

    def __init__(self, kind: str, group: str, builtins: dict[str, str]) -> None:
        self.kind = kind
        self.group = group
        # Built-ins are named by reference so that importing the registry stays cheap: the
        # OpenAI SDK is only imported when someone asks for the "openai" provider.
        self._lazy: dict[str, str] = dict(builtins)
        self._factories: dict[str, T] = {}
        self._entry_points_loaded = False

    def register(self, name: str, factory: T | None = None) -> Any:
        """Register ``factory`` under ``name``; without ``factory``, return a decorator."""
        if factory is None:

            def decorator(obj: T) -> T:
                self._factories[name] = obj
                return obj

            return decorator
        self._factories[name] = factory
        return factory

    def unregister(self, name: str) -> None:
        self._factories.pop(name, None)

    def get(self, name: str) -> T:
        """Return the factory for ``name`` (a registered name or a ``module:attr`` reference)."""
        if name in self._factories:
            return self._factories[name]
        if ":" in name:
            factory: T = load_reference(name)
            self._factories[name] = factory
            return factory
        if name not in self._lazy:
            # Entry points land in ``_lazy``: look there again after loading them, or a
            # first ``get`` (a CLI run) would call an installed name unknown.
            self._load_entry_points()
        if name in self._lazy:
            factory = load_reference(self._lazy[name])
            self._factories[name] = factory
            return factory
        raise UnknownNameError(self.kind, name, self.names())

    def names(self) -> list[str]:
        """Every name that :meth:`get` accepts without a reference, sorted."""
        self._load_entry_points()
        return sorted(set(self._factories) | set(self._lazy))

    def __contains__(self, name: str) -> bool:
        return name in self.names()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for ep in entry_points(group=self.group):
            if ep.name not in self._factories and ep.name not in self._lazy:
                self._lazy[ep.name] = ep.value


def load_reference(ref: str, *, base_dir: Path | None = None) -> Any:
    """Resolve ``package.module:attr`` or ``path/to/file.py:attr`` to the object it names."""
    module_part, sep, attr = ref.rpartition(":")
    if not sep or not module_part or not attr:
        raise InputError(
            f"{ref!r}: not a reference; write it as 'package.module:name' or 'path/file.py:name'"
        )
    if module_part.endswith(".py"):
        path = Path(module_part)
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        if not path.is_file():
            raise InputError(f"{ref!r}: file {str(path)!r} does not exist; check the path")
        mod_name = f"evalkit_user_{abs(hash(str(path.resolve())))}"
        module = sys.modules.get(mod_name)
        if module is None:
            spec = importlib.util.spec_from_file_location(mod_name, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[mod_name] = module
            try:
                spec.loader.exec_module(module)
            except Exception as exc:
                # A half-run module must not stay cached: the next lookup would find it
                # and blame a missing attribute instead of the real fault.
                sys.modules.pop(mod_name, None)
                raise _import_failed(ref, str(path), exc) from exc
    else:
        try:
            module = importlib.import_module(module_part)
        except ModuleNotFoundError as exc:
            raise InputError(
                f"{ref!r}: cannot import module {module_part!r} ({exc}); check that it is "
                "installed or on PYTHONPATH"
            ) from exc
        except Exception as exc:
            raise _import_failed(ref, module_part, exc) from exc
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise InputError(
                f"{ref!r}: module {module_part!r} has no attribute {attr!r}; check the name"
            ) from None
    return obj


def _import_failed(ref: str, what: str, exc: Exception) -> InputError:
    """An :class:`InputError` for a module that exists but fails while importing, naming the
    file and line of the fault (a syntax error's own, else the deepest frame)."""
    if isinstance(exc, SyntaxError):
        where = f"{exc.filename or what}:{exc.lineno}"
        what_wrong = f"syntax error: {exc.msg}"
    else:
        frames = traceback.extract_tb(exc.__traceback__)
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else what
        what_wrong = f"{type(exc).__name__}: {exc}"
    return InputError(
        f"{ref!r}: importing {what} failed at {where}: {what_wrong}; fix that file "
        "(evalkit imports it to load the reference)"
    )
