"""The chains real applications reach awaited work through (issue 11), one small program each:

- a module global declared with a base type (`backend: Backend = local_backend`, replaced at
  start-up) holds any subclass: its stub method reaches the overrides (a medium-confidence guess);
- a method alias in a class body (`start_kernel = _async_start_kernel`) is that method;
- a typed trait (`kernel_manager = Instance("app.KernelManager")`, rules/imports.yaml) holds an
  instance of the class it names;
- a `with` block that ends the loop (`for url in mirrors: try: async with ... : return body`) runs
  its calls once, like the retry loops loopshape.py already knows.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.analysis.loopshape import leaves_after
from greenit_async_lint.config import Config

HEAD = "import asyncio\nimport httpx\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"


def _findings(tmp_path: Path, source: str) -> set[tuple[int, str, str, str]]:
    (tmp_path / "app.py").write_text(HEAD + source, "utf-8")
    report = analyse(["."], Config.from_mapping({"cache": False, "jobs": 1}), cwd=tmp_path)
    offset = HEAD.count("\n")
    return {(f.line - offset, f.code, f.severity, f.confidence) for f in report.findings}


BACKENDS = ("class Backend:\n    async def status(self):\n        raise NotImplementedError\n\n\n"
            "class Local(Backend):\n    async def status(self):\n        return {}\n\n\n"
            "class Node(Backend):\n    async def status(self):\n"
            "        return (await httpx.AsyncClient().get('https://node.example.com')).json()\n\n\n"
            "local = Local()\n")


@pytest.mark.parametrize("declaration, expected", [
    ("backend: Backend = local\n", {(22, "GAL106", "warning", "medium")}),  # the declared base: any backend
    ("backend = local\n", set()),  # no declaration: the default is all the code says
])
def test_a_module_global_declared_with_a_base_holds_any_subclass(tmp_path: Path, declaration: str,
                                                                 expected: set) -> None:
    src = BACKENDS + declaration + "\n\n@app.get('/health')\nasync def health():\n    return await backend.status()\n"
    assert _findings(tmp_path, src) == expected


def test_a_local_declared_with_a_base_keeps_its_value(tmp_path: Path) -> None:
    """Only a module global is rebound elsewhere (`global`); a local's value is what it holds."""
    src = BACKENDS + ("\n\n@app.get('/health')\nasync def health():\n    backend: Backend = local\n"
                      "    return await backend.status()\n")
    assert _findings(tmp_path, src) == set()


def test_a_method_alias_in_a_class_body_is_that_method(tmp_path: Path) -> None:
    src = ("class Kernels:\n    async def _async_start(self, name):\n"
           "        await asyncio.create_subprocess_exec('python', '-m', 'ipykernel', name)\n\n"
           "    start = _async_start\n\n\nkernels = Kernels()\n\n\n"
           "@app.post('/kernels')\nasync def start(name: str):\n    await kernels.start(name)\n")
    assert _findings(tmp_path, src) == {(13, "GAL107", "warning", "high")}


def test_a_typed_trait_holds_an_instance_of_the_class_it_names(tmp_path: Path) -> None:
    (tmp_path / "kernels.py").write_text("import asyncio\n\n\nclass Kernels:\n    async def start(self, name):\n"
                                         "        await asyncio.create_subprocess_exec('python', '-m', name)\n")
    src = ("from traitlets import Instance\n\n\nclass Sessions:\n    kernels = Instance('kernels.Kernels')\n\n"
           "    async def create(self, name):\n        await self.kernels.start(name)\n\n\n"
           "@app.post('/sessions')\nasync def create(name: str):\n    await Sessions().create(name)\n")
    assert _findings(tmp_path, src) == {(13, "GAL107", "warning", "high")}


FALLBACK = ("async def first(urls):\n    for url in urls:\n        try:\n"
            "            async with httpx.AsyncClient() as client:\n"
            "                async with client.stream('GET', url) as reply:\n"
            "                    return await reply.aread(){tail}\n"
            "        except httpx.HTTPError:\n            pass\n\n\n"
            "@app.get('/mirror')\nasync def mirror(urls: list[str]):\n    return await first(urls)\n")


@pytest.mark.parametrize("tail, severity", [
    ("", "warning"),  # the first mirror that answers ends the loop: one call
    ("\n                    found.append(reply)", "violation"),  # the block does not end the loop: one per url
])
def test_a_with_block_that_ends_the_loop_runs_once(tmp_path: Path, tail: str, severity: str) -> None:
    src = FALLBACK.replace("{tail}", tail)
    if tail:
        src = src.replace("return await reply.aread()", "await reply.aread()")
    assert {(s, c) for _l, c, s, _conf in _findings(tmp_path, src)} == {(severity, "GAL106")}


@pytest.mark.parametrize("source, expected", [
    ("with a() as x:\n    return x", "return"),
    ("with a() as x:\n    with b(x) as y:\n        y.read()\n        break", "break"),
    ("with a() as x:\n    x.read()", ""),
    ("with a() as x:\n    if x:\n        return x", ""),  # a conditional exit: the loop may go on
    ("with a() as x:\n    if not x:\n        continue\n    return x", ""),  # a skipped element goes on
])
def test_leaves_after_a_with_block(source: str, expected: str) -> None:
    loop = ast.parse(f"for u in us:\n" + "".join(f"    {line}\n" for line in source.splitlines()))
    body = loop.body[0].body  # type: ignore[attr-defined]
    assert leaves_after(body[0], None) == expected
