"""The loop policy (analysis/loops.py, loopshape.py): which loops turn a blocking call into heavy
work, one small program per shape. A bounded shape leaves `requests.get` a warning in a sync
handler; an unbounded one makes it a violation."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.config import Config

HEAD = """\
import time
import requests
from flask import Flask, request

app = Flask(__name__)
MAX_RETRIES = 3
MANY = 500
URL = "https://partner.example.com"


class Client:
    MAX_TRIES = 4
    PAGES = 1000

"""


def severity(tmp_path: Path, method: str, call: str = "Client().run()") -> set[str]:
    """The severities reported for the handler that calls `method` (a method of Client)."""
    source = HEAD + textwrap.indent(textwrap.dedent(method), "    ") + (
        f"\n\n@app.get('/x')\ndef view():\n    return {call}\n")
    (tmp_path / "app.py").write_text(source)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    return {f"{f.code}{'!' if f.severity == 'violation' else '?'}" for f in report.findings}


BOUNDED = {
    "a comprehension over a literal": """
        def run(self):
            urls = [URL + p for p in ("/a", "/b")]
            for url in urls:
                requests.get(url, timeout=5)
        """,
    "a one-item list": """
        def run(self):
            for url in [URL]:
                requests.get(url, timeout=5)
        """,
    "range of a class constant": """
        def run(self):
            for attempt in range(self.MAX_TRIES):
                requests.get(URL, timeout=5)
        """,
    "range of a module constant": """
        def run(self):
            for attempt in range(MAX_RETRIES):
                requests.get(URL, timeout=5)
        """,
    "range of a module constant plus one": """
        def run(self):
            for hop in range(MAX_RETRIES + 1):
                requests.get(URL, timeout=5)
        """,
    "range of a class constant through the class": """
        def run(self):
            for attempt in range(Client.MAX_TRIES):
                requests.get(URL, timeout=5)
        """,
    "retry that returns on success": """
        def run(self):
            for attempt in range(int(request.args["n"])):
                reply = requests.get(URL, timeout=5)
                if reply.ok:
                    return reply.json()
        """,
    "retry that breaks right after the call": """
        def run(self):
            for attempt in range(int(request.args["n"])):
                try:
                    requests.get(URL, timeout=5)
                    break
                except requests.RequestException:
                    continue
        """,
    "while True returning the call": """
        def run(self):
            while True:
                try:
                    return requests.get(URL, timeout=5).json()
                except requests.ConnectionError:
                    continue
        """,
    "search that breaks at the first hit": """
        def run(self):
            for url in request.json["mirrors"]:
                reply = requests.head(url, timeout=2)
                if reply.ok:
                    break
        """,
    "while counting up to a constant": """
        def run(self):
            tries = 0
            while tries < MAX_RETRIES:
                tries += 1
                requests.get(URL, timeout=5)
        """,
    "while counting up to a literal, both sides": """
        def run(self):
            tries = 0
            while 5 > tries and not self.done:
                tries += 1
                requests.get(URL, timeout=5)
        """,
    "while True with a retry budget that raises when spent": """
        def run(self):
            budget = 5
            while True:
                requests.get(URL, timeout=5)
                budget -= 1
                if budget == 0:
                    raise RuntimeError("gave up")
        """,
    "while True counting up to a constant": """
        def run(self):
            tries = 0
            while True:
                tries += 1
                if tries > MAX_RETRIES:
                    break
                requests.get(URL, timeout=5)
        """,
    "while counting up, with the counter assigned": """
        def run(self):
            tries = 0
            while tries < MAX_RETRIES:
                tries = tries + 1
                requests.get(URL, timeout=5)
        """,
    "the failure path of a retry loop that gives up": """
        def run(self):
            while True:
                if self.ready():
                    break
                requests.post(URL + "/wake", timeout=5)
                if self.gave_up():
                    raise RuntimeError("partner asleep")
        """,
    "while before a deadline": """
        def run(self):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                requests.get(URL, timeout=5)
        """,
    "a search whose block from the call on only leaves the loop": """
        def run(self):
            for hook in request.json["hooks"]:
                if hook.get("url") != URL:
                    continue
                reply = requests.get(URL + hook["id"], timeout=5)
                if not reply.ok:
                    raise ValueError(hook["id"])
                return reply.json()
            return None
        """,
    "a loop body ending in break": """
        def run(self):
            for url in request.json["urls"]:
                for attempt in range(3):
                    requests.get(url, timeout=5)
                break
        """,
    "the links of one reply's JSON body": """
        def run(self):
            data = requests.get(URL, timeout=5).json()
            for link in data.get("links", []):
                if link.get("rel") == "self":
                    requests.get(link["href"], timeout=5)
        """,
    "the entries of one reply's JSON, read by a subscript": """
        def run(self):
            reply = requests.get(URL, timeout=5)
            for link in reply.json()["links"]:
                requests.head(link, timeout=5)
        """,
    "the chunks of one reply": """
        def run(self):
            reply = requests.get(URL, stream=True, timeout=5)
            for chunk in reply.iter_content(65536):
                self.out.write(chunk)
        """,
}

UNBOUNDED = {
    "a comprehension over what the request sent": """
        def run(self):
            urls = [u.strip() for u in request.form.getlist("u")]
            for url in urls:
                requests.get(url, timeout=5)
        """,
    "an empty list the code fills": """
        def run(self):
            urls = []
            for line in request.get_data(as_text=True).split():
                urls.append(line)
            for url in urls:
                requests.get(url, timeout=5)
        """,
    "range of a large module constant": """
        def run(self):
            for page in range(MANY):
                requests.get(URL, timeout=5)
        """,
    "range of a large class constant": """
        def run(self):
            for page in range(self.PAGES):
                requests.get(URL, timeout=5)
        """,
    "range of a large constant plus one": """
        def run(self):
            for page in range(MANY + 1):
                requests.get(URL, timeout=5)
        """,
    "a request list": """
        def run(self):
            for url in request.json["urls"]:
                requests.get(url, timeout=5)
        """,
    "a loop that breaks after another statement than the call": """
        def run(self):
            for url in request.json["urls"]:
                requests.get(url, timeout=5)
                if self.enough():
                    self.stop()
                    break
        """,
    "a continue between the call and the final return": """
        def run(self):
            for url in request.json["urls"]:
                reply = requests.get(url, timeout=5)
                if not reply.ok:
                    continue
                return reply.json()
        """,
    "a continue in a compound statement after the call": """
        def run(self):
            for url in request.json["urls"]:
                requests.get(url, timeout=5)
                try:
                    self.check(url)
                except ValueError:
                    continue
                break
        """,
    "a raise that a handler in the loop catches": """
        def run(self):
            for url in request.json["urls"]:
                try:
                    requests.get(url, timeout=5)
                    raise ValueError(url)
                except ValueError:
                    pass
        """,
    "while True without a way out after the call": """
        def run(self):
            while True:
                requests.get(URL, timeout=5)
                time.sleep(1)
        """,
    "the reply's entries or what the request sent": """
        def run(self):
            data = requests.get(URL, timeout=5).json()
            for link in data.get("links") if self.remote else request.json["links"]:
                requests.get(link, timeout=5)
        """,
    "a countdown from a size the request gives": """
        def run(self):
            remaining = len(request.json["urls"])
            while remaining > 0:
                remaining -= 1
                requests.get(request.json["urls"][remaining], timeout=5)
        """,
    "a countdown from a parameter": """
        def run(self, pages=None):
            pages = pages or 0
            while True:
                requests.get(URL, timeout=5)
                pages -= 1
                if pages == 0:
                    break
        """,
    "while True whose counter is tested in a nested block": """
        def run(self):
            tries = 0
            while True:
                requests.get(URL, timeout=5)
                tries += 1
                if self.strict:
                    if tries > 3:
                        break
        """,
    "a drain that leaves when the queue is empty": """
        def run(self):
            while True:
                if self.queue.empty():
                    break
                requests.post(URL, json=self.queue.get(), timeout=5)
        """,
    "while compared with a size the request gives": """
        def run(self):
            n = 0
            while n < len(request.json["urls"]):
                requests.get(request.json["urls"][n], timeout=5)
                n += 1
        """,
}


@pytest.mark.parametrize("method", BOUNDED.values(), ids=list(BOUNDED))
def test_a_bounded_loop_leaves_the_call_blocking(tmp_path: Path, method: str) -> None:
    assert severity(tmp_path, method) == {"GAL106?"}


@pytest.mark.parametrize("method", UNBOUNDED.values(), ids=list(UNBOUNDED))
def test_an_unbounded_loop_makes_the_call_heavy(tmp_path: Path, method: str) -> None:
    assert "GAL106!" in severity(tmp_path, method)


def test_a_deadline_loop_still_makes_a_poll_polling(tmp_path: Path) -> None:
    method = """
        def run(self):
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                if AsyncResult(request.args["job"]).ready():
                    return {"done": True}
        """
    source = HEAD.replace("import time\n", "import time\nfrom celery.result import AsyncResult\n")
    source += textwrap.indent(textwrap.dedent(method), "    ") + (
        "\n\n@app.get('/x')\ndef view():\n    return Client().run()\n")
    (tmp_path / "app.py").write_text(source)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert {(f.severity, f.weight) for f in report.findings} == {("violation", "heavy")}


# -- a loop over a parameter: the caller's argument decides (loops.py `at_call`, `Effect.before`) --

FETCH_ALL = """
def fetch_all(urls):
    for url in urls:
        requests.get(url, timeout=5)


def fetch_each(urls):
    return [requests.get(url, timeout=5) for url in enumerate(urls)]


def fetch_more(urls):
    for extra in request.json["more"]:
        urls.append(extra)
    for url in urls:
        requests.get(url, timeout=5)


def relay(urls):
    fetch_all(urls)


def relay_hooks(hooks):
    fetch_all([hook["url"] for hook in hooks])


def relay_each(hooks):
    for hook in hooks:
        fetch_all([hook["url"]])

"""


def view_severity(tmp_path: Path, body: str) -> set[str]:
    """The severities reported for a view whose body is `body`, with FETCH_ALL's helpers."""
    source = HEAD + FETCH_ALL + "\n@app.get('/x')\ndef view():\n" + textwrap.indent(textwrap.dedent(body), "    ")
    (tmp_path / "app.py").write_text(source)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    return {f"{f.code}{'!' if f.severity == 'violation' else '?'}" for f in report.findings}


CALLER_BOUNDED = {
    "a one-item list": "fetch_all([URL])",
    "a tuple of two": "fetch_all((URL, URL + '/b'))",
    "a name bound to a small display": "urls = [URL, URL + '/b']\nfetch_all(urls)",
    "through a wrapper in the callee": "fetch_each([URL])",
    "passed on by a helper of its own": "relay([URL])",
    "a comprehension over a helper's parameter": "relay_hooks([{'url': URL}])",
    "one item a turn of a helper's loop over its parameter": "relay_each([{'url': URL}])",
}

CALLER_UNBOUNDED = {
    "what the request sent": "fetch_all(request.json['urls'])",
    "a display the caller fills in a loop": "urls = [URL]\nfor u in request.json['urls']:\n    urls.append(u)\nfetch_all(urls)",
    "a display the callee adds to": "fetch_more([URL])",
    "a one-item list in a loop over what the request sent": "for u in request.json['urls']:\n    fetch_all([u])",
    "a literal passed on, in a loop": "for u in request.json['urls']:\n    relay([URL])",
    "an argument the code does not know": "fetch_all(request.args.getlist('u'))",
    "a comprehension over what the request sent, in a helper": "relay_hooks(request.json['hooks'])",
    "one item a turn of a helper's loop over what the request sent": "relay_each(request.json['hooks'])",
}


@pytest.mark.parametrize("body", CALLER_BOUNDED.values(), ids=list(CALLER_BOUNDED))
def test_a_loop_over_a_parameter_the_caller_passes_a_small_literal_does_not_amplify(tmp_path: Path, body: str) -> None:
    assert view_severity(tmp_path, body) == {"GAL106?"}


@pytest.mark.parametrize("body", CALLER_UNBOUNDED.values(), ids=list(CALLER_UNBOUNDED))
def test_a_loop_over_a_parameter_the_caller_does_not_bound_amplifies(tmp_path: Path, body: str) -> None:
    assert view_severity(tmp_path, body) == {"GAL106!"}


# A function handed to a background task or a thread gets the arguments after it: its loop over a
# parameter is judged by them as for a direct call (offloads.yaml `background`, `threads`).
HANDED = '''
import asyncio

import requests
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()
URL = "https://partner.example.com/hook"


def fetch_all(urls):
    for url in urls:
        requests.get(url, timeout=5)


@app.post("/one")
def one(background: BackgroundTasks):
    background.add_task(fetch_all, [URL])


@app.post("/many")
def many(urls: list[str], background: BackgroundTasks):
    background.add_task(fetch_all, urls)


@app.post("/thread-one")
async def thread_one():
    await asyncio.to_thread(fetch_all, [URL])


@app.post("/thread-many")
async def thread_many(urls: list[str]):
    await asyncio.to_thread(fetch_all, urls)
'''



SETTINGS = """\
import os

from environs import Env

env = Env()
SIZES = env.list("SIZES", [400, 1200], subcast=int)
MIRRORS = os.environ.get("MIRRORS", ("https://a.example.com", "https://b.example.com"))
PARTNERS = ("https://a.example.com", "https://b.example.com")
FEEDS = env.list("FEEDS")
"""


@pytest.mark.parametrize("name, expected", [
    ("SIZES", {"GAL106?"}),  # read from the environment, with a small default: the operator's constant
    ("MIRRORS", {"GAL106?"}),
    ("PARTNERS", {"GAL106?"}),  # a constant of another module, through its import
    ("FEEDS", {"GAL106!"}),  # no default: nothing says how many
])
def test_a_loop_over_a_setting_or_an_imported_constant_is_bounded_by_its_value(tmp_path: Path, name: str,
                                                                                 expected: set[str]) -> None:
    (tmp_path / "settings.py").write_text(SETTINGS)
    method = f"""
        def run(self):
            from settings import {name}
            for item in {name}:
                requests.get(URL + str(item), timeout=5)
        """
    assert severity(tmp_path, method) == expected

def test_a_function_handed_to_a_task_or_a_thread_is_judged_by_the_arguments_after_it(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(HANDED)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    found = {(f.handler.qualname if f.handler else "", f.code) for f in report.findings}
    # one URL: a blocking call, fine in a background task or a thread; the client's list: heavy there
    assert found == {("many", "GAL205"), ("thread_many", "GAL203")}, found
