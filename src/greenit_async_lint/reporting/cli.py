"""`greenit-async-lint report merge A.json B.json ... [--format F --output FILE]...`

The main CLI dispatches `report merge` here with the remaining words. Each `--format` pairs with
the `--output` at the same position; a format without an output goes to standard output (at most
one may). With no `--format`, the merged JSON report goes to the `--output` or standard output.
Exit status: 0 when written, 2 when an input cannot be read or is not a report (the message names
the file), and with `--gate`, 1 when the merged report fails the CI gate (`--max-violations`,
`--fail-on`, defaulting to the merged configuration).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from . import FORMATS, render
from .baseline import BaselineError, apply_baseline
from .gate import gate_exit_code
from .merge import merge_reports
from .model import FAIL_ON
from ..analysis.readfile import MAX_JSON_BYTES, MAX_JSON_DEPTH, Unreadable, json_depth_ok, read_text
from .validate import ReportError, validate_input
from .writefile import write_text

OUTPUT_FORMATS = ("json", *FORMATS)


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so that main() returns 2 itself."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ReportError(f"usage: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="greenit-async-lint report merge",
                     description="Merge JSON reports (CI shards, services, runtime hook) into one report.")
    parser.add_argument("reports", nargs="+", metavar="REPORT.json", help="JSON reports to merge ('-' reads stdin)")
    parser.add_argument("--format", action="append", default=[], choices=OUTPUT_FORMATS,
                        help="output format; repeat with --output for several outputs")
    parser.add_argument("--output", action="append", default=[], metavar="FILE",
                        help="file for the --format at the same position; '-' for stdout")
    parser.add_argument("--baseline", metavar="FILE", help="mark findings accepted in this baseline")
    parser.add_argument("--gate", action="store_true", help="exit 1 when the merged report fails the CI gate")
    parser.add_argument("--max-violations", type=int, default=None)
    parser.add_argument("--fail-on", choices=sorted(FAIL_ON), default=None)
    return parser


def report_merge_main(argv: Sequence[str], stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        args = build_parser().parse_args(list(argv))
        targets = _targets(args.format, args.output)
        inputs = [_load(path) for path in args.reports]
        try:
            merged = merge_reports(inputs)
        except (TypeError, KeyError, AttributeError) as exc:
            # validate_input checks what the merge relies on; a field it missed must still not
            # end in a traceback and exit 1 (which CI reads as "practice broken").
            raise ReportError(f"the inputs have a field of an unexpected type or shape ({type(exc).__name__}: "
                              f"{exc}); was each written by this version's check or runtime merge?") from exc
        if args.baseline:
            apply_baseline(merged, args.baseline)
            merged["config"]["baseline"] = args.baseline
        texts = [(target, _text(merged, fmt)) for fmt, target in targets]
    except (ReportError, BaselineError, ValueError) as exc:
        print(f"greenit-async-lint report merge: {exc}", file=err)
        return 2
    for target, text in texts:
        if target == "-":
            out.write(text)
        else:
            try:
                write_text(Path(target), text)  # atomically, as check writes its reports
            except OSError as exc:
                print(f"greenit-async-lint report merge: cannot write {target}: {exc}", file=err)
                return 2
    if args.gate:
        config = merged.get("config") or {}
        maximum = args.max_violations if args.max_violations is not None else int(config.get("max_violations") or 0)
        fail_on = args.fail_on or str(config.get("fail_on") or "violation")
        try:
            return gate_exit_code(merged, maximum, fail_on)
        except ValueError as exc:
            print(f"greenit-async-lint report merge: {exc}", file=err)
            return 2
    return 0


def _targets(formats: list[str], outputs: list[str]) -> list[tuple[str, str]]:
    if len(outputs) > max(len(formats), 1):
        raise ReportError("usage: each --output needs a --format before it")
    if not formats:
        formats = ["json"]
    targets = [(fmt, outputs[i] if i < len(outputs) else "-") for i, fmt in enumerate(formats)]
    if sum(1 for _, target in targets if target == "-") > 1:
        raise ReportError("usage: only one --format can go to standard output; give the others an --output")
    return targets


def _load(path: str) -> dict[str, Any]:
    """A report file, through the one reader (regular files only, size-limited) as depth-bounded JSON."""
    try:
        if path == "-":
            text = sys.stdin.read(MAX_JSON_BYTES + 1)
            if len(text) > MAX_JSON_BYTES:
                raise Unreadable(f"standard input: over the {MAX_JSON_BYTES}-byte limit")
        else:
            text = read_text(path, MAX_JSON_BYTES)
    except (Unreadable, OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"cannot read {exc}") from None  # the reader's reason names the file
    if not json_depth_ok(text):
        raise ReportError(f"{path} is not a report: its JSON is nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ReportError(f"{path} is not JSON: {exc}") from None
    return validate_input(document, path)


def _text(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    return render(report, fmt)


def main() -> int:  # pragma: no cover - convenience for `python -m greenit_async_lint.reporting.cli`
    return report_merge_main(sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
