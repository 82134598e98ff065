"""codecache.py: the code dataclasses generate is compiled once and kept beside the package's
bytecode; a kept file that is damaged, written by another Python or writable by others is not
read, and nothing is written where Python writes no bytecode."""
from __future__ import annotations

import collections
import dataclasses
import os
import subprocess
import sys
import types
import typing
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from greenit_async_lint.analysis import codecache

MODULE = "greenit_async_lint._codecache_probe"  # a module of the package: its dataclasses are kept


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """codecache installed, keeping its files in a folder of the test's own."""
    folder = tmp_path / "__pycache__"
    folder.mkdir()
    monkeypatch.setattr(codecache, "_FOLDER", folder)
    monkeypatch.setattr(codecache, "_tables", {})
    monkeypatch.setattr(codecache, "_changed", set())
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(dataclasses, "exec", codecache._exec, raising=False)
    return folder


@contextmanager
def _in_module(module_name: str, compiled: list[str]) -> Iterator[types.ModuleType]:
    """A module of that name, while what the kept code compiles is counted in `compiled`."""
    module = types.ModuleType(module_name)
    sys.modules[module_name] = module
    real_compile = compile

    def counting(source, *args, **kwargs):  # type: ignore[no-untyped-def]
        compiled.append(source)
        return real_compile(source, *args, **kwargs)

    codecache.compile = counting  # type: ignore[attr-defined]
    try:
        yield module
    finally:
        del codecache.compile  # type: ignore[attr-defined]
        del sys.modules[module_name]


def _make_class(compiled: list[str]) -> type:
    """A frozen dataclass made in a module of the package, counting what gets compiled."""
    with _in_module(MODULE, compiled):
        namespace: dict[str, object] = {"__module__": MODULE, "__annotations__": {"path": "str", "line": "int"},
                                        "line": 0}
        cls = type("Probe", (), namespace)
        return dataclasses.dataclass(frozen=True)(cls)


def _make_named_tuple(module_name: str, compiled: list[str]) -> type:
    """A NamedTuple class (string annotations, a default) made in `module_name`, counting what
    the kept code compiles, as codecache.install has typing and collections make it."""
    meta = getattr(typing, "NamedTupleMeta")
    saved = meta.__dict__["__new__"]
    meta.__new__ = staticmethod(codecache._named_tuple)
    typing.compile = codecache._compile  # type: ignore[attr-defined]
    collections.eval = codecache._eval  # type: ignore[attr-defined]
    try:
        with _in_module(module_name, compiled) as module:
            source = ("from __future__ import annotations\nfrom typing import NamedTuple, Optional\n"
                      "class Hop(NamedTuple):\n    path: str\n    line: Optional[int]\n    call: str = ''\n")
            exec(compile(source, module_name, "exec"), module.__dict__)
            return module.__dict__["Hop"]  # type: ignore[no-any-return]
    finally:
        meta.__new__ = saved
        del typing.compile, collections.eval  # type: ignore[attr-defined]


@pytest.mark.usefixtures("kept")
def test_a_named_tuple_made_through_the_kept_code_behaves_as_any() -> None:
    """Its annotations' code and its __new__'s are compiled once, then read back from the file."""
    compiled: list[str] = []
    hop = _make_named_tuple(MODULE, compiled)
    assert compiled, "nothing went through the cache: the test would prove nothing"
    codecache.save()
    codecache._tables.clear()
    again: list[str] = []
    hop2 = _make_named_tuple(MODULE, again)
    assert again == []
    plain = _make_named_tuple("other_package.probe", [])
    for made in (hop, hop2):
        assert made._fields == plain._fields and made._field_defaults == plain._field_defaults == {"call": ""}
        assert made("a.py", 3) == ("a.py", 3, "") and made("a.py", 3).line == 3
        assert made.__annotations__ == plain.__annotations__  # the same ForwardRefs


@pytest.mark.usefixtures("kept")
def test_other_packages_named_tuples_are_left_alone() -> None:
    compiled: list[str] = []
    _make_named_tuple("other_package.probe", compiled)
    assert compiled == [] and codecache._changed == set()


@pytest.mark.usefixtures("kept")
def test_a_dataclass_made_through_the_kept_code_behaves_as_any() -> None:
    compiled: list[str] = []
    probe = _make_class(compiled)
    assert compiled, "nothing went through the cache: the test would prove nothing"
    a, b = probe("app.py", 3), probe("app.py")  # type: ignore[call-arg]
    assert (a.path, a.line, b.line) == ("app.py", 3, 0)
    assert a == probe("app.py", 3) and a != b and hash(a) == hash(probe("app.py", 3))  # type: ignore[call-arg]
    assert repr(a) == "Probe(path='app.py', line=3)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.line = 4  # type: ignore[misc]


def test_each_text_is_compiled_once_then_read_from_the_kept_file(kept: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first: list[str] = []
    _make_class(first)
    codecache.save()
    files = list(kept.iterdir())
    assert [f.name for f in files] == [f"dataclass-code.greenit_async_lint.{sys.implementation.cache_tag}.marshal"]
    assert not files[0].stat().st_mode & 0o022  # nobody else may write it: it would not be read
    again: list[str] = []
    _make_class(again)
    assert again == []  # the same process: compiled once
    monkeypatch.setattr(codecache, "_tables", {})  # as a new process
    later: list[str] = []
    probe = _make_class(later)
    assert later == [] and probe("x.py", 1).line == 1  # type: ignore[call-arg]


def test_other_packages_dataclasses_are_left_alone(kept: Path) -> None:
    @dataclasses.dataclass
    class Elsewhere:  # this test module's: not a kept package
        name: str

    assert Elsewhere("a") == Elsewhere("a")
    codecache.save()
    assert list(kept.iterdir()) == []


@pytest.mark.parametrize("damage", ["garbage", "other python", "other release", "writable by others", "not a table"])
def test_a_file_that_cannot_be_trusted_or_read_is_compiled_anew(kept: Path, damage: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _make_class([])
    codecache.save()
    path = next(kept.iterdir())
    if damage == "garbage":
        path.write_bytes(codecache._MAGIC + b"\x00\xffnot marshal")
    elif damage == "other python":
        path.write_bytes(b"GALDC\x00\x00\x00\x00" + path.read_bytes()[9:])
    elif damage == "other release":
        path.write_bytes(path.read_bytes()[:9] + b"0.0.1\0" + path.read_bytes()[len(codecache._MAGIC):])
    elif damage == "writable by others":
        path.chmod(0o666)
    else:
        import marshal
        path.write_bytes(codecache._MAGIC + marshal.dumps({"def f(): pass": "not code"}))
    monkeypatch.setattr(codecache, "_tables", {})
    compiled: list[str] = []
    probe = _make_class(compiled)
    assert compiled and probe("a.py", 2).line == 2  # type: ignore[call-arg]


def test_nothing_is_written_where_python_writes_no_bytecode(kept: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    _make_class([])
    codecache.save()
    assert list(kept.iterdir()) == []


def test_a_user_who_does_not_own_the_package_writes_nothing(kept: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another user of a shared install would replace the owner's file with one nobody reads."""
    monkeypatch.setattr(os, "getuid", lambda: os.stat(codecache.__file__).st_uid + 1)
    _make_class([])
    codecache.save()
    assert list(kept.iterdir()) == []


def test_an_unwritable_folder_is_no_error(kept: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codecache, "_FOLDER", kept / "missing")
    _make_class([])
    codecache.save()  # no error, nothing written
    assert list(kept.iterdir()) == []


def test_the_command_line_keeps_the_code_of_its_dataclasses(tmp_path: Path) -> None:
    """A real run, in a copy of the package, keeps its own classes' code in the copy's
    __pycache__, and the next run compiles none of them."""
    import shutil

    import greenit_async_lint

    package = Path(greenit_async_lint.__file__).parent
    copy = tmp_path / "site" / "greenit_async_lint"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "app.py").write_text("def f():\n    return 1\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    probe = ("import sys; from greenit_async_lint.analysis import codecache; import greenit_async_lint.cli; "
             "print(codecache.__file__, sorted(codecache._changed)); sys.exit(greenit_async_lint.leave.leave(0))")
    run = [sys.executable, "-c", f"import greenit_async_lint.leave; {probe}"]
    first = subprocess.run(run, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split(None, 1) == [str(copy / "analysis" / "codecache.py"), "['greenit_async_lint']\n"]  # compiled
    kept_file = copy / "analysis" / "__pycache__" / f"dataclass-code.greenit_async_lint.{sys.implementation.cache_tag}.marshal"
    assert kept_file.is_file()
    second = subprocess.run(run, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert second.stdout.split(None, 1)[1] == "[]\n"  # nothing compiled: every class's code was kept
    check = subprocess.run([sys.executable, "-m", "greenit_async_lint", "check", "--no-cache", "--allow-empty", "app.py"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr


def test_the_flake8_plugin_makes_its_dataclasses_from_kept_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Editors run flake8 on every save: the plugin installs the kept code when it is imported,
    and keeps what its first analysis compiled."""
    from greenit_async_lint import flake8_plugin
    from greenit_async_lint.config import Config

    assert dataclasses.exec is codecache._exec  # type: ignore[attr-defined]
    saved: list[bool] = []
    monkeypatch.setattr(codecache, "save", lambda: saved.append(True))
    monkeypatch.setattr(flake8_plugin, "_MEMO", {})
    (tmp_path / "app.py").write_text("def f():\n    return 1\n")
    monkeypatch.chdir(tmp_path)
    path = str(tmp_path / "app.py")
    assert flake8_plugin.findings_for(path, lambda: None, (path,), Config(cache=False)) == []
    assert saved == [True]
