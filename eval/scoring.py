"""Scores one checker report against an application's labels, judged findings and routes.

Pure functions over plain data (the JSON report, the YAML labels), so that the primer and
its unit test share them. Handlers are matched by (path, qualname): a label on a class
matches the report's methods of that class (`View` matches `View.get`), since class views
are listed per method.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

FLAGGED = {"heavy", "blocking"}


def _matches(label_qualname: str, report_qualname: str) -> bool:
    # Route tables are read from `__qualname__`, which names a nested function
    # `outer.<locals>.inner`; the report names it `outer.inner`.
    label_qualname = label_qualname.replace(".<locals>.", ".")
    return report_qualname == label_qualname or report_qualname.startswith(label_qualname + ".")


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


@dataclass
class Score:
    """What the primer prints for one application (None: nothing to measure)."""

    labelled: int = 0
    found: int = 0
    routes_true: int = 0
    routes_found: int = 0
    flag_tp: int = 0
    flag_fn: int = 0
    flag_fp: int = 0
    heavy_tp: int = 0
    heavy_fn: int = 0
    heavy_fp: int = 0
    judged_true: int = 0
    judged_false: int = 0
    judged_debatable: int = 0
    judged_absent: int = 0
    verdict_exact: int = 0
    verdict_ok: int = 0
    missing: list[str] = field(default_factory=list)
    # What a reader acts on: each labelled verdict the report gets wrong (FN: flagged truth
    # reported clean; HEAVY-FN; FP; HEAVY-FP) and each judged-FALSE finding still reported.
    wrong: list[str] = field(default_factory=list)
    false_findings: list[str] = field(default_factory=list)

    def add(self, other: "Score") -> None:
        for name, value in vars(other).items():
            if isinstance(value, int):
                setattr(self, name, getattr(self, name) + value)
            else:
                getattr(self, name).extend(value)

    @property
    def figures(self) -> dict[str, float | None]:
        return {
            "handler recall": _ratio(self.found, self.labelled),
            "inventory coverage": _ratio(self.routes_found, self.routes_true),
            "flag recall": _ratio(self.flag_tp, self.flag_tp + self.flag_fn),
            "flag precision": _ratio(self.flag_tp, self.flag_tp + self.flag_fp),
            "heavy recall": _ratio(self.heavy_tp, self.heavy_tp + self.heavy_fn),
            "heavy precision": _ratio(self.heavy_tp, self.heavy_tp + self.heavy_fp),
            # DEBATABLE findings count neither way: precision is TRUE / (TRUE + FALSE).
            "finding precision": _ratio(self.judged_true, self.judged_true + self.judged_false),
            "verdict accuracy": _ratio(self.verdict_exact, self.labelled),
            "verdict accuracy (acceptable)": _ratio(self.verdict_ok, self.labelled),
        }


def report_verdicts(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(path, qualname, verdict) of every handler in a JSON report."""
    return [(h["path"], h["qualname"], h.get("verdict", "clean")) for h in report.get("handlers", [])]


def _worst(verdicts: Iterable[str]) -> str:
    rank = {"clean": 0, "blocking": 1, "heavy": 2}
    return max(verdicts, key=lambda v: rank.get(v, 0), default="clean")


def is_work_finding(code: str) -> bool:
    """Work and fake-offload codes (GAL1xx, GAL2xx): what finding precision is about."""
    return code.startswith(("GAL1", "GAL2"))


def _leaf(message: str) -> str:
    """The call a finding's message starts with (`requests.get` in "`requests.get` calls ...")."""
    if not message.startswith("`"):
        return ""
    return message[1:].split("`", 1)[0]


def finding_key(finding: dict[str, Any]) -> tuple[str, str, str, str, int]:
    """What identifies a finding across runs: its handler, its code and the call it reports."""
    handler = finding.get("handler") or {}
    return (handler.get("path", ""), handler.get("qualname", ""), finding["code"],
            finding.get("call_path", finding.get("path", "")),
            int(finding.get("call_line", finding.get("line", 0))))


def score(report: dict[str, Any], labels: list[dict[str, Any]], judged: list[dict[str, Any]],
          routes: list[tuple[str, str]]) -> Score:
    """Score a report. `routes` are (path, qualname) of the framework's own routing table."""
    out = Score()
    handlers = report_verdicts(report)
    by_path: dict[str, list[tuple[str, str]]] = {}
    for path, qualname, verdict in handlers:
        by_path.setdefault(path, []).append((qualname, verdict))

    for label in labels:
        out.labelled += 1
        hits = [v for q, v in by_path.get(label["path"], []) if _matches(label["qualname"], q)]
        truth = label["verdict"]
        acceptable = {truth, *label.get("also_acceptable", [])}
        got = _worst(hits) if hits else None
        if hits:
            out.found += 1
        else:
            out.missing.append(f"{label['path']}:{label.get('line', 0)} {label['qualname']}")
        flagged = got in FLAGGED
        kind = ("FN" if truth in FLAGGED and not flagged else
                "HEAVY-FN" if truth == "heavy" and got != "heavy" else
                "FP" if flagged and not (acceptable & FLAGGED) else
                "HEAVY-FP" if got == "heavy" and "heavy" not in acceptable else "")
        if kind:
            out.wrong.append(f"{kind} {label['path']}:{label.get('line', 0)} {label['qualname']} "
                             f"(label {truth}, reported {got or 'absent'}): {label.get('note', '')}")
        if truth in FLAGGED:
            out.flag_tp += flagged
            out.flag_fn += not flagged
        elif flagged and not (acceptable & FLAGGED):
            out.flag_fp += 1
        if truth == "heavy":
            out.heavy_tp += got == "heavy"
            out.heavy_fn += got != "heavy"
        elif got == "heavy" and "heavy" not in acceptable:
            out.heavy_fp += 1
        out.verdict_exact += got == truth
        out.verdict_ok += got in acceptable

    present = {finding_key(f): _leaf(f.get("message", "")) for f in report.get("findings", [])}
    for item in judged:
        if not is_work_finding(item["code"]):
            continue  # a file the checker could not read is the tool's problem, not a finding on the app
        handler = item["handler"]
        key = (handler["path"], handler["qualname"], item["code"], item["call_path"], int(item["call_line"]))
        # A judgment is about the call a finding reaches, not only its site: when the checker now
        # reports other work at the same call site (the judged message names another call), the
        # judgment does not apply to it.
        judged_leaf = _leaf(item.get("message") or "")
        if key not in present or (judged_leaf and present[key] and judged_leaf != present[key]):
            out.judged_absent += 1
            continue
        judgment = str(item.get("judgment", "")).upper()
        out.judged_true += judgment == "TRUE"
        out.judged_false += judgment == "FALSE"
        if judgment == "FALSE":
            out.false_findings.append(f"{item['code']} {item['call_path']}:{item['call_line']} (handler "
                                      f"{handler['path']}::{handler['qualname']}, {item.get('category', '')}): "
                                      f"{item.get('reason', '')}")
        out.judged_debatable += judgment == "DEBATABLE"

    for path, qualname in routes:
        out.routes_true += 1
        out.routes_found += any(_matches(qualname, q) for q, _v in by_path.get(path, []))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    """What a change adds or removes on one application, like mypy_primer's diff."""
    def findings(report: dict[str, Any]) -> dict[tuple[str, str, str, str, int], str]:
        return {finding_key(f): f.get("message", "") for f in report.get("findings", [])}

    old, new = findings(before), findings(after)
    old_v = {(p, q): v for p, q, v in report_verdicts(before)}
    new_v = {(p, q): v for p, q, v in report_verdicts(after)}

    def line(key: tuple[str, str, str, str, int]) -> str:
        return f"{key[2]} {key[3]}:{key[4]} (handler {key[0]}::{key[1]})"

    verdicts = [f"{p}::{q}: {old_v.get((p, q), 'absent')} -> {new_v.get((p, q), 'absent')}"
                for p, q in sorted(set(old_v) | set(new_v)) if old_v.get((p, q)) != new_v.get((p, q))]
    return {
        "added": [line(k) for k in sorted(set(new) - set(old))],
        "removed": [line(k) for k in sorted(set(old) - set(new))],
        "verdicts": verdicts,
    }
