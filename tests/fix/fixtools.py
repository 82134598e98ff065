"""Shared helpers for the fixer's tests: copy a project, analyse it, plan and apply its fixes."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterable

CASES = Path(__file__).resolve().parent / "cases"
REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
GOLDEN_SUFFIX = ".fixed.py"


def copy_project(source: Path, target: Path) -> Path:
    """A copy without golden files, case descriptions or caches (the fixer works on copies only)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(
        f"*{GOLDEN_SUFFIX}", "case.yaml", "__pycache__", ".greenit-cache"))
    return target


def analyse(folder: Path, paths: Iterable[str] = (".",)):
    from greenit_async_lint.config import Config
    from greenit_async_lint.analysis.engine import analyse as run

    return run(list(paths), Config(cache=False, jobs=1), cwd=folder)


def apply_fixes(folder: Path, unsafe: bool):
    """Analyse, plan and write the fixes; returns (report, run)."""
    from greenit_async_lint.fix.apply import plan_report, write

    report = analyse(folder)
    run = plan_report(report, unsafe=unsafe, cwd=folder)
    write(run.rendered)
    return report, run


def key(finding) -> str:
    """`GAL101 report_pdf`: a finding by code and handler (lines move when code is rewritten)."""
    return f"{finding.code} {finding.handler.qualname if finding.handler else '-'}"


def python_files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text("utf-8") for p in sorted(folder.rglob("*.py"))
            if "__pycache__" not in p.parts}
