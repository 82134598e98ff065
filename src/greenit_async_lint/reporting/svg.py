"""Inline SVG bar charts for the HTML report: handlers by verdict, and by framework and verdict.

Plain SVG markup with presentation attributes only (no `style` attributes, no external fonts or
images), so the report stays one self-contained file under a strict Content-Security-Policy.
Labels come from user code (framework names from config) and are escaped.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape

from .model import VERDICTS

COLOURS = {"heavy": "#c62828", "blocking": "#e68a00", "clean": "#2e7d32"}
_BAR_H, _GAP, _LABEL_W, _BAR_W, _PAD = 22, 8, 130, 300, 10


def verdict_chart(by_verdict: Mapping[str, int]) -> str:
    """One bar per verdict, length proportional to the number of handlers."""
    rows = [(verdict, {verdict: by_verdict.get(verdict, 0)}) for verdict in VERDICTS]
    return _chart("Handlers by verdict", "chart-verdict", rows)


def framework_chart(by_framework: Mapping[str, Counter[str]]) -> str:
    """One stacked bar per framework, split by verdict."""
    rows = [(framework, dict(counts)) for framework, counts in by_framework.items()]
    return _chart("Handlers by framework and verdict", "chart-framework", rows, legend=True)


def _chart(title: str, ident: str, rows: Sequence[tuple[str, Mapping[str, int]]], legend: bool = False) -> str:
    biggest = max((sum(parts.values()) for _, parts in rows), default=0) or 1
    legend_h = 26 if legend else 0
    height = _PAD * 2 + 24 + legend_h + max(len(rows), 1) * (_BAR_H + _GAP)
    width = _LABEL_W + _BAR_W + 60
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{ident}" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-labelledby="{ident}-title">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<text x="{_PAD}" y="{_PAD + 14}" font-size="15" font-weight="bold" fill="#222">{escape(title)}</text>',
    ]
    y = _PAD + 24 + legend_h
    if legend:
        x: float = _PAD
        for verdict in VERDICTS:
            out.append(f'<rect x="{x}" y="{_PAD + 26}" width="12" height="12" fill="{COLOURS[verdict]}"/>')
            out.append(f'<text x="{x + 16}" y="{_PAD + 36}" font-size="12" fill="#333">{verdict}</text>')
            x += 90
    if not rows:
        out.append(f'<text x="{_PAD}" y="{y + 16}" font-size="13" fill="#555">no handlers found</text>')
    for label, parts in rows:
        total = sum(parts.values())
        out.append(f'<text x="{_LABEL_W - 8}" y="{y + 16}" font-size="13" text-anchor="end" fill="#222">'
                   f'{escape(_short(label))}</text>')
        x = float(_LABEL_W)
        for verdict in VERDICTS:
            count = parts.get(verdict, 0)
            if not count:
                continue
            w = _BAR_W * count / biggest
            out.append(f'<rect class="bar" data-verdict="{verdict}" x="{x:.1f}" y="{y}" width="{w:.1f}" '
                       f'height="{_BAR_H}" fill="{COLOURS[verdict]}"><title>{escape(label)}: {count} {verdict}</title></rect>')
            x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y + 16}" font-size="13" fill="#222">{total}</text>')
        y += _BAR_H + _GAP
    out.append("</svg>")
    return "\n".join(out)


def _short(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
