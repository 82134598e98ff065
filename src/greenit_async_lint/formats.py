"""Every output format, declared once: its name, file extension, renderer and whether it carries fix diffs.

`check --format`, `report merge --format`, the reporting package's `FORMATS` and the choice of
which runs pay for fix diffs all read this table: a new format is one entry here (and its
renderer), and cannot be half-added (before, a format missing from the checker's list of
diff-carrying formats silently lost its fixes).
"""
from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class OutputFormat:
    name: str
    extension: str
    renderer: str  # "module:function", imported on first use: html and sarif pull in more code than text
    carries_fixes: bool  # the report shows fix diffs, so a run writing it pays for computing them
    core: bool  # written by the checker itself (not a `reporting` format that `report merge` writes)
    help: str

    def render(self, data: Mapping[str, Any]) -> str:
        module, _sep, function = self.renderer.partition(":")
        renderer: Callable[[Mapping[str, Any]], str] = getattr(importlib.import_module(module), function)
        return renderer(data)


def render_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


REGISTRY: tuple[OutputFormat, ...] = (
    OutputFormat("text", ".txt", "greenit_async_lint.output:text", False, True,
                 "one finding a line, whether it fails the gate, a summary last (the default)"),
    OutputFormat("json", ".json", "greenit_async_lint.formats:render_json", True, True,
                 "the JSON report contract (docs/ci.md)"),
    OutputFormat("sarif", ".sarif", "greenit_async_lint.reporting.sarif:render_sarif", True, False,
                 "SARIF 2.1.0 for GitHub code scanning"),
    OutputFormat("junit", ".xml", "greenit_async_lint.reporting.junit:render_junit", False, False,
                 "JUnit XML, one test case per handler"),
    OutputFormat("github", ".txt", "greenit_async_lint.reporting.github:render_github", False, False,
                 "GitHub Actions annotations"),
    OutputFormat("markdown", ".md", "greenit_async_lint.reporting.markdown_report:render_markdown", False, False,
                 "a Markdown summary for a pull request comment or a job summary"),
    OutputFormat("html", ".html", "greenit_async_lint.reporting.html_report:render_html", False, False,
                 "a self-contained HTML report with filters"),
    OutputFormat("gitlab", ".json", "greenit_async_lint.reporting.gitlab:render_gitlab", False, False,
                 "GitLab Code Quality"),
)
BY_NAME: dict[str, OutputFormat] = {f.name: f for f in REGISTRY}
NAMES: tuple[str, ...] = tuple(BY_NAME)


def render(name: str, data: dict[str, Any]) -> str:
    """The report in format `name`; ValueError names the known formats otherwise."""
    fmt = BY_NAME.get(name)
    if fmt is None:
        raise ValueError(f"unknown report format {name!r}; choose from {', '.join(NAMES)}")
    if not fmt.core:
        from .reporting import render as render_report  # handles runtime-hook reports too
        return render_report(data, name)
    return fmt.render(data)


def carries_fixes(names: set[str]) -> bool:
    return any(BY_NAME[name].carries_fixes for name in names if name in BY_NAME)
