"""The HTML report in real headless Chromium: it renders, its script runs without a console
message, nothing is fetched, sorting/filtering work, and a screenshot is taken.

Chromium is Debian's `chromium` package (`apt-get install -y chromium`); the tests skip, saying
so, only where no Chromium binary can be found (and fail instead when GREENIT_REQUIRE names chromium,
as CI does). Console messages (uncaught errors, Content-Security-
Policy violations, i.e. any attempted fetch or injected script) are read from Chromium's own log
on stderr. Set GAL_SCREENSHOT_DIR to keep the screenshots for a look.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from capabilities import skip_unless_available
from greenit_async_lint.reporting import render
from greenit_async_lint.reporting.html_assets import JS, csp_hash
from greenit_async_lint.reporting.merge import merge_reports

TIMEOUT_S = 90
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name) or (name if os.path.isabs(name) and os.access(name, os.X_OK) else None)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        skip_unless_available("chromium", "Chromium not found (install Debian's chromium: apt-get install -y chromium)")
    return binary


def run(chromium: str, page: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / "profile"
    profile.mkdir(exist_ok=True)
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
        "--enable-logging=stderr", "--v=0", "--host-resolver-rules=MAP * ~NOTFOUND", *extra, page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def console(stderr: str) -> list[str]:
    """Console messages from the page: errors, CSP violations, logs (the report logs nothing)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


class Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: dict[str, str] = {}
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        self._open = attributes.get("id")

    def handle_data(self, data):
        if self._open:
            self.ids[self._open] = self.ids.get(self._open, "") + data


def dump(chromium: str, html_text: str, tmp: Path) -> tuple[Dom, str]:
    page = tmp / "report.html"
    page.write_text(html_text, encoding="utf-8")
    result = run(chromium, page, tmp, "--dump-dom")
    dom = Dom()
    dom.feed(result.stdout)
    return dom, result.stderr


@pytest.fixture
def merged(static_report, runtime_report):
    return merge_reports([static_report, runtime_report])


def test_report_renders_with_chart_rows_and_no_console_message(chromium, merged, tmp_path):
    dom, stderr = dump(chromium, render(merged, "html"), tmp_path)
    assert console(stderr) == []
    html_tag = next(a for t, a in dom.tags if t == "html")
    assert html_tag.get("data-ready") == "true", "the report's script did not run to its end"
    assert [a.get("id") for t, a in dom.tags if t == "svg"] == ["chart-verdict", "chart-framework"]
    assert sum(1 for t, a in dom.tags if t == "rect" and a.get("class") == "bar") >= 3
    rows = [a for t, a in dom.tags if t == "tr" and "data-verdict" in a]
    assert len(rows) == len(merged["handlers"]) == 9
    assert dom.ids["shown-count"] == "9 of 9 handlers shown"  # written by the script


SCENARIO = """
(function () {
  var out = {};
  function visible() {
    return Array.prototype.filter.call(document.querySelectorAll("#handlers tbody tr"), function (r) { return !r.hidden; });
  }
  function set(id, value) {
    var el = document.getElementById(id); el.value = value; el.dispatchEvent(new Event("input"));
  }
  set("filter-text", "billing"); out.text = visible().length;
  set("filter-text", ""); set("filter-verdict", "clean"); out.clean = visible().length;
  set("filter-verdict", ""); set("filter-framework", "fastapi"); out.fastapi = visible().length;
  set("filter-framework", "");
  out.shown = document.getElementById("shown-count").textContent;
  var wait = Array.prototype.filter.call(document.querySelectorAll("#handlers th button"),
    function (b) { return b.textContent.indexOf("Longest wait") === 0; })[0];
  wait.click(); wait.click();
  out.slowest = document.querySelector("#handlers tbody tr").getAttribute("data-search").split(" ")[1];
  out.sort = wait.parentNode.getAttribute("aria-sort");
  document.getElementById("expand-all").click();
  out.open = document.querySelectorAll("#handlers details[open]").length;
  out.details = document.querySelectorAll("#handlers details").length;
  var pre = document.createElement("pre"); pre.id = "scenario"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
"""


def test_filters_sorting_and_expansion_work_in_the_browser(chromium, merged, tmp_path):
    page = render(merged, "html")
    # Run a scenario after the report's script; the CSP must allow this one extra script too.
    policy = escape(f"script-src {csp_hash(JS)}", quote=True)  # as written in the meta attribute
    assert policy in page
    page = page.replace(policy, escape(f"script-src {csp_hash(JS)} {csp_hash(SCENARIO)}", quote=True))
    page = page.replace("</body>", f"<script>{SCENARIO}</script>\n</body>")
    dom, stderr = dump(chromium, page, tmp_path)
    assert console(stderr) == []
    result = json.loads(dom.ids["scenario"])
    assert result["text"] == 1 and result["clean"] == 2 and result["fastapi"] == 3
    assert result["shown"] == "9 of 9 handlers shown"
    assert result["slowest"] == "run_billing"  # 95 s, the longest measured wait
    assert result["sort"] == "descending"
    assert result["open"] == result["details"] >= 7


def test_hostile_report_injects_nothing(chromium, hostile_report, tmp_path):
    dom, stderr = dump(chromium, render(hostile_report, "html"), tmp_path)
    assert console(stderr) == []  # no script ran but ours, nothing tried to load
    assert sum(1 for t, _ in dom.tags if t == "script") == 1
    assert not any(t in {"img", "b"} for t, _ in dom.tags)
    assert next(a for t, a in dom.tags if t == "html").get("data-ready") == "true"


def test_a_blocked_injection_would_be_seen(chromium, static_report, tmp_path):
    """Guards the console check itself: an unescaped script must show up as a console message."""
    page = render(static_report, "html").replace("</body>", "<script>alert(1)</script></body>")
    _, stderr = dump(chromium, page, tmp_path)
    assert any("Content Security Policy" in line for line in console(stderr))


def test_screenshot(chromium, merged, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render(merged, "html"), encoding="utf-8")
    shot = tmp_path / "report.png"
    result = run(chromium, page, tmp_path, f"--screenshot={shot}", "--window-size=1280,1600", "--hide-scrollbars")
    assert console(result.stderr) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 1600)
    assert len(data) > 50_000, "a blank page compresses to a few kB"
    keep = os.environ.get("GAL_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "html-report.png")
