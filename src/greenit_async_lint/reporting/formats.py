"""Every output format, declared once: its name, file extension, renderer and whether it carries fix diffs.

`check --format`, `report merge --format`, this package's `FORMATS` and the choice of which runs
pay for fix diffs all read this table: a new format is one entry here (and its renderer), and
cannot be half-added (before, a format missing from the checker's list of diff-carrying formats
silently lost its fixes). `text` and `json` are the checker's own formats (rendered by the front
end, greenit_async_lint/formats.py); every other one is rendered by a module of this package.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional


@dataclass(frozen=True)
class OutputFormat:
    """A report format: its name, file extension, renderer and whether it shows fix diffs."""

    name: str
    extension: str
    renderer: Optional[str]  # "module:function" of this package, imported on first use; None: the checker's own
    carries_fixes: bool  # the report shows fix diffs, so a run writing it pays for computing them
    help: str

    @property
    def core(self) -> bool:
        """Written by the checker itself (text, json), not by `report merge`'s renderers."""
        return self.renderer is None

    def render(self, data: Mapping[str, Any]) -> str:
        if self.renderer is None:
            raise ValueError(f"the {self.name} format is written by the checker, not by the reporting package")
        module, _sep, function = self.renderer.partition(":")
        renderer: Callable[[Mapping[str, Any]], str] = getattr(importlib.import_module(module, __package__), function)
        return renderer(data)


REGISTRY: tuple[OutputFormat, ...] = (
    OutputFormat("text", ".txt", None, False, "one finding a line, whether it fails the gate, a summary last (the default)"),
    OutputFormat("json", ".json", None, True, "the JSON report contract (docs/ci.md)"),
    OutputFormat("sarif", ".sarif", ".sarif:render_sarif", True, "SARIF 2.1.0 for GitHub code scanning"),
    OutputFormat("junit", ".xml", ".junit:render_junit", False, "JUnit XML, one test case per handler"),
    OutputFormat("github", ".txt", ".github:render_github", False, "GitHub Actions annotations"),
    OutputFormat("markdown", ".md", ".markdown_report:render_markdown", False,
                 "a Markdown compliance report for a pull request comment or a job summary"),
    OutputFormat("html", ".html", ".html_report:render_html", False, "a self-contained HTML compliance report"),
    OutputFormat("gitlab", ".json", ".gitlab:render_gitlab", False, "GitLab Code Quality"),
)
BY_NAME: dict[str, OutputFormat] = {f.name: f for f in REGISTRY}
NAMES: tuple[str, ...] = tuple(BY_NAME)
