"""Leaf labelling: the in-app call site and the blocking call, named like the static checker does."""
from __future__ import annotations

import subprocess
import sys
import threading
import time

from greenit_async_lint.runtime.labels import Paths, describe_handler, label_leaf, load_matcher, module_names
from greenit_async_lint.runtime.sampling import sample_thread


class Hit:
    family, weight, code = "external-process", "blocking", "GAL107"


def _sample_while(target, pause=0.3):
    worker = threading.Thread(target=target)
    worker.start()
    time.sleep(pause)
    stack, _ = sample_thread(worker.ident)
    worker.join(10)
    return stack


def _blocking_subprocess():
    subprocess.run([sys.executable, "-c", "import time; time.sleep(1)"], check=True)


def test_library_frames_are_named_module_qualname_and_matched(tmp_path):
    stack = _sample_while(_blocking_subprocess)
    asked = []

    def match(name):
        asked.append(name)
        return Hit() if name == "subprocess.run" else None

    leaf = label_leaf(stack, Paths(__file__.rsplit("/tests/", 1)[0]), module_names(), match)
    assert leaf["call"] == "subprocess.run" and leaf["code"] == "GAL107" and leaf["family"] == "external-process"
    assert leaf["path"] == "tests/runtime/test_runtime_labels.py" and leaf["function"] == "_blocking_subprocess"
    assert leaf["source"].startswith("subprocess.run(")
    assert "subprocess.run" in asked


def test_c_calls_are_read_from_the_in_app_line_and_aliases_resolved(tmp_path):
    module = tmp_path / "aliased.py"
    module.write_text("from time import sleep as nap\n\ndef view():\n    nap(0.5)\n")
    namespace: dict = {}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    stack = _sample_while(namespace["view"], pause=0.2)
    leaf = label_leaf(stack, Paths(str(tmp_path)), module_names(), None)
    assert leaf == {"path": "aliased.py", "line": 4, "call": "time.sleep", "function": "view", "source": "nap(0.5)"}


def test_without_a_matcher_the_call_is_named_but_not_labelled():
    stack = _sample_while(_blocking_subprocess)
    leaf = label_leaf(stack, Paths(__file__.rsplit("/tests/", 1)[0]), module_names(), None)
    assert leaf["call"] == "subprocess.run" and "family" not in leaf


def test_real_catalogue_labels_the_leaf_when_available():
    match = load_matcher()
    assert match is not None, "the runtime hook could not load the catalogue that ships with it"
    stack = _sample_while(_blocking_subprocess)
    leaf = label_leaf(stack, Paths(__file__.rsplit("/tests/", 1)[0]), module_names(), match)
    assert leaf["call"] == "subprocess.run" and leaf["family"] == "external-process"


def test_handler_names_match_the_static_checkers_form(tmp_path):
    def outer():
        def inner():
            pass
        return inner

    class View:
        def get(self):
            pass

    paths = Paths(__file__.rsplit("/tests/", 1)[0])
    assert describe_handler(outer(), "GET", paths)["qualname"].endswith("outer.inner")
    assert "<locals>" not in describe_handler(outer(), "GET", paths)["qualname"]
    assert describe_handler(View().get, "GET", paths)["path"] == "tests/runtime/test_runtime_labels.py"
    as_view = lambda: None  # noqa: E731  (Django's as_view() wrapper carries view_class)
    as_view.view_class = View
    assert describe_handler(as_view, "GET", paths)["qualname"].endswith("View.get")


def test_frames_outside_the_project_carry_no_absolute_machine_path(tmp_path, monkeypatch):
    project, elsewhere = tmp_path / "project", tmp_path / "opt" / "vendor"
    project.mkdir()
    elsewhere.mkdir(parents=True)
    monkeypatch.syspath_prepend(str(tmp_path / "opt"))
    paths = Paths(str(project))
    assert paths.rel(str(project / "app" / "views.py")) == "app/views.py"
    assert paths.rel(str(elsewhere / "lib.py")) == "<python-path>/vendor/lib.py"
    assert paths.rel(str(tmp_path / "nowhere" / "mod.py")) == "<external>/mod.py"
    assert paths.rel("<frozen runpy>") == "<frozen runpy>"
    # A handler defined outside the project root (this test file) is named without the machine's path.
    assert not describe_handler(_blocking_subprocess, "GET", paths)["path"].startswith("/")
