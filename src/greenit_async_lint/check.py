"""`greenit-async-lint check`: analyse, write each requested report, apply the gate."""
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
from .engine import analyse


def _write(path: str, content: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.replace(tmp, target)


def render(fmt: str, report, data: dict[str, Any]) -> str:
    if fmt == "text":
        return output.text(report)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    from .reporting import render as render_other
    return render_other(data, fmt)


def gate(data: dict[str, Any], config: Config) -> int:
    try:
        from .reporting.gate import gate_exit_code
    except ImportError:
        counted = [f for f in data["findings"] if not f.get("baselined")]
        bad = sum(1 for f in counted if f["severity"] == "violation")
        if config.fail_on == "warning":
            bad += sum(1 for f in counted if f["severity"] == "warning")
        return 1 if bad > config.max_violations else 0
    return gate_exit_code(data, max_violations=config.max_violations, fail_on=config.fail_on)


def run_check(args: argparse.Namespace, config: Config) -> int:
    report = analyse(args.paths, config)
    data = output.to_dict(report)
    if args.runtime_report:
        from .runtime_join import join_runtime
        join_runtime(data, args.runtime_report)
    if config.baseline:
        from .reporting.baseline import apply_baseline
        try:
            stale = apply_baseline(data, config.baseline)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"baseline {config.baseline}", f"cannot be used: {exc}") from exc
        data["baseline"] = {"path": config.baseline, "stale": stale}
        for finding, item in zip(report.findings, data["findings"]):
            finding.extra["baselined"] = item.get("baselined", False)
    if args.write_baseline:
        from .reporting.baseline import write_baseline
        write_baseline(data, args.write_baseline)
    for fmt, destination in (args.reports or [["text", None]]):
        content = render(fmt, report, data)
        if destination:
            _write(destination, content)
        else:
            sys.stdout.write(content)
    return gate(data, config)
