"""An inherited method walked for a subclass reuses its own class's walk only where `self` cannot
tell the two apart (analysis/receivers.py), and the reports do not change."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES
from greenit_async_lint.analysis import receivers
from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.catalogue import default_catalogue
from greenit_async_lint.config import Config
from test_order_independence import snapshot

CATALOGUE = default_catalogue()
APPS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())

SOURCE = """\
import subprocess
from flask import Flask
from flask.views import MethodView

app = Flask(__name__)


def convert(exporter):
    subprocess.run(["soffice", "--convert-to", "pdf", exporter.name])


class Exporter:
    name = "report"

    def export(self):
        return self.render()

    def render(self):
        subprocess.run(["soffice", "--convert-to", "pdf", "x"])

    def handed_over(self):
        return convert(self)

    def through_super(self):
        return super().__init__()

    def outside(self):
        return self.render()

    def renamed(self):
        return self.name


    def first(self):
        return self.second()

    def second(self):
        if self.name:
            return self.first()
        return self.render()


class Plain(Exporter):
    pass


class Quiet(Exporter):
    def render(self):
        return b""


class Renamed(Exporter):
    name = "other"


class Viewed(Exporter, MethodView):
    pass
"""


@pytest.fixture(scope="module")
def reach(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("receivers")
    (folder / "app.py").write_text(SOURCE)
    kept: list = []
    analyse(["."], Config(cache=False, jobs=1), cwd=folder, catalogue=CATALOGUE, retain=kept)
    return kept[0][1]


def _reused(reach, method: str, subclass: str) -> bool:
    return reach.receivers.own_class_walk(0, f"Exporter.{method}", (0, subclass))


def test_a_subclass_that_changes_nothing_the_method_reads_reuses_the_walk(reach) -> None:
    assert _reused(reach, "export", "Plain")
    assert _reused(reach, "renamed", "Quiet")  # `name` is not what Quiet overrides


@pytest.mark.parametrize("order", [("first", "second"), ("second", "first")])
def test_a_cycle_of_self_calls_keeps_the_receiver_whichever_is_asked_first(tmp_path: Path, order) -> None:
    """`first` calls `second`, which calls `first` back and `self.render()`, Quiet's own: neither
    walk is the base's, whichever is asked first (while `second` is decided, `first` is met again
    and taken as the same for the time being: that answer must not be kept for `second`)."""
    (tmp_path / "app.py").write_text(SOURCE)
    kept: list = []
    analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path, catalogue=CATALOGUE, retain=kept)
    reuse = receivers.ReceiverReuse(kept[0][1])
    assert [reuse.own_class_walk(0, f"Exporter.{m}", (0, "Quiet")) for m in order] == [False, False]
    assert reuse.own_class_walk(0, "Exporter.first", (0, "Plain"))


@pytest.mark.parametrize("method, subclass", [
    ("export", "Quiet"),  # `self.render()` is Quiet's own
    ("renamed", "Renamed"),  # a class attribute the subclass sets again
    ("handed_over", "Plain"),  # `self` itself goes to another function
    ("through_super", "Plain"),  # `super()` starts from the receiver's lookup order
    ("outside", "Viewed"),  # another outside base: its attributes name the class they are read on
])
def test_what_the_receiver_can_change_keeps_the_receiver(reach, method: str, subclass: str) -> None:
    assert not _reused(reach, method, subclass)


def test_the_override_is_still_found_and_the_reused_walk_is_the_same(reach) -> None:
    own = reach.function_effects(0, "Exporter.export")
    assert [e.code for e in own] == ["GAL101"]
    assert reach.function_effects(0, "Exporter.export", (0, "Plain")) == own
    assert reach.function_effects(0, "Exporter.export", (0, "Quiet")) == ()


def test_self_use_is_read_from_the_summary(reach) -> None:
    use = reach.receivers.self_use(0, "Exporter.export")
    assert use == receivers.SelfUse(frozenset({"render"}), frozenset({"render"}), True)
    assert reach.receivers.self_use(0, "Exporter.renamed").names == {"name"}
    assert not reach.receivers.self_use(0, "Exporter.handed_over").plain


@pytest.mark.parametrize("app", APPS, ids=[p.name for p in APPS])
def test_fixture_reports_do_not_change_without_the_reuse(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reused = snapshot(analyse(["."], Config(cache=False, jobs=1), cwd=app, catalogue=CATALOGUE))
    monkeypatch.setattr(receivers.ReceiverReuse, "own_class_walk", lambda self, mi, qualname, receiver: False)
    assert snapshot(analyse(["."], Config(cache=False, jobs=1), cwd=app, catalogue=CATALOGUE)) == reused
