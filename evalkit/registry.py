"""One registry pattern for providers and scorers.

A registry maps a name to a factory. Built-ins register exactly like third parties do:
through :meth:`Registry.register` (usable as a decorator), through the entry-point group
(``evalkit.providers`` / ``evalkit.scorers``, loaded lazily, only when a name is missing),
or by reference: ``package.module:attr`` or ``path/to/file.py:attr`` resolves without any
registration, which is how a project's ``scorers/`` folder plugs in.

When two routes use one name, which one wins is fixed, and never silent:

- a name registered in code (``@evalkit.scorer("x")``, ``REGISTRY.register("x", f)``) wins
  over a built-in and an installed entry point of that name, for the rest of the process,
  with one ``RuntimeWarning`` per name naming both (``register(..., replace=True)`` says it
  is meant and stays quiet): the code that registers it is the user's own, and a notebook
  or ``conftest.py`` may shadow a built-in on purpose, but never by accident unnoticed;
- a built-in wins over an installed entry point of its name, and an entry point loses to a
  name registered in code: the installed package cannot change what ``groundedness`` means
  for every project on the machine; one ``RuntimeWarning`` names the entry point, its
  package and what is used instead; of two entry points with one name, the first found
  wins, with the same warning for the second;
- an entry point that does not load fails when its name is asked for, with an
  :class:`~evalkit.errors.InputError` naming the entry point, its package and the import
  error; from then on it is no longer among the valid choices. Names are listed without
  importing every plugin (they load lazily), so a broken one is listed until first asked
  for, except in an unknown-name error, whose choices leave out entry points whose module
  cannot be found.

A file reference loads the file as a module named ``evalkit_user_<stem>_<digest>`` where the
digest is a sha256 of the resolved path: the same in every process, so a scorer pickled by
that name can be loaded again in a worker process (:func:`install_user_modules`), and one
file loaded twice is one module. What a run records to compare scorers between runs is the
file's name, attribute and content digest, not this module name (see :mod:`evalkit.changes`).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import re
import sys
import traceback
import warnings
from collections.abc import Iterator, Mapping, Sequence
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any, Generic, TypeVar

from evalkit.errors import InputError, UnknownNameError

__all__ = [
    "USER_MODULE_PREFIX",
    "Registry",
    "import_source",
    "install_user_modules",
    "load_reference",
    "user_module_name",
    "user_modules",
]

T = TypeVar("T")

USER_MODULE_PREFIX = "evalkit_user_"
"""Module names of files loaded by path (``scorers/mine.py:brevity``) start with this."""
SOURCE_DIGEST = "__evalkit_source_sha256__"
"""The sha256 of such a file's content when it was loaded, kept on its module."""


def reference_of(target: Any) -> str:
    """A reference :func:`build_scorer` can load again (for ``--resume``): ``module:qualname``,
    or ``/abs/path/file.py:qualname`` for a scorer loaded from a file, whose module name
    (``evalkit_user_...``) cannot be imported."""
    module = sys.modules.get(target.__module__)
    file = getattr(module, "__file__", None)
    if target.__module__.startswith(USER_MODULE_PREFIX) and file:
        return f"{file}:{target.__qualname__}"
    return f"{target.__module__}:{target.__qualname__}"


def source_digest(target: Any) -> str | None:
    """The sha256 of the project file ``target`` was loaded from (``scorers/mine.py``), or
    ``None`` for an importable module, whose version the run's environment pins."""
    digest = getattr(sys.modules.get(target.__module__), SOURCE_DIGEST, None)
    return digest if isinstance(digest, str) else None


class Registry(Generic[T]):
    """A name → factory map that is open to entry points and ``module:attr`` references."""

    def __init__(self, kind: str, group: str, builtins: dict[str, str]) -> None:
        self.kind = kind
        self.group = group
        # Built-ins are named by reference so that importing the registry stays cheap: the
        # OpenAI SDK is only imported when someone asks for the "openai" provider.
        self._builtins: dict[str, str] = dict(builtins)
        self._lazy: dict[str, str] = dict(builtins)
        self._factories: dict[str, T] = {}
        self._registered: set[str] = set()  # names registered in code (they win)
        self._origins: dict[str, str] = {}  # entry-point names → "entry point ... of package"
        self._broken: dict[str, InputError] = {}  # entry points that failed to load
        self._warned: set[str] = set()
        self._entry_points_loaded = False
        self._sources: tuple[str, ...] = ()  # a project's modules (see use_sources)
        self._sources_loaded = True
        self._source_errors: dict[str, str] = {}

    def register(self, name: str, factory: T | None = None, *, replace: bool = False) -> Any:
        """Register ``factory`` under ``name``; without ``factory``, return a decorator.

        A name registered in code wins over a built-in or an entry point of that name, with a
        ``RuntimeWarning`` unless ``replace=True`` (see the module docstring)."""
        if factory is None:

            def decorator(obj: T) -> T:
                self._add(name, obj, replace)
                return obj

            return decorator
        self._add(name, factory, replace)
        return factory

    def _add(self, name: str, factory: T, replace: bool) -> None:
        shadowed = self._builtins.get(name) or self._lazy.get(name)
        same = shadowed == _describe(factory)  # the built-in itself, registered again
        if shadowed and not same and not replace and name not in self._warned:
            self._warned.add(name)
            what = "the built-in" if name in self._builtins else self._origins.get(name, "")
            warnings.warn(
                f"{self.kind} {name!r}: {_describe(factory)} is registered under the name of "
                f"{what} {self.kind} {shadowed!r} and replaces it in this process; give it "
                "another name to keep both (or register it with replace=True to say it is "
                "meant)",
                RuntimeWarning,
                stacklevel=4,
            )
        self._factories[name] = factory
        self._registered.add(name)

    def unregister(self, name: str) -> None:
        self._factories.pop(name, None)
        self._registered.discard(name)

    def get(self, name: str) -> T:
        """Return the factory for ``name`` (a registered name or a ``module:attr`` reference)."""
        if name in self._factories:
            return self._factories[name]
        if ":" in name:
            factory: T = load_reference(name)
            self._factories[name] = factory
            return factory
        if name in self._broken:
            raise self._broken[name]
        if name not in self._lazy:
            # Entry points land in ``_lazy``: look there again after loading them, or a
            # first ``get`` (a CLI run) would call an installed name unknown.
            self._load_entry_points()
        if name in self._lazy:
            factory = self._load_lazy(name)
            self._factories[name] = factory
            return factory
        self._load_sources()
        if name in self._factories:  # registered in code by a project's module
            return self._factories[name]
        raise UnknownNameError(self.kind, name, self._choices())

    def use_sources(self, sources: Sequence[str]) -> None:
        """Modules that may register names in code (``@evalkit.scorer("boom")``): a project's
        scorer files (absolute ``/path/file.py``) and modules (``package.module``).

        They are imported the first time a name is missing or the names are listed, like
        entry points, so a name they register is known wherever a name is looked up (a
        case's ``checks``, a suite's scorers, the checks scorer's ``defaults``) whatever was
        loaded first. The set replaces the previous one: the project whose config was loaded
        last is the one whose names count. A source that fails to import is remembered
        (:meth:`source_errors`), not raised: the name lookup that needed it says so."""
        given = tuple(dict.fromkeys(sources))
        if given != self._sources:
            self._sources, self._sources_loaded, self._source_errors = given, False, {}

    def source_errors(self) -> dict[str, str]:
        """Why each source of :meth:`use_sources` that failed to import did so."""
        return dict(self._source_errors)

    def _load_sources(self) -> None:
        if self._sources_loaded:
            return
        self._sources_loaded = True
        for source in self._sources:
            try:
                import_source(source)
            except InputError as exc:
                self._source_errors[source] = str(exc)

    def _load_lazy(self, name: str) -> Any:
        origin = self._origins.get(name)
        if origin is None:  # a built-in
            return load_reference(self._lazy[name])
        try:
            return load_reference(self._lazy[name])
        except InputError as exc:
            err = InputError(
                f"{self.kind} {name!r}: {origin} does not load: {exc}; fix or reinstall that "
                f"package, or uninstall it if it is not needed"
            )
            del self._lazy[name]
            self._broken[name] = err
            raise err from exc

    def names(self) -> list[str]:
        """Every name that :meth:`get` accepts without a reference, sorted (an entry point is
        listed without importing it, so a broken one is listed until first asked for; the
        modules of :meth:`use_sources` are imported)."""
        self._load_entry_points()
        self._load_sources()
        return sorted(set(self._factories) | set(self._lazy))

    def _choices(self) -> list[str]:
        """The names for an unknown-name error: entry points whose module cannot be found are
        left out (looking costs an import of their parent package, fine on an error path)."""
        out = []
        for n in self.names():
            ref = self._lazy.get(n, "")
            if n in self._origins and n not in self._factories and not _findable(ref):
                continue
            out.append(n)
        return out

    def __contains__(self, name: str) -> bool:
        return name in self.names()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for ep in entry_points(group=self.group):
            origin = _origin(ep, self.group)
            if ep.name in self._origins and self._lazy.get(ep.name) == ep.value:
                continue  # one distribution found twice on the path
            if ep.name in self._registered:
                used = f"the {self.kind} registered in code ({_describe(self._factories[ep.name])})"
            elif ep.name in self._builtins:
                used = f"the built-in {self.kind} ({self._builtins[ep.name]})"
            elif ep.name in self._origins:
                used = self._origins[ep.name]
            else:
                self._lazy[ep.name] = ep.value
                self._origins[ep.name] = origin
                continue
            warnings.warn(
                f"{self.kind} {ep.name!r}: {origin} is ignored, because {used} has that name "
                "and is used; rename the entry point in that package to use both",
                RuntimeWarning,
                stacklevel=4,
            )


def _origin(ep: EntryPoint, group: str) -> str:
    dist = getattr(ep, "dist", None)
    package = f" of package {dist.name!r}" if dist is not None else ""
    return f"entry point '{ep.name} = {ep.value}'{package} (group {group!r})"


def _describe(obj: Any) -> str:
    """``module:qualname`` of what was registered (a decorated function's own name)."""
    target = getattr(obj, "__wrapped__", obj)
    module = getattr(target, "__module__", None) or "?"
    return f"{module}:{getattr(target, '__qualname__', type(target).__qualname__)}"


def _findable(ref: str) -> bool:
    module = ref.partition(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except Exception:  # a parent package that fails to import, a malformed name
        return False


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
        try:
            module = _load_file(user_module_name(path), path)
        except Exception as exc:
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


def import_source(source: str) -> ModuleType:
    """Import a module by file path (``/path/file.py``, loaded as :func:`load_reference` loads
    a file reference) or by name (``package.module``); :class:`InputError` when it fails."""
    if source.endswith(".py"):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"{source!r}: file does not exist; check the path")
        try:
            return _load_file(user_module_name(path), path)
        except Exception as exc:
            raise _import_failed(source, source, exc) from exc
    try:
        return importlib.import_module(source)
    except Exception as exc:
        raise _import_failed(source, source, exc) from exc


def user_module_name(path: Path) -> str:
    """The module name of a file loaded by path: the same in every process for one resolved
    path (``hash()`` of a string is salted per process, and a name that changed between two
    runs once made every gate on such a scorer fail against a stored baseline)."""
    resolved = path.resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:16]
    stem = re.sub(r"\W", "_", resolved.stem, flags=re.ASCII)
    return f"{USER_MODULE_PREFIX}{stem}_{digest}"


def _load_file(name: str, path: Path) -> ModuleType:
    module = sys.modules.get(name)
    if module is not None:
        return module
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # The content as loaded, for the run's scorer spec: an edited scorer file is another
    # ruler, and a comparison must say so (evalkit.changes).
    module.__dict__[SOURCE_DIGEST] = hashlib.sha256(path.read_bytes()).hexdigest()
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        # A half-run module must not stay cached: the next lookup would find it and blame a
        # missing attribute instead of the real fault.
        sys.modules.pop(name, None)
        raise
    return module


def user_modules() -> dict[str, str]:
    """The files loaded by path in this process, as ``{module name: file path}``: what a
    worker process needs to unpickle a scorer defined in one (:func:`install_user_modules`)."""
    return {
        name: str(file)
        for name, module in list(sys.modules.items())
        if name.startswith(USER_MODULE_PREFIX) and (file := getattr(module, "__file__", None))
    }


class _UserFiles(importlib.abc.MetaPathFinder):
    """Finds ``evalkit_user_*`` modules by the file they were loaded from in the parent."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = dict(files)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        file = self.files.get(fullname)
        return importlib.util.spec_from_file_location(fullname, file) if file else None


def install_user_modules(files: Mapping[str, str]) -> None:
    """Make the modules of :func:`user_modules` (taken in another process) importable here by
    name; each file runs only when something (unpickling a scorer) imports it."""
    if files:
        sys.meta_path.append(_UserFiles(files))


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
