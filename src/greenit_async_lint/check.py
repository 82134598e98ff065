"""`greenit-async-lint check`: analyse, join runtime evidence, apply the baseline, write each
requested report, and answer with the gate's exit status."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import output
from .config import Config, ConfigError
from .analysis.engine import analyse


def _write(path: str, content: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.replace(tmp, target)


def render(fmt: str, data: dict[str, Any]) -> str:
    if fmt == "text":
        return output.text(data)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    from .reporting import render as render_other
    return render_other(data, fmt)


def _join_runtime(data: dict[str, Any], path: str) -> dict[str, Any]:
    """Attach what the runtime hook measured to the handlers it measured (and keep the runtime
    violations the static checker missed, with the call they were stuck in)."""
    from .reporting.merge import merge_reports
    from .runtime.merge import load_report

    try:
        runtime = load_report(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"--runtime-report {path}", f"cannot be read: {exc}") from exc
    merged = merge_reports([data, runtime])
    merged["config"] = {**data["config"], "runtime_report": path}
    return merged


def run_check(args: argparse.Namespace, config: Config) -> int:
    from .fix.remedies import attach_fixes

    # Diffs cost a codemod run per finding: only the formats that carry them pay for them, and
    # the result cache keeps them, so an unchanged project does not pay again.
    wanted = {fmt for fmt, _dest in (args.reports or [])}
    diffs = bool(wanted & {"json", "sarif", "html", "markdown"})
    report = analyse(args.paths, config, enrich=lambda r: attach_fixes(r, diffs=diffs), enrich_key=f"fixes:{diffs}")
    data = output.to_dict(report)
    if args.runtime_report:
        data = _join_runtime(data, args.runtime_report)
    if config.baseline:
        from .reporting.baseline import apply_baseline
        try:
            apply_baseline(data, config.baseline)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"baseline {config.baseline}", f"cannot be used: {exc}") from exc
    if args.write_baseline:
        from .reporting.baseline import write_baseline
        write_baseline(data, args.write_baseline)
    for fmt, destination in (args.reports or [["text", None]]):
        content = render(fmt, data)
        if destination:
            _write(destination, content)
        else:
            sys.stdout.write(content)
    from .reporting.gate import gate_exit_code
    try:
        return gate_exit_code(data, max_violations=config.max_violations, fail_on=config.fail_on)
    except ValueError as exc:
        raise ConfigError("max-violations/fail-on", str(exc)) from exc
