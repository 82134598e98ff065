"""A confidence on every finding (issue 12 item 4): high when every hop of the chain was resolved,
medium when one hop was a guess (a subclass's override of a base's stub, a callable picked from a
registry filled elsewhere), with the reason in the message; `--min-confidence` and the gate."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES
from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.config import Config

HEAD = "import subprocess\nfrom flask import Flask\napp = Flask(__name__)\n\n"

PLUGINS = HEAD + '''
class Exporter:
    def render(self, rows):
        raise NotImplementedError

class CsvExporter(Exporter):
    def render(self, rows):
        return ",".join(rows)

class PdfExporter(Exporter):
    def render(self, rows):
        subprocess.run(["soffice", "--convert-to", "pdf", "x"])

def export_with(exporter: Exporter, rows):
    return exporter.render(rows)

@app.get("/guessed")
def guessed():
    return export_with(None, [])

@app.get("/resolved")
def resolved():
    return PdfExporter().render([])
'''

REGISTRY = HEAD + '''
HANDLERS = {}
EXPORTERS = {"pdf": None}

def register(name):
    def deco(fn):
        HANDLERS[name] = fn
        return fn
    return deco

@register("video")
def transcode(p):
    subprocess.run(["ffmpeg", "-i", p, "out.webm"])

@register("text")
def plain(p):
    return p

@app.post("/media/<kind>")
def media(kind):
    return HANDLERS[kind]("x")

@app.post("/media-get/<kind>")
def media_get(kind):
    handler = HANDLERS.get(kind)
    return handler("x")

@app.post("/direct")
def direct():
    return transcode("x")
'''


def _findings(tmp_path: Path, source: str, minimum: str = "medium") -> dict[str, tuple[str, str, str]]:
    """{handler: (confidence, reason, message)}."""
    (tmp_path / "app.py").write_text(source)
    report = analyse(["."], Config(cache=False, jobs=1, min_confidence=minimum), cwd=tmp_path)
    return {f.handler.qualname: (f.confidence, f.confidence_reason, f.message) for f in report.findings if f.handler}


def test_an_override_found_through_a_base_receiver_is_medium_and_says_why(tmp_path: Path) -> None:
    found = _findings(tmp_path, PLUGINS)
    confidence, reason, message = found["guessed"]
    assert confidence == "medium"
    assert reason == "`exporter.render` resolved to PdfExporter.render, one of 2 subclasses of Exporter overriding it"
    assert message.endswith(f"(medium confidence: {reason})")
    # The same override on a receiver built as the subclass itself is no guess.
    assert found["resolved"][:2] == ("high", "")


PROPERTIES = HEAD + '''
import abc

class Renderer:
    def render(self):
        subprocess.run(["soffice", "--convert-to", "pdf", "x"])

class Doc(abc.ABC):
    @property
    @abc.abstractmethod
    def renderer(self): ...

    def build(self):
        return self.renderer.render()

class PdfDoc(Doc):
    @property
    def renderer(self):
        return Renderer()

def build_any(doc: Doc):
    return doc.renderer.render()

@app.get("/guessed")
def guessed():
    return build_any(None)

@app.get("/resolved")
def resolved():
    return PdfDoc().build()
'''


def test_a_receiver_read_through_a_stub_property_is_medium(tmp_path: Path) -> None:
    found = _findings(tmp_path, PROPERTIES)
    assert found["guessed"][:2] == (
        "medium", "`doc.renderer` resolved through the only subclass of Doc overriding the stub property `renderer`")
    assert found["resolved"][:2] == ("high", "")  # the subclass's own property, through the template method


def test_a_callable_picked_from_a_registry_filled_elsewhere_is_medium(tmp_path: Path) -> None:
    found = _findings(tmp_path, REGISTRY)
    assert found["media"][0] == "medium"
    assert found["media"][1] == "`HANDLERS[...]` resolved to transcode, one of 2 callables registered in HANDLERS"
    assert found["media_get"][0] == "medium" and "registered in HANDLERS" in found["media_get"][1]
    assert found["direct"][:2] == ("high", "")  # the registered function called by its name


def test_a_registry_with_one_callable_gives_what_was_resolved(tmp_path: Path) -> None:
    source = REGISTRY.replace('@register("text")\n', "")
    assert _findings(tmp_path, source)["media"][:2] == ("high", "")


def test_min_confidence_high_drops_medium_findings(tmp_path: Path) -> None:
    assert set(_findings(tmp_path, PLUGINS, "high")) == {"resolved"}
    assert set(_findings(tmp_path, PLUGINS, "medium")) == {"guessed", "resolved"}


def test_flask_plugins_reports_its_guessed_hops_at_medium() -> None:
    """The fixture's annotations say nothing of confidence: the hierarchy hops are checked here."""
    report = analyse(["."], Config(cache=False, jobs=1), cwd=FIXTURES / "flask_plugins")
    confidence = {f.handler.qualname: f.confidence for f in report.findings if f.handler}
    # `export_with(None, ...)`: an `Exporter` parameter, so `render` is one of its subclasses' overrides.
    assert confidence.pop("export") == "medium"
    # Factories that return the subclass, constructor arguments, registries typed by annotation:
    # resolved, not guessed.
    assert {"import_upload", "report", "document", "registry"} <= set(confidence)
    assert set(confidence.values()) == {"high"}


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "greenit_async_lint", "check", "--no-cache", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def guessed_only(tmp_path: Path) -> Path:
    """A project whose only finding is a medium one (a violation)."""
    (tmp_path / "app.py").write_text(PLUGINS.replace("return PdfExporter().render([])", "return None"))
    return tmp_path


def test_the_gate_counts_medium_by_default_and_not_above_it(guessed_only: Path) -> None:
    default = _cli(cwd=guessed_only)
    assert default.returncode == 1, default.stdout + default.stderr
    assert "medium confidence: `exporter.render` resolved to PdfExporter.render" in default.stdout
    high = _cli("--min-confidence", "high", cwd=guessed_only)
    assert high.returncode == 0, high.stdout + high.stderr
    assert "0 violations" in high.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown", "html", "github", "gitlab", "junit"])
def test_every_format_shows_a_medium_finding_and_its_reason(guessed_only: Path, fmt: str) -> None:
    result = _cli("--format", fmt, cwd=guessed_only)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "medium confidence" in out and "one of 2 subclasses of Exporter" in out, out[-2000:]
    if fmt == "json":
        finding = json.loads(out)["findings"][0]
        assert finding["confidence"] == "medium" and finding["confidence_reason"].startswith("`exporter.render`")
    if fmt == "markdown":  # the handler table's evidence says it too
        assert "GAL101 (medium confidence): `export_with`" in out
    if fmt == "sarif":
        properties = json.loads(out)["runs"][0]["results"][0]["properties"]
        assert properties["confidence"] == "medium"
        assert properties["confidence_reason"].startswith("`exporter.render`")
