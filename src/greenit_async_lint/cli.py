"""Command line: `greenit-async-lint check|fix|runtime|report ...`.

`main(argv) -> int`: 0 when practice 112 holds, 1 when it is broken (or fixes were written, for
`fix --apply`), 2 for a usage or configuration error.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from . import __version__
from .config import Config, ConfigError, check_code_prefixes, load_config
from .catalogue.schema import CatalogueError

CORE_FORMATS = ("text", "json")


class _FormatAction(argparse.Action):
    """`--format F` starts a report; the next `--output FILE` says where it goes (stdout otherwise)."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        reports = getattr(namespace, "reports", None) or []
        if option_string == "--format":
            reports.append([values, None])
        else:
            if reports and reports[-1][1] is None:
                reports[-1][1] = values
            else:
                reports.append(["text", values])
        namespace.reports = reports


def _formats() -> tuple[str, ...]:
    try:
        from .reporting import FORMATS
    except ImportError:
        return CORE_FORMATS
    return CORE_FORMATS + tuple(FORMATS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="greenit-async-lint",
        description="Check Python web code against GreenIT best practice 112: no synchronous request "
                    "processing longer than one minute.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="find request handlers and the long or blocking work they reach")
    check.add_argument("paths", nargs="*", help="files or folders (default: the current folder)")
    check.add_argument("--config", help="configuration file (default: the nearest pyproject.toml)")
    check.add_argument("--format", dest="reports", action=_FormatAction, choices=_formats(),
                       help="report format; repeat with --output to write several reports in one run")
    check.add_argument("--output", dest="reports", action=_FormatAction, metavar="FILE",
                       help="write the preceding --format report to FILE")
    check.add_argument("--select", help="comma-separated code prefixes to report (default: all)")
    check.add_argument("--ignore", help="comma-separated code prefixes to leave out")
    check.add_argument("--exclude", action="append", default=[], help="glob of paths to skip (repeatable)")
    check.add_argument("--max-depth", type=int, help="how many calls deep to follow (default 8)")
    check.add_argument("--no-loop-amplification", action="store_true",
                       help="do not treat blocking calls in unbounded loops as heavy")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the summary cache")
    check.add_argument("--jobs", type=int, help="worker processes for parsing (default: one per core)")
    check.add_argument("--baseline", help="accept the violations recorded in this baseline file")
    check.add_argument("--write-baseline", metavar="FILE", help="record the current findings as the baseline")
    check.add_argument("--fail-on", choices=("violation", "warning"), help="what fails the run (default: violation)")
    check.add_argument("--max-violations", type=int, help="violations allowed before failing (default 0)")
    check.add_argument("--runtime-report", metavar="FILE",
                       help="join a runtime-hook report: measured durations per handler")
    check.set_defaults(reports=None)

    runtime = sub.add_parser("runtime", help="runtime hook tools (merge shards)", add_help=False)
    runtime.add_argument("rest", nargs=argparse.REMAINDER)
    report = sub.add_parser("report", help="merge JSON reports into one", add_help=False)
    report.add_argument("rest", nargs=argparse.REMAINDER)
    fix = sub.add_parser("fix", help="print or apply fixes towards asynchronous patterns", add_help=False)
    fix.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _config(args: argparse.Namespace) -> Config:
    config = load_config(args.config, Path.cwd())
    if args.select:
        config.select = check_code_prefixes(args.select.split(","), "--select")
    if args.ignore:
        config.ignore = check_code_prefixes(args.ignore.split(","), "--ignore")
    config.exclude = [*config.exclude, *args.exclude]
    if args.max_depth is not None:
        if args.max_depth < 1:
            raise ConfigError("--max-depth", "must be at least 1")
        config.max_depth = args.max_depth
    if args.no_loop_amplification:
        config.loop_amplification = False
    if args.no_cache:
        config.cache = False
    if args.jobs is not None:
        config.jobs = max(args.jobs, 0)
    if args.baseline:
        config.baseline = args.baseline
    if args.fail_on:
        config.fail_on = args.fail_on
    if args.max_violations is not None:
        config.max_violations = args.max_violations
    return config


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Sub-commands with their own parsers get their arguments untouched: argparse's REMAINDER
    # would reject an option right after the command (`fix --apply FILE`, as pre-commit runs it).
    if argv and argv[0] == "runtime":
        from .runtime.cli import main as runtime_main
        return runtime_main(argv[1:])
    if argv and argv[0] == "report":
        return _report(argv[1:])
    if argv and argv[0] == "fix":
        from .fix.cli import main as fix_main
        return fix_main(argv[1:])
    parser = build_parser()
    if not argv:
        argv = ["check"]
    args = parser.parse_args(argv)
    try:
        config = _config(args)
        from .check import run_check
        return run_check(args, config)
    except (ConfigError, CatalogueError) as exc:
        print(f"greenit-async-lint: error: {exc}", file=sys.stderr)
        return 2


def _report(rest: list[str]) -> int:
    if not rest or rest[0] != "merge":
        print("greenit-async-lint: error: usage: greenit-async-lint report merge A.json B.json ... "
              "[--format F --output FILE]", file=sys.stderr)
        return 2
    from .reporting.cli import report_merge_main
    return report_merge_main(rest[1:])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
