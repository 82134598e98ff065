"""Report outputs: every format a report can be written in, the CI gate, baselines and merging.

The checker and the runtime hook produce a report as a plain dict (the JSON report contract,
described in docs/ci.md); everything here is a pure function of such dicts:

- `render(report, fmt)` for `fmt` in `FORMATS` (the CLI writes the `json` format itself);
- `gate.gate_exit_code(report, max_violations, fail_on)`;
- `baseline.fingerprint / write_baseline / apply_baseline`;
- `merge.merge_reports(reports)`, and `cli.report_merge_main(argv)` for `report merge`;
- `writefile.write_text(path, text)`: how a report or a baseline reaches the file the user named.
"""
from __future__ import annotations

from typing import Final

from .formats import BY_NAME, REGISTRY
from .model import Report

# The formats this package renders (the checker writes text and json itself); each is declared
# once, with its renderer and extension, in formats.REGISTRY.
FORMATS: Final = tuple(f.name for f in REGISTRY if not f.core)

#: File names the CLI can suggest when `--output` is a directory or for docs.
EXTENSIONS: Final = {name: BY_NAME[name].extension for name in FORMATS}


def render(report: Report, fmt: str) -> str:
    """The report in format `fmt`, as text; ValueError names the known formats otherwise."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}")
    if report.get("kind") == "runtime":
        # A runtime-hook report has its own finding shape; merging it alone gives the common one.
        from .merge import merge_reports

        report = merge_reports([dict(report)])
    return BY_NAME[fmt].render(report)


__all__ = ["EXTENSIONS", "FORMATS", "render"]
