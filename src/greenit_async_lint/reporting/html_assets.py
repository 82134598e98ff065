"""The stylesheet and script inlined into the HTML report.

Kept as constants apart from the page builder so that their SHA-256 hashes can go into the page's
Content-Security-Policy: the browser then runs this script and nothing else, and fetches nothing
at all, even if a value from the report slipped through escaping. The script only sorts and
filters rows already in the page; it never reads report data, so there is no JSON to escape.
"""
from __future__ import annotations

import base64
import hashlib

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f;
       margin: 0 auto; max-width: 1240px; padding: 16px 24px 48px; background: #fafafa; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f0f0f0;
       padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; background: #fff; }
table#totals { width: auto; min-width: 480px; }
#handlers th.wide { width: 34%; }
#handlers th.remedy { width: 26%; }
th, td { border: 1px solid #ddd; padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num, th.num { text-align: right; }
.badge { display: inline-block; padding: 3px 10px; border-radius: 12px; color: #fff; font-weight: 600; }
.badge.compliant { background: #2e7d32; }
.badge.not-compliant { background: #c62828; }
.verdict { font-weight: 600; }
.verdict.heavy { color: #c62828; }
.verdict.blocking { color: #b36b00; }
.verdict.clean { color: #2e7d32; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.charts svg { background: #fff; border: 1px solid #ddd; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 8px 0; }
.filters input { min-width: 260px; padding: 4px 6px; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; }
th button::after { content: " \\2195"; color: #999; }
th button[data-dir="asc"]::after { content: " \\2191"; color: #222; }
th button[data-dir="desc"]::after { content: " \\2193"; color: #222; }
details summary { cursor: pointer; }
details ol { margin: 4px 0 4px 0; padding-left: 20px; }
.finding { margin: 6px 0; }
.baselined { color: #666; }
.gate.failed { color: #c62828; font-weight: 600; }
.gate.passed { color: #2e7d32; font-weight: 600; }
footer { margin-top: 32px; color: #666; font-size: 12px; }
"""

JS = """
(function () {
  "use strict";
  var table = document.getElementById("handlers");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById("filter-text");
  var verdict = document.getElementById("filter-verdict");
  var framework = document.getElementById("filter-framework");
  var shown = document.getElementById("shown-count");

  function apply() {
    var q = text.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (row) {
      var ok = (!q || row.getAttribute("data-search").indexOf(q) !== -1) &&
               (!verdict.value || row.getAttribute("data-verdict") === verdict.value) &&
               (!framework.value || row.getAttribute("data-framework") === framework.value);
      row.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = n + " of " + rows.length + " handlers shown";
  }

  function sortBy(button) {
    var index = button.parentNode.cellIndex;
    var numeric = button.getAttribute("data-type") === "number";
    var dir = button.getAttribute("data-dir") === "asc" ? "desc" : "asc";
    Array.prototype.forEach.call(table.tHead.querySelectorAll("button"), function (b) {
      b.removeAttribute("data-dir");
      b.parentNode.setAttribute("aria-sort", "none");
    });
    button.setAttribute("data-dir", dir);
    button.parentNode.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
    rows.sort(function (a, b) {
      var x = a.cells[index].getAttribute("data-sort") || "";
      var y = b.cells[index].getAttribute("data-sort") || "";
      var c = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y);
      return dir === "asc" ? c : -c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  Array.prototype.forEach.call(table.tHead.querySelectorAll("button"), function (button) {
    button.addEventListener("click", function () { sortBy(button); });
  });
  [text, verdict, framework].forEach(function (control) {
    control.addEventListener("input", apply);
    control.addEventListener("change", apply);
  });
  document.getElementById("expand-all").addEventListener("click", function () {
    var open = this.getAttribute("aria-pressed") !== "true";
    this.setAttribute("aria-pressed", open ? "true" : "false");
    this.textContent = open ? "Collapse all chains" : "Expand all chains";
    Array.prototype.forEach.call(body.querySelectorAll("details"), function (d) { d.open = open; });
  });
  apply();
  document.documentElement.setAttribute("data-ready", "true");
})();
"""


def csp_hash(text: str) -> str:
    """The CSP source expression that allows exactly this inline element content."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy() -> str:
    # default-src 'none': no fetch of any kind (fonts, images, scripts, frames, connections).
    return (f"default-src 'none'; style-src {csp_hash(CSS)}; script-src {csp_hash(JS)}; "
            "img-src data:; base-uri 'none'; form-action 'none'")
