"""A remedy for every finding, chosen from `rules/remedies.yaml` by what the project uses.

`attach_fixes(report)` sets `finding.fix` on each finding of a Report:
`{"pattern", "safety", "title", "description", "diff"}`. The remedy is the first catalogue entry
whose `when` matches the finding's code family, handler (framework, `async def` or not), weight,
offending call and the task queue the project uses (detected from its imports and dependency
files). `diff` is the unified diff of the remedy's codemods for that finding, computed only with
`diffs=True` (it parses files with libcst); when a codemod cannot be made safely, the description
says why and the finding keeps the suggestion alone.
"""
from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from .queues import Stack
from .rules import QueueInfo, Remedy, RemedyCatalogue, load_remedies

if TYPE_CHECKING:
    from ..analysis.engine import Report
    from .cache import FoundStack
    from .fixer import Fixer
    from ..analysis.findings import Finding

GENERIC_FAMILY = {"work": "this work", "then": "notify the user when it is done"}


def report_cwd(report: "Report", cwd: Optional[Path] = None) -> Path:
    """The folder the report's paths are relative to."""
    return Path(cwd or getattr(report, "cwd", None) or Path.cwd()).resolve()


def stack_paths(paths: list[str], cwd: Path) -> list[Path]:
    """What queue detection scans for a run on `paths` (as given, relative to `cwd`)."""
    absolute = [p if p.is_absolute() else cwd / p for p in (Path(x) for x in (paths or ["."]))]
    return [p for p in absolute if p.exists()] or [cwd]


def project_stack(report: "Report", cwd: Path, remedies: Optional[RemedyCatalogue] = None,
                  cache_dir: Optional[Path] = None, early: "Optional[FoundStack]" = None) -> Stack:
    """The task queues the report's project uses; `early`, when found for the same paths,
    catalogue and cache (by fix/preload.py), is kept instead of detecting them again."""
    from .cache import cached_stack

    paths = stack_paths(report.paths, cwd)
    remedies = remedies or load_remedies()
    if early is not None and early.remedies is remedies and (early.paths, early.folder) == (paths, cache_dir):
        early.save()
        return early.stack
    return cached_stack(cache_dir, paths, remedies)


def family_of(finding: "Finding", report: "Report") -> str:
    info = report.catalogue.codes.get(finding.code)
    return info.family if info is not None else ""


def on_loop(finding: "Finding") -> bool:
    """Whether the work runs on an event loop: in an `async def` handler, unless the framework
    already runs it in a thread (a sync FastAPI dependency: bounded work there is a warning)."""
    handler = finding.handler
    if handler is None or not handler.is_async:
        return False
    return not (finding.weight == "blocking" and finding.severity == "warning")


def in_body(finding: "Finding") -> bool:
    """Whether the work starts at a call in the handler's own body (not in a dependency or a
    class attribute the framework uses)."""
    handler = finding.handler
    if handler is None or not handler.function or not finding.chain:
        return False
    first = finding.chain[0]
    return not any(r.path == first.path and r.line == first.line for r in handler.roots)


def queue_for(finding: "Finding", stack: Stack, cwd: Path) -> Optional[QueueInfo]:
    """The task queue of the code the finding is in (see Stack.primary_for)."""
    return stack.primary_for(cwd / finding.path if finding.path else None)


def matches(remedy: Remedy, finding: "Finding", family: str, primary: Optional[QueueInfo]) -> bool:
    when = remedy.when
    handler = finding.handler
    if when.codes and not any(finding.code.startswith(c) for c in when.codes):
        return False
    if when.families and family not in when.families:
        return False
    if when.frameworks and (handler is None or handler.framework not in when.frameworks):
        return False
    if when.handler is not None and (handler is None or handler.is_async != (when.handler == "async")):
        return False
    if when.on_loop is not None and on_loop(finding) != when.on_loop:
        return False
    if when.in_body is not None and in_body(finding) != when.in_body:
        return False
    if when.awaited is not None and finding.awaited != when.awaited:
        return False
    if when.weight is not None and finding.weight != when.weight:
        return False
    if when.leaves and not any(fnmatch.fnmatchcase(finding.leaf, p) for p in when.leaves):
        return False
    if when.queues:
        wanted = set(when.queues)
        if not (("none" in wanted and primary is None) or ("any" in wanted and primary is not None)
                or (primary is not None and primary.name in wanted)):
            return False
    return when.job is None or (primary is not None and primary.job is not None) == when.job


def select(finding: "Finding", report: "Report", queue: Optional[QueueInfo], remedies: RemedyCatalogue) -> Remedy:
    family = family_of(finding, report)
    for remedy in remedies.remedies:
        if matches(remedy, finding, family, queue):
            return remedy
    return remedies.remedies[-1]  # pragma: no cover - the last entry matches everything (validated)


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def purpose_of(finding: "Finding", remedies: RemedyCatalogue) -> Optional[dict[str, Any]]:
    """What the work is for (`purposes` in remedies.yaml), from the words of the handler's name
    and of the calls along the chain (`ExportView.get`, `export_csv(...)`), the first listed wins."""
    texts = [finding.handler.qualname if finding.handler else "", *(hop.call for hop in finding.chain)]
    words = {w.lower() for text in texts for w in _WORD.findall(text)}
    return next((p for p in remedies.purposes.values() if p["words"] & words), None)


def placeholders(finding: "Finding", report: "Report", queue: Optional[QueueInfo],
                 remedies: RemedyCatalogue) -> dict[str, str]:
    family = remedies.families.get(family_of(finding, report), GENERIC_FAMILY)
    timeout = report.config.request_timeout
    info = report.catalogue.codes.get(finding.code)
    send = queue.send if queue else remedies.no_queue["send"]
    helper = finding.extra.get("dispatcher")
    if helper and queue is not None and helper.get("queue") == queue.name:
        # The project queues its jobs through its own helper: the new job should go the same way.
        send = f"the project's own helper `{helper['call']}(...)` ({helper['path']}:{helper['line']})"
    work, then, batch = family["work"], family["then"], remedies.batch
    purpose = purpose_of(finding, remedies)
    if purpose is not None:
        work, then, batch = purpose["work"], purpose["then"], purpose["batch"]
    return _Blank({
        "work": work, "then": then, "batch": batch,
        "queue": queue.title if queue else remedies.no_queue["title"],
        "queue_name": queue.name if queue else "queue",
        "define": queue.define if queue else remedies.no_queue["define"],
        "send": send,
        "timeout": str(int(timeout)) if float(timeout).is_integer() else str(timeout),
        "leaf": finding.leaf, "framework": finding.handler.framework if finding.handler else "",
        "code_fix": info.fix if info is not None else "",
    })


def describe(remedy: Remedy, values: dict[str, str]) -> dict[str, Any]:
    return {"pattern": remedy.pattern.format_map(values), "safety": remedy.safety,
            "title": remedy.title.format_map(values), "description": remedy.description.format_map(values),
            "diff": None}


def attach_fixes(report: "Report", diffs: bool = False, cwd: Optional[Path] = None,
                 cache_dir: Optional[Path] = None, early: "Optional[FoundStack]" = None,
                 fixer: "Optional[Fixer]" = None) -> None:
    """Set `finding.fix` on every finding of `report` (see the module docstring). With
    `cache_dir`, fixes that needed codemods are kept there by file content (see cache.py);
    `early`: the project's queues, found while the files were summarised (see preload.py);
    `fixer`: the process that plans the diffs, if one was started (see fixer.py)."""
    from .cache import FixCache

    remedies = load_remedies(report.catalogue)  # the run's: the settings' queues and frameworks included
    base = report_cwd(report, cwd)
    stack = project_stack(report, base, remedies, cache_dir, early)
    cache = FixCache(cache_dir, fix_context(report, stack, diffs), base, report.unread_edits)
    pending = []
    for finding in report.findings:
        queue = queue_for(finding, stack, base)
        remedy = select(finding, report, queue, remedies)
        if diffs and remedy.codemods:
            cached = cache.get(finding)
            if cached is not None:
                finding.fix = cached
                continue
            pending.append((finding, remedy))
        finding.fix = describe(remedy, placeholders(finding, report, queue, remedies))
    if pending:
        # Only the findings the cache did not answer: their files are read and parsed once (in
        # each of two processes when they are many, see parallel.py), by the fixer if there is one
        # (then this process never imports libcst).
        answer = fixer.plan(pending, report, base, stack, report.options.jobs) if fixer is not None else None
        if answer is None:
            from .parallel import plan_findings

            answer = plan_findings(report, base, stack, remedies, pending, report.options.jobs)
        planned, read = answer
        cache.know(read)
        for (finding, _remedy), outcome in zip(pending, planned):
            fix = finding.fix
            assert fix is not None  # described just above
            fix["diff"] = outcome.diff or None
            if outcome.extra:
                fix["description"] += " " + outcome.extra
            cache.put(finding, fix, outcome.files)
    cache.save()


def fix_context(report: "Report", stack: Stack, diffs: bool) -> list[object]:
    """What every fix of this run depends on besides the finding and its files (see cache.py)."""
    from .cache import code_fingerprint

    config = report.config
    return [code_fingerprint(), report.catalogue.fingerprint, rules_fingerprint(),
            [q.name for q in stack.queues], sorted((k, sorted(v)) for k, v in stack.evidence.items()),
            config.request_timeout, diffs]


def rules_fingerprint() -> str:
    """The shipped catalogue files (remedy templates live beside the framework data)."""
    import hashlib

    from ..catalogue.sources import rules_folder

    digest = hashlib.blake2b(digest_size=16)

    def add(folder) -> None:  # type: ignore[no-untyped-def]
        for item in sorted(folder.iterdir(), key=lambda i: i.name):
            if item.is_dir():
                add(item)
            elif item.name.endswith(".yaml"):
                digest.update(item.name.encode() + b"\0" + item.read_bytes())

    folder = rules_folder()  # on disk (always, but in a zip): read without importing importlib.resources
    if folder is not None:
        add(Path(folder))
    else:
        import importlib.resources
        add(importlib.resources.files("greenit_async_lint.rules"))
    return digest.hexdigest()
