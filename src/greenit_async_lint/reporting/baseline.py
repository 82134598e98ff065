"""Baselines: accept the findings a legacy project already has, and gate only on new ones.

A fingerprint names a finding by what it is, not where it sits: handler path, handler qualname,
code and the chain's call names. Line numbers and messages are left out, so an unrelated edit
above the handler or a reworded message does not turn an accepted finding into a new one.
Matching is one-to-one: a baseline entry accepts one finding, so a second identical blocking call
added to the same handler later is still new.

The file is JSON meant to be read in review: one entry per finding, with its code, handler and
message beside the fingerprint, sorted so that diffs stay small.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, MutableMapping
from pathlib import Path
from typing import Any

from .writefile import write_text
from .model import Finding, Report, chain_calls, findings, handler_key, norm_path

BASELINE_VERSION = 1


class BaselineError(ValueError):
    """The baseline file cannot be read or is not a baseline this tool wrote."""


def fingerprint(finding: Finding) -> str:
    """Stable identity of a finding: survives line moves and unrelated edits."""
    key = handler_key(finding.get("handler"))
    path, qualname = key if key else (norm_path(finding.get("path")), "")
    parts = ["v1", path, qualname, str(finding.get("code") or ""), ">".join(chain_calls(finding))]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def occurrence_fingerprints(items: Iterable[Finding]) -> list[str]:
    """Fingerprints made unique within one report, for tools that key alerts by fingerprint
    (GitLab, GitHub code scanning): the n-th repeat of a fingerprint gets a derived one, so two
    identical calls in one handler stay two alerts, and the first keeps the baseline's value."""
    seen: dict[str, int] = {}
    out = []
    for finding in items:
        base = fingerprint(finding)
        occurrence = seen.get(base, 0)
        seen[base] = occurrence + 1
        out.append(base if occurrence == 0 else hashlib.sha256(f"{base}:{occurrence}".encode()).hexdigest()[:32])
    return out


def entry_for(finding: Finding) -> dict[str, Any]:
    """The human-readable baseline entry of one finding."""
    key = handler_key(finding.get("handler"))
    return {
        "fingerprint": fingerprint(finding),
        "code": str(finding.get("code") or ""),
        "severity": str(finding.get("severity") or ""),
        "handler": f"{key[0]}::{key[1]}" if key else None,
        "path": norm_path(finding.get("path")),
        "chain": chain_calls(finding),
        "message": str(finding.get("message") or ""),
    }


def baseline_document(report: Report) -> dict[str, Any]:
    entries = sorted(
        (entry_for(f) for f in findings(report)),
        key=lambda e: (e["handler"] or "", e["path"], e["code"], e["fingerprint"]),
    )
    return {
        "version": BASELINE_VERSION,
        "tool": "greenit-async-lint",
        "comment": "Findings accepted when the baseline was written; they do not fail the CI gate. "
        "Remove entries as you fix them (stale entries are listed in the reports).",
        "entries": entries,
    }


def write_baseline(report: Report, path: str | os.PathLike[str]) -> int:
    """Write every finding of the report as accepted; return the number of entries.

    Written atomically (writefile.py), so an interrupted run never leaves half a baseline behind
    (a truncated baseline would read as "nothing accepted" and fail CI).
    """
    document = baseline_document(report)
    write_text(Path(path), json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return len(document["entries"])


def read_baseline(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The entries of a baseline file; BaselineError with the reason when it is not one."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("version") != BASELINE_VERSION:
        raise BaselineError(
            f"baseline {path} is not a version-{BASELINE_VERSION} greenit-async-lint baseline "
            "(write one with --write-baseline)"
        )
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise BaselineError(f"baseline {path}: 'entries' must be a list")
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"baseline {path}: entries[{index}] has no 'fingerprint'")
    return entries


def apply_baseline(report: MutableMapping[str, Any], path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Mark findings accepted in the baseline (`"baselined": true`) and return the stale entries.

    Stale entries are in the baseline but no longer found: fixed, or changed beyond recognition.
    The report also gets a `baseline` section (path, counts, stale entries) that the Markdown and
    HTML reports print, and `summary.baselined`.
    """
    entries = read_baseline(path)
    pending: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        pending.setdefault(entry["fingerprint"], []).append(entry)
    matched = 0
    for finding in report.get("findings") or []:
        if not isinstance(finding, MutableMapping):
            continue
        waiting = pending.get(fingerprint(finding))
        finding["baselined"] = bool(waiting)
        if waiting:
            waiting.pop()
            matched += 1
    stale = [entry for waiting in pending.values() for entry in waiting]
    report["baseline"] = {"path": str(path), "entries": len(entries), "matched": matched, "stale": stale}
    summary = report.get("summary")
    if isinstance(summary, MutableMapping):
        summary["baselined"] = matched
    return stale
