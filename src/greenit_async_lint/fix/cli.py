"""`greenit-async-lint fix [PATH ...] [--diff | --apply] [--unsafe-fixes]`.

Prints the unified diff of the fixes (the default, `--diff`) or writes them (`--apply`). Only safe
fixes unless `--unsafe-fixes`. Exit status: `--apply` 1 when it changed files, 0 otherwise (so the
pre-commit hook fails and shows the change); `--diff` 0; 2 for a usage or configuration error.
Notes about each finding (fixed, held back as unsafe, or why it could not be fixed) go to stderr.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from ..config import ConfigError, load_config
from ..catalogue.schema import CatalogueError
from .apply import FixError, FixRun, plan_report, real_paths, write


MAX_ROUNDS = 10  # fixes that uncover more fixes (see _apply); a bound in case a fix undid another


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="greenit-async-lint fix",
        description="Apply the codemods of the findings' remedies: safe ones by default, unsafe ones "
                    "(moving work to a task queue, background tasks) with --unsafe-fixes.")
    parser.add_argument("paths", nargs="*", help="files or folders (default: the current folder)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print the fixes as a unified diff (the default)")
    mode.add_argument("--apply", action="store_true", help="write the fixes; exit 1 when files changed")
    parser.add_argument("--unsafe-fixes", action="store_true",
                        help="also apply fixes that change behaviour (review them)")
    parser.add_argument("--select", help="comma-separated code prefixes to fix (default: all)")
    parser.add_argument("--ignore", help="comma-separated code prefixes to leave alone")
    parser.add_argument("--config", help="configuration file (default: the nearest pyproject.toml)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the summary cache")
    parser.add_argument("-q", "--quiet", action="store_true", help="print no notes, only the diff")
    return parser


def _codes(text: Optional[str]) -> list[str]:
    return [c.strip().upper() for c in (text or "").split(",") if c.strip()]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    try:
        config = load_config(args.config, Path.cwd())
        if args.select:
            config.select = _codes(args.select)
        if args.ignore:
            config.ignore = _codes(args.ignore)
        if args.no_cache:
            config.cache = False
        from ..analysis.engine import analyse
        report = analyse(args.paths, config)
        run = plan_report(report, unsafe=args.unsafe_fixes)
        if args.apply:
            real_paths(run.rendered)  # a symlink to nothing, or two links to one file: refused here
    except (ConfigError, CatalogueError) as exc:
        print(f"greenit-async-lint: error: {exc}", file=sys.stderr)
        return 2
    except FixError as exc:
        print(f"greenit-async-lint: error: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        _notes(run, args.unsafe_fixes, applying=args.apply)
    if args.apply:
        return _apply(run, args, config)
    sys.stdout.write(run.diff)
    return 0


def _apply(run: FixRun, args: argparse.Namespace, config: object) -> int:
    """Write the fixes, then check again and fix what they uncovered, until nothing changes: a
    handler reports its first blocking call only, so fixing it shows the next one, and a second
    `fix --apply` must change nothing (ruff's fixes loop the same way)."""
    from ..analysis.engine import analyse

    written: set[Path] = set()
    fixed = 0
    for _round in range(MAX_ROUNDS):
        done = write(run.rendered)
        if not done:
            break
        written.update(done)
        fixed += len(run.fixed())
        try:
            run = plan_report(analyse(args.paths, config), unsafe=args.unsafe_fixes)  # type: ignore[arg-type]
            real_paths(run.rendered)
        except FixError as exc:  # what was written compiles; the next round is left undone
            print(f"greenit-async-lint: error: {exc}", file=sys.stderr)
            break
    if not args.quiet:
        print(f"greenit-async-lint fix: {fixed} findings fixed in {len(written)} files", file=sys.stderr)
    return 1 if written else 0


def _notes(run: FixRun, unsafe: bool, applying: bool) -> None:
    held = 0
    for outcome in run.outcomes:
        f = outcome.finding
        where = f"{f.path}:{f.line}:{f.column}: {f.code}"
        if outcome.applied:
            verb = "fixed" if applying else "fix"
            print(f"{where} {verb}: {outcome.pattern} ({', '.join(outcome.applied)})", file=sys.stderr)
        for name, reason in outcome.primary_refusals():
            print(f"{where} not fixed ({name}): {reason}", file=sys.stderr)
        for note in outcome.notes:
            print(f"{where} note: {note}", file=sys.stderr)
        held += bool(outcome.held and not outcome.applied)
    if held and not unsafe:
        print(f"greenit-async-lint fix: {held} more findings have unsafe fixes (they change behaviour); "
              f"review them with --unsafe-fixes --diff", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover - `python -m greenit_async_lint.fix.cli`
    raise SystemExit(main())
