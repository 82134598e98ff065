"""Report outputs: every format a report can be written in, the CI gate, baselines and merging.

The checker and the runtime hook produce a report as a plain dict (the JSON report contract,
described in docs/ci.md); everything here is a pure function of such dicts:

- `render(report, fmt)` for `fmt` in `FORMATS` (the CLI writes the `json` format itself);
- `gate.gate_exit_code(report, max_violations, fail_on)`;
- `baseline.fingerprint / write_baseline / apply_baseline`;
- `merge.merge_reports(reports)`, and `cli.report_merge_main(argv)` for `report merge`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Final

from .github import render_github
from .gitlab import render_gitlab
from .html_report import render_html
from .junit import render_junit
from .markdown_report import render_markdown
from .model import Report
from .sarif import render_sarif

_RENDERERS: Final[dict[str, Callable[[Report], str]]] = {
    "sarif": render_sarif,
    "junit": render_junit,
    "github": render_github,
    "markdown": render_markdown,
    "html": render_html,
    "gitlab": render_gitlab,
}

FORMATS: Final = tuple(_RENDERERS)

#: File names the CLI can suggest when `--output` is a directory or for docs.
EXTENSIONS: Final = {"sarif": ".sarif", "junit": ".xml", "github": ".txt", "markdown": ".md",
                     "html": ".html", "gitlab": ".json"}


def render(report: Report, fmt: str) -> str:
    """The report in format `fmt`, as text; ValueError names the known formats otherwise."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}") from None
    if report.get("kind") == "runtime":
        # A runtime-hook report has its own finding shape; merging it alone gives the common one.
        from .merge import merge_reports

        report = merge_reports([dict(report)])
    return renderer(report)


__all__ = ["EXTENSIONS", "FORMATS", "render"]
