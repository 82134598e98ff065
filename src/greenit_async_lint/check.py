"""`greenit-async-lint check`: analyse, join runtime evidence, apply the baseline, write each
requested report, and answer with the gate's exit status."""
from __future__ import annotations

import argparse
import gc
import sys
from typing import Any

from .config import Config, ConfigError
from .analysis.engine import analyse, finish_writers
from .analysis.readfile import Unreadable, read_json
from .destinations import UsageError, write
from .formats import carries_fixes, render


def _read_bounded(path: str, what: str) -> None:
    """Refuse an oversized or over-deep JSON input with one line before a reader recurses into it."""
    import os

    if os.path.isdir(path):
        return  # a folder of runtime shards: each shard is read by the runtime merge
    try:
        read_json(path)
    except Unreadable as exc:
        raise ConfigError(f"{what} {path}", f"cannot be read: {exc}") from None


def _join_runtime(data: dict[str, Any], path: str) -> dict[str, Any]:
    """Attach what the runtime hook measured to the handlers it measured (and keep the runtime
    violations the static checker missed, with the call they were stuck in)."""
    from .reporting.merge import merge_reports
    from .runtime.merge import load_report

    _read_bounded(path, "--runtime-report")
    try:
        runtime = load_report(path)
        merged = merge_reports([data, runtime])
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigError(f"--runtime-report {path}", f"cannot be read: {exc}") from exc
    merged["config"] = {**data["config"], "runtime_report": path}
    return merged


def _empty_run(data: dict[str, Any], paths: list[str]) -> str | None:
    """Why the run checked nothing (no Python file, or every file skipped), or None."""
    files = int(data["summary"].get("files") or 0)
    where = ", ".join(paths) or "."
    if files == 0:
        return f"no Python files to check under {where} (all excluded, or none there)"
    skipped = sum(1 for f in data["findings"] if f.get("severity") == "error")
    if skipped >= files and not data.get("handlers"):
        return f"all {files} Python files under {where} were skipped (see the GAL9xx errors above)"
    return None


# The last run's report, kept alive past run_check: freeing a large project's millions of small
# objects one by one costs a good part of a second, for nothing when the process ends right after
# (`python -m greenit_async_lint` then leaves through os._exit, see __main__.py). One run's worth
# at most: the next in-process run replaces it.
_PARKED: list[object] = []


def run_check(args: argparse.Namespace, config: Config) -> int:
    try:
        return _run_check(args, config)
    finally:
        # The summary cache's writers (analysis/workers.py) overlapped the analysis, the fix
        # suggestions and the output: the check ends when they have written their shards.
        finish_writers()


def _run_check(args: argparse.Namespace, config: Config) -> int:
    from pathlib import Path

    from .analysis.workers import BEFORE_SHARE, ON_ANALYSIS
    from .catalogue.sources import OnDemand
    from .fix.cache import cache_folder
    from .fix.fixer import Fixer
    from .fix.preload import Preload

    _PARKED.clear()
    gc.unfreeze()
    targets = args.targets
    # Diffs cost a libcst parse of the files the fixes touch: only the formats that carry them pay
    # for them, and the fix layer caches them by file content, so unchanged files do not pay again.
    diffs = carries_fixes({fmt for fmt, _dest in targets})
    cwd = Path.cwd().resolve()
    cache_dir = cache_folder(config, args.paths, cwd)
    # The task queues are found (and, for diffs without a fixer, libcst imported) while the workers take files.
    catalogue = OnDemand.checked(dict(config.analysis_options().catalogue_extra))  # built when first needed
    preload = Preload(list(args.paths), cwd, cache_dir, catalogue, imports=diffs)
    # Diffs are planned by a process forked when the analysis starts, which imports libcst
    # meanwhile (see fix/fixer.py); then the parent need not import it. `--jobs 1`: one process.
    fixer = Fixer(config, catalogue) if diffs and config.effective_jobs() > 1 else None

    def starting() -> None:
        if fixer is not None and not fixer.started:
            fixer.start()
            preload.imports = preload.imports and not fixer.started

    from .progress import Progress
    with Progress(", ".join(args.paths) or "."):  # a line on a terminal when the run takes a while
        early, hook = BEFORE_SHARE.set(preload), ON_ANALYSIS.set(starting)
        try:
            if cache_dir is None or not cache_dir.exists():
                # No result can be held (no cache folder yet, or no cache): the analysis will run,
                # so the fixer starts now, and imports libcst while this process is still alone (its
                # own imports, the walk of the files) instead of beside the summary workers (mealie:
                # the summaries of a cold JSON check took 245 ms against 195 for text).
                starting()
            # The analysis's summaries and memos are parked with the report rather than freed: the
            # fixes that follow are planned in another process (or cost little without diffs).
            retain = _PARKED if fixer is not None or not diffs else None
            report = analyse(args.paths, config, catalogue=catalogue, join_writers=False, retain=retain)
            # The analysis leaves millions of objects alive (engine.py runs it without the cyclic
            # collector). Once it is back on, each full collection of the fix layer and the output
            # would scan them all again (about 0.45 s a pass on netbox): they are frozen instead,
            # out of the collector's sight (unfrozen at the next in-process run, so tests free them).
            gc.freeze()
            from .fix.remedies import attach_fixes  # imported by the preload already, where workers ran
            attach_fixes(report, diffs=diffs, cache_dir=cache_dir, early=preload.found, fixer=fixer)
        finally:
            BEFORE_SHARE.reset(early)
            ON_ANALYSIS.reset(hook)
            if fixer is not None:
                fixer.close()  # one given no work (all diffs cached, or none) may still be importing
    from . import output  # (the report's records: imported once the analysis has run, not before its workers start)

    _PARKED.append(report)
    data = output.to_dict(report)
    _PARKED.append(data)
    if args.runtime_report:
        data = _join_runtime(data, args.runtime_report)
    if config.baseline:
        from .reporting.baseline import apply_baseline
        _read_bounded(config.baseline, "baseline")
        try:
            apply_baseline(data, config.baseline)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ConfigError(f"baseline {config.baseline}", f"cannot be used: {exc}") from exc
    for fmt, destination in targets:
        if fmt == "text":
            content = output.text(data, show_unresolved=getattr(args, "show_unresolved", False),
                                  show_baselined=args.show_baselined,
                                  color=destination is None and args.color)
        else:
            content = render(fmt, data)
        if destination is not None:
            write(destination, content)
        else:
            sys.stdout.write(content)
    empty = _empty_run(data, list(args.paths))
    if empty and not args.allow_empty:
        print(f"greenit-async-lint: error: {empty}; nothing was checked (pass --allow-empty to accept that)",
              file=sys.stderr)
        return 2
    if args.write_baseline:
        from .reporting.baseline import write_baseline
        try:
            count = write_baseline(data, args.write_baseline)
        except OSError as exc:
            raise UsageError(f"--write-baseline {args.write_baseline}: cannot write: {exc.strerror or exc}") from None
        print(f"greenit-async-lint: {count} findings recorded as accepted in {args.write_baseline}", file=sys.stderr)
        return 0  # recording the baseline is the job asked for, as ruff's --add-noqa
    if not data.get("handlers") and not empty:
        print(f"greenit-async-lint: note: no request handlers found in {data['summary']['files']} files: "
              "nothing is checked against practice 112 (a framework this tool does not know? see extra-handlers)",
              file=sys.stderr)
    from .reporting.gate import gate_exit_code, unresolved_exit_code
    from .reporting.inventory import incomplete_warning, inventory
    warning = incomplete_warning(inventory(data))
    if warning:  # a report that looked at few of the handlers must not pass unnoticed
        print(f"greenit-async-lint: warning: {warning}", file=sys.stderr)
    try:
        return max(gate_exit_code(data, max_violations=config.max_violations, fail_on=config.fail_on),
                   unresolved_exit_code(data, config.fail_on_unresolved))
    except ValueError as exc:
        raise ConfigError("max-violations/fail-on", str(exc)) from exc
