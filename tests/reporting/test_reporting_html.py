"""The HTML compliance report, checked as markup: self-contained, escaped, complete.

The same page is opened in a real browser in test_reporting_html_chromium.py.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from greenit_async_lint.reporting import render
from greenit_async_lint.reporting.html_assets import CSS, JS, csp_hash


class Collector(HTMLParser):
    """Every start tag with its attributes, and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parsed(report):
    collector = Collector()
    collector.feed(render(report, "html"))
    return collector


def test_nothing_is_fetched_from_anywhere(static_report):
    page = parsed(static_report)
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        assert tag not in {"link", "iframe", "object", "embed", "img", "base"}, tag
        assert not any(v and re.match(r"\s*(https?:)?//", v) for k, v in attrs.items() if k in {"href", "action"}), tag
    html_text = render(static_report, "html")
    assert "@import" not in html_text and "url(" not in html_text


def test_csp_allows_exactly_the_inline_style_and_script(static_report):
    page = parsed(static_report)
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp
    assert f"script-src {csp_hash(JS)}" in csp and f"style-src {csp_hash(CSS)}" in csp
    text = render(static_report, "html")
    assert text.count("<script>") == 1 and f"<script>{JS}</script>" in text
    assert f"<style>{CSS}</style>" in text


def test_practice_verdict_and_measured_count(static_report, clean_report):
    text = render(static_report, "html")
    assert '<span id="verdict" class="badge not-compliant">NOT COMPLIANT</span>' in text
    assert '<strong id="measured">4</strong>' in text
    for needle in ("GreenIT 112", "RWEB V4 and later no. 7", "priority 4", "Network",
                   "synchronous processings that take more than one minute: at most 0"):
        assert needle in text
    assert 'class="badge compliant">COMPLIANT' in render(clean_report, "html")


def test_charts_table_rows_and_chains(static_report):
    page = parsed(static_report)
    svgs = [a.get("id") for t, a in page.tags if t == "svg"]
    assert svgs == ["chart-verdict", "chart-framework"]
    bars = [a for t, a in page.tags if t == "rect" and a.get("class") == "bar"]
    assert {b["data-verdict"] for b in bars} == {"heavy", "blocking", "clean"}
    rows = [a for t, a in page.tags if t == "tr" and "data-verdict" in a]
    assert len(rows) == len(static_report["handlers"])
    assert [r["data-verdict"] for r in rows][:4] == ["heavy"] * 4  # worst first
    details = [t for t, _ in page.tags if t == "details"]
    assert len(details) == 6  # one per handler with findings
    text = render(static_report, "html")
    assert "<li><code>convert_to_pdf</code> <code>app/reports/services.py:40</code></li>" in text
    assert "Queue the conversion as a job" in text
    assert "legacy/broken.py" in text and "GAL112" in text


def test_hostile_values_are_escaped_everywhere(hostile_report):
    page = parsed(hostile_report)
    assert sum(1 for t, _ in page.tags if t == "script") == 1
    assert not any(t in {"img", "b"} for t, _ in page.tags)
    assert not any(k.startswith("on") for _, a in page.tags for k in a)
    text = "".join(page.text)
    assert "<script>alert('x')</script>" in text  # shown as text, intact
    assert "evil</code><script>alert(2)</script>" in text
    row = next(a for t, a in page.tags if t == "tr" and a.get("data-framework") == "django<b>")
    assert "<script>alert('x')</script>" in row["data-search"]
