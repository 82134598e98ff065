"""Render each rule's doc page (docs/rules/<CODE>.md) from rules/codes.yaml.

`python -m greenit_async_lint.docs [DIR]` writes the pages (and DIR/../frameworks.md, the framework
file reference); the tests compare them with a fresh rendering, so the pages never drift.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from . import framework_docs
from .catalogue import CodeInfo, default_catalogue

GROUPS = (("GAL1", "Work in the request path"), ("GAL2", "Fake offloads"), ("GAL3", "Measured by the runtime hook"),
          ("GAL9", "Files that could not be analysed"))


# The examples' annotations carry the test's severity marker (`# GAL106!`); a reader gets words.
_MARKED = re.compile(r"(GAL\d{3})(!!|!|\?)(?=[ ,]|$)")
_SEVERITY = {"!!": "error", "!": "violation", "?": "warning"}


def _readable(example: str) -> str:
    return "\n".join(_MARKED.sub(lambda m: f"{m.group(1)} ({_SEVERITY[m.group(2)]})", line) if "# GAL" in line
                     else line for line in example.splitlines())


def _fence(code: str) -> str:
    return f"```python\n{code.rstrip()}\n```\n"


def page(info: CodeInfo) -> str:
    parts = [
        f"# {info.code} {info.name}\n",
        "## What it finds\n",
        f"A file that {info.found}." if info.code.startswith("GAL9")
        else f"A request that {info.found}, measured by the runtime hook (see docs/runtime.md)."
        if info.code.startswith("GAL3")
        else f"A call that {info.found}, reached from a request handler directly or through helpers.",
        *(["\n## What counts\n", info.details.strip()] if info.details.strip() else []),
        "\n## Why it breaks practice 112\n",
        f"{info.why[0].upper()}{info.why[1:]}. GreenIT best practice 112 asks that long processing triggered "
        "by a user run asynchronously: the number of synchronous request processings that take more "
        "than one minute must be 0.\n",
        "## What to do\n",
        f"{info.fix}.\n",
    ]
    if info.bad.strip():
        parts += ["## Example\n", _fence(_readable(info.bad))]
    if info.good.strip():
        parts += ["## Use instead\n", _fence(info.good)]
    if info.config:
        lines = "\n".join(f"{key} = {value!r}".replace("'", '"') for key, value in info.config.items())
        parts += ["## Configuration used by the example\n", f"```toml\n[tool.greenit-async-lint]\n{lines}\n```\n"]
    parts.append(f"Silence one line with `# noqa: {info.code}`, or the whole code with "
                 f"`ignore = [\"{info.code}\"]` in `[tool.greenit-async-lint]`.\n")
    return "\n".join(parts)


def index() -> str:
    codes = default_catalogue().codes
    lines = ["# Rules\n", "Generated from `rules/codes.yaml` by `python -m greenit_async_lint.docs`.\n"]
    for prefix, title in GROUPS:
        lines.append(f"## {title}\n")
        lines.append("| code | name | fix |")
        lines.append("| --- | --- | --- |")
        for code, info in sorted(codes.items()):
            if code.startswith(prefix):
                lines.append(f"| [{code}]({code}.md) | {info.name} | {info.fix} |")
        lines.append("")
    return "\n".join(lines)


def render_all() -> dict[str, str]:
    pages = {f"{code}.md": page(info) for code, info in default_catalogue().codes.items()}
    pages["README.md"] = index()
    return pages


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("docs/rules")
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in render_all().items():
        (folder / name).write_text(content, "utf-8")
    (folder.parent / "frameworks.md").write_text(framework_docs.render(), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
