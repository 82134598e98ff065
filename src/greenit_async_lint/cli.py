"""Command line: `greenit-async-lint check|fix|runtime|report ...`.

`main(argv) -> int`: 0 when practice 112 holds, 1 when it is broken (or fixes were written, for
`fix --apply`), 2 for a usage or configuration error.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

from . import __version__
from .config import Config, ConfigError, check_code_prefixes, load_config
from .catalogue.schema import CatalogueError
from .destinations import ReportAction, UsageError, pair, preflight
from .formats import NAMES

ISSUES_URL = "https://github.com/greenit-async-lint/greenit-async-lint/issues"


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, sized as it sizes it (shutil.get_terminal_size) without importing
    shutil: argparse makes one for each argument added, and shutil's imports (its compressors) were
    a millisecond of every check's start."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: Optional[int] = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


def _columns() -> int:
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        formatter_class=_Formatter,
        prog="greenit-async-lint",
        description="Check Python web code against GreenIT best practice 112: no synchronous request "
                    "processing longer than one minute.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="find request handlers and the long or blocking work they reach",
                           formatter_class=_Formatter)
    check.add_argument("paths", nargs="*", help="files or folders (default: the current folder)")
    check.add_argument("--config", help="configuration file (default: the nearest pyproject.toml)")
    check.add_argument("--format", dest="report_events", action=ReportAction, metavar="FORMAT[=FILE]",
                       help=f"report format ({', '.join(NAMES)}); FORMAT=FILE writes it to FILE; repeat for "
                            "several reports in one run (at most one on standard output)")
    check.add_argument("-o", "--output", dest="report_events", action=ReportAction, metavar="FILE",
                       help="write the preceding --format report (or the only one) to FILE")
    check.add_argument("--show-baselined", action="store_true",
                       help="list the findings the baseline accepts too (they are only counted otherwise)")
    check.add_argument("--allow-empty", action="store_true",
                       help="exit 0 when there is no Python file to check (otherwise an error, exit 2)")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text report (auto: on a terminal, unless NO_COLOR is set; "
                            "FORCE_COLOR forces it)")
    check.add_argument("-v", "--verbose", action="store_true", help="print a traceback on an internal error")
    check.add_argument("--no-respect-gitignore", action="store_true",
                       help="also check files that the project's .gitignore files ignore")
    check.add_argument("--disable-noqa", action="store_true", help="report findings silenced by `# noqa` comments too")
    check.add_argument("--show-settings", action="store_true",
                       help="print the resolved configuration and the file it came from, then exit")
    check.add_argument("--select", help="comma-separated code prefixes to report (default: all)")
    check.add_argument("--ignore", help="comma-separated code prefixes to leave out")
    check.add_argument("--exclude", action="append", default=[], help="glob of paths to skip (repeatable)")
    check.add_argument("--max-depth", type=int, help="how many calls deep to follow (default 8)")
    check.add_argument("--min-confidence", choices=("low", "medium", "high"),
                       help="report findings at least this sure (default medium; low adds work under "
                            "create-if-missing, debug/trace/test or retry guards)")
    check.add_argument("--no-loop-amplification", action="store_true",
                       help="do not treat blocking calls in unbounded loops as heavy")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the summary cache")
    check.add_argument("--jobs", type=int, help="processes for parsing and fix diffs (default: one per core; 1: none forked)")
    check.add_argument("--baseline", help="accept the violations recorded in this baseline file")
    check.add_argument("--write-baseline", metavar="FILE", help="record the current findings as the baseline")
    check.add_argument("--fail-on", choices=("violation", "warning"), help="what fails the run (default: violation)")
    check.add_argument("--max-violations", type=int, help="violations allowed before failing (default 0)")
    check.add_argument("--fail-on-unresolved", type=int, metavar="N",
                       help="fail when more than N route registrations could not be followed to their views")
    check.add_argument("--show-unresolved", action="store_true",
                       help="list the route registrations whose views could not be followed (text format)")
    check.add_argument("--runtime-report", metavar="FILE",
                       help="join a runtime-hook report: measured durations per handler")
    check.set_defaults(report_events=None)

    # These sub-commands have parsers of their own, which main() hands their words to (each
    # answers its own --help); they are declared here so that the top-level --help lists them.
    sub.add_parser("fix", help="print or apply fixes towards asynchronous patterns (fix --help)", add_help=False)
    sub.add_parser("runtime", help="runtime hook tools: merge shards (runtime --help)", add_help=False)
    sub.add_parser("report", help="merge JSON reports into one (report merge --help)", add_help=False)
    return parser


def _color(choice: str) -> bool:
    """https://no-color.org and FORCE_COLOR, then whether standard output is a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def show_settings(config: Config) -> str:
    """The resolved configuration, key by key as it would be written in TOML, and where it came from."""
    import json
    from dataclasses import fields

    lines = [f"# from {config.source or 'the defaults (no configuration file found)'}"]
    if config.root:
        lines.append(f"# patterns with a '/' are relative to {config.root}")
    lines.append("[tool.greenit-async-lint]")
    for f in fields(config):
        if f.name not in ("source", "root"):
            value = getattr(config, f.name)
            lines.append(f"{f.name.replace('_', '-')} = {json.dumps(value) if value is not None else '# (not set)'}")
    return "\n".join(lines) + "\n"


def _note_limited_reach(paths: Sequence[str]) -> None:
    """Files given one by one are checked with calls followed through their whole project; when no
    project marker says where that is, say how far calls were followed."""
    from .analysis.discovery import ROOT_MARKERS, project_root

    if not paths or not all(os.path.isfile(p) for p in paths):
        return
    root, found = project_root(Path(paths[0]).resolve())
    if not found:
        print(f"greenit-async-lint: note: no project marker ({', '.join(ROOT_MARKERS[:4])}, ...) above {paths[0]} "
              f"below your home folder: calls are followed only within {root}; add a pyproject.toml at the "
              "project's root to follow them across the project", file=sys.stderr)


def missing_paths(paths: Sequence[str]) -> Optional[str]:
    """The first path that does not exist, as a one-line error (ruff and flake8 exit 2 as well)."""
    for path in paths:
        if path != "-" and not os.path.lexists(path):
            return f"{path}: no such file or folder"
    return None


def _config(args: argparse.Namespace) -> Config:
    # As ruff: the configuration nearest to what is checked, not to where the command runs.
    config = load_config(args.config, Path(args.paths[0]) if args.paths else Path.cwd())
    if args.select:
        config.select = check_code_prefixes(args.select.split(","), "--select")
    if args.ignore:
        config.ignore = check_code_prefixes(args.ignore.split(","), "--ignore")
    config.exclude = [*config.exclude, *args.exclude]
    if args.max_depth is not None:
        if args.max_depth < 1:
            raise ConfigError("--max-depth", "must be at least 1")
        config.max_depth = args.max_depth
    if args.min_confidence:
        config.min_confidence = args.min_confidence
    if args.no_loop_amplification:
        config.loop_amplification = False
    if args.no_cache:
        config.cache = False
    if args.no_respect_gitignore:
        config.respect_gitignore = False
    if args.disable_noqa:
        config.disable_noqa = True
    if args.jobs is not None:
        config.jobs = max(args.jobs, 0)
    if args.baseline:
        config.baseline = args.baseline
    if args.fail_on:
        config.fail_on = args.fail_on
    if args.max_violations is not None:
        config.max_violations = args.max_violations
    if args.fail_on_unresolved is not None:
        if args.fail_on_unresolved < 0:
            raise ConfigError("--fail-on-unresolved", "must be 0 or more")
        config.fail_on_unresolved = args.fail_on_unresolved
    return config


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = any(a in ("-v", "--verbose") for a in argv)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("greenit-async-lint: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - exit 1 would read as "practice 112 broken" in CI
        if verbose:
            import traceback
            traceback.print_exc()
        where = "" if verbose else "; run again with --verbose for the traceback"
        print(f"greenit-async-lint: internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
              f" (please report it at {ISSUES_URL} with the command{where})", file=sys.stderr)
        return 2


def _main(argv: list[str]) -> int:
    # Sub-commands with their own parsers get their arguments untouched: argparse's REMAINDER
    # would reject an option right after the command (`fix --apply FILE`, as pre-commit runs it).
    if argv and argv[0] == "runtime":
        from .runtime.cli import main as runtime_main
        return runtime_main(argv[1:])
    if argv and argv[0] == "report":
        return _report(argv[1:])
    if argv and argv[0] == "fix":
        return _fix([a for a in argv[1:] if a not in ("-v", "--verbose")])
    parser = build_parser()
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["check", *argv]
    args = parser.parse_args(argv)
    try:
        missing = missing_paths(args.paths)
        if missing:
            raise UsageError(missing)
        args.targets = pair(args.report_events or [])
        preflight(args.targets)
        args.color = _color(args.color)
        config = _config(args)
        if args.show_settings:
            sys.stdout.write(show_settings(config))
            return 0
        _note_limited_reach(args.paths)
        from .analysis.discovery import shared_walks
        from .check import run_check
        with shared_walks():  # the fix layer's queue detection lists the files the check listed
            return run_check(args, config)
    except (ConfigError, CatalogueError, UsageError) as exc:
        print(f"greenit-async-lint: error: {exc}", file=sys.stderr)
        return 2


def _fix(rest: list[str]) -> int:
    from .fix.cli import build_parser as fix_parser, main as fix_main
    try:
        known, _unknown = fix_parser().parse_known_args(rest)
    except SystemExit as exc:  # --help, or a usage error argparse already printed
        return 0 if exc.code == 0 else 2
    missing = missing_paths(known.paths)
    if missing:
        print(f"greenit-async-lint: error: {missing}", file=sys.stderr)
        return 2
    return fix_main(rest)


def _report(rest: list[str]) -> int:
    usage = ("usage: greenit-async-lint report merge A.json B.json ... [--format F[=FILE]]\n\n"
             "commands:\n  merge  merge JSON reports (CI shards, services, runtime hook) into one "
             "(report merge --help)\n")
    if rest and rest[0] in ("-h", "--help"):
        sys.stdout.write(usage)
        return 0
    if not rest or rest[0] != "merge":
        print(f"greenit-async-lint: error: {usage.splitlines()[0]}", file=sys.stderr)
        return 2
    from .reporting.cli import report_merge_main
    return report_merge_main(rest[1:])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
