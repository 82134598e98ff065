"""Keep the code `dataclasses` generates, as Python keeps a module's bytecode.

A dataclass's methods (`__init__`, `__repr__`, `__eq__`, a frozen class's `__setattr__`...) are
written as source text and compiled each time the class is made, and the compiling is three
quarters of the cost of a dataclass (0.75 of 1 ms). A check makes about fifty of its own before
and while it reads the first files, and its fix planner imports libcst's 250 node classes. Here
each text is compiled once and its code object kept on disk for the next run, one file per
package (ours, libcst): the same text always compiles to the same code.

Trust: a code object runs when the function it makes is called, so these files are trusted as
Python trusts bytecode: they are kept in the installed package's `__pycache__` (this folder's),
beside its `.pyc` files, never in the project being checked (whose files anyone who can commit
to it writes). A file is read only if the owner of the package's own files owns it and nobody
else may write it; nothing is written where Python writes no bytecode (`PYTHONDONTWRITEBYTECODE`,
a read-only install) nor by a user who does not own the package. Only the command line and the
flake8 plugin install this (`install`, from leave.py, which the console script and __main__.py
import, and from flake8_plugin.py); the runtime hook, which runs inside the user's application,
never does.
"""
from __future__ import annotations

import builtins
import collections
import dataclasses
import marshal
import os
import stat
import sys
import typing
from pathlib import Path
from types import CodeType
from typing import Any, Optional

from .. import __version__

# The packages whose dataclasses are kept: the command line's own and the fix planner's.
PACKAGES = frozenset({__package__.partition(".")[0], "libcst"})
# Code another Python compiled is not read; another release starts a file anew (an upgrade in
# place leaves the old file, and its classes' texts would only be dead weight).
_MAGIC = b"GALDC" + sys.hexversion.to_bytes(4, "big") + __version__.encode() + b"\0"
_FOLDER = Path(__file__).resolve().parent / "__pycache__"
_tables: dict[str, dict[str, CodeType]] = {}
_changed: set[str] = set()
_real_exec, _real_eval, _real_compile = builtins.exec, builtins.eval, builtins.compile
_NamedTupleMeta: Any = getattr(typing, "NamedTupleMeta")  # (typing's own, which mypy does not list)
_real_named_tuple = _NamedTupleMeta.__new__
_making: list[str] = []  # the kept package whose NamedTuple class is being made, innermost last


def install() -> None:
    """Have `dataclasses` compile through the kept code from now on (once per process), and a
    NamedTuple class of a kept package too: typing compiles each of its string annotations
    (`from __future__ import annotations`) and collections its `__new__`, a quarter of its making
    (forty of them are made before a check's workers start: 2.6 ms of 4.7)."""
    if getattr(dataclasses, "exec", None) is not _exec:
        dataclasses.exec = _exec  # type: ignore[attr-defined] # a module global shadows the builtin
        _NamedTupleMeta.__new__ = staticmethod(_named_tuple)
        typing.compile = _compile  # type: ignore[attr-defined]
        collections.eval = _eval  # type: ignore[attr-defined]


def _named_tuple(cls: type, typename: str, bases: tuple[type, ...], ns: dict[str, Any]) -> Any:
    package = str(ns.get("__module__", "")).partition(".")[0]
    if package not in PACKAGES:
        return _real_named_tuple(cls, typename, bases, ns)
    _making.append(package)
    try:
        return _real_named_tuple(cls, typename, bases, ns)
    finally:
        _making.pop()


def _compile(source: Any, filename: Any, mode: str, *args: Any, **kwargs: Any) -> Any:
    """builtins.compile for typing.ForwardRef: an annotation's text, kept while a kept package's
    NamedTuple is made (typing has no `from __future__` import: no flags to inherit)."""
    if _making and type(source) is str and not args and not kwargs and filename == "<string>" and mode == "eval":
        return _kept(_making[-1], source)
    return _real_compile(source, filename, mode, *args, **kwargs)


def _eval(source: Any, globals: Any = None, locals: Any = None, /) -> Any:
    """builtins.eval for collections.namedtuple's `__new__` text, kept as _compile keeps an annotation."""
    if _making and type(source) is str:
        return _real_eval(_kept(_making[-1], source), globals, locals)
    return _real_eval(source, globals, locals)


def _kept(package: str, expression: str) -> CodeType:
    """The code of an expression (mode `eval`), compiled once for the package's file."""
    table = _tables.get(package)
    if table is None:
        table = _tables[package] = _read(package)
    key = "\0eval\0" + expression  # (never a dataclass's text, which is a `def`)
    code = table.get(key)
    if code is None:
        code = table[key] = compile(expression, "<string>", "eval", dont_inherit=True)
        _changed.add(package)
    return code


def save() -> None:
    """Write the files of the packages whose dataclasses compiled something new in this process."""
    if sys.dont_write_bytecode or not _owned():
        return
    for package in sorted(_changed):
        # With what another process (the fix planner, another check) wrote meanwhile: each
        # keeps the classes it made, which the other may not have made at all.
        _write(package, {**_read(package), **_tables[package]})
    _changed.clear()


def _exec(source: Any, globals: Optional[dict[str, Any]] = None, locals: Optional[dict[str, Any]] = None,
          /) -> None:
    """builtins.exec, with the code of a kept package's dataclass text compiled once. dataclasses
    calls it with the class's module's globals; its own module has no `from __future__` import,
    so its texts compile with no flags, as `dont_inherit` compiles them here."""
    name = globals.get("__name__") if type(source) is str and globals is not None else None
    package = name.partition(".")[0] if isinstance(name, str) else ""
    if package not in PACKAGES:
        _real_exec(source, globals, locals)
        return
    table = _tables.get(package)
    if table is None:
        table = _tables[package] = _read(package)
    code = table.get(source)
    if code is None:
        code = table[source] = compile(source, "<string>", "exec", dont_inherit=True)
        _changed.add(package)
    _real_exec(code, globals, locals)


def _path(package: str) -> Path:
    return _FOLDER / f"dataclass-code.{package}.{sys.implementation.cache_tag}.marshal"


def _read(package: str) -> dict[str, CodeType]:
    path = _path(package)
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not _trusted(info):
                return {}
            data = handle.read()
        if not data.startswith(_MAGIC):
            return {}
        table = marshal.loads(data[len(_MAGIC):])
    except (OSError, ValueError, EOFError, TypeError):
        return {}  # none yet, unreadable or damaged: compiled again, and written anew
    if not isinstance(table, dict) or not all(type(k) is str and type(v) is CodeType for k, v in table.items()):
        return {}
    return table


def _owned() -> bool:
    """Whether this user owns the package: only then is what it writes read back (_trusted); a
    shared install's other users would each replace the file, and none would read it."""
    getuid = getattr(os, "getuid", None)  # (none on Windows, where _trusted reads no file either)
    try:
        return getuid is not None and os.stat(__file__).st_uid == getuid()
    except OSError:
        return False


def _trusted(info: os.stat_result) -> bool:
    """Owned by whoever owns the package's own files, writable by nobody else."""
    try:
        owner = os.stat(__file__).st_uid
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_uid == owner and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _write(package: str, table: dict[str, CodeType]) -> None:
    path = _path(package)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        # Mode 0644 at most whatever the umask: a file others may write would not be read.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_MAGIC + marshal.dumps(table))
        os.replace(tmp, path)  # a process reading it meanwhile reads the old file or the new one
    except OSError:  # a read-only install, no __pycache__ (Python writes none there either)
        try:
            os.unlink(tmp)
        except OSError:
            pass
