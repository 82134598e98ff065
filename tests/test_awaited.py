"""Awaited remote and process work (issue 11): the request waits on an async client's call as long as
on a sync one, but the event loop does not.

A bounded awaited call is a warning in an `async def` handler (never a violation: the loop stays
free), a heavy one or one in a loop the code does not bound is a violation, queued or awaited in a
background task it is nothing; work handed to a thread keeps its behaviour. The message says the
call is awaited, and the remedy never tells the user to await an async client they already await.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.analysis.effects import Effect, Hop
from greenit_async_lint.analysis.engine import Report, analyse
from greenit_async_lint.analysis.findings import message_for, severity_for
from greenit_async_lint.catalogue import CatalogueError, default_catalogue, load_catalogue
from greenit_async_lint.config import Config

HEAD = ("import asyncio\nimport aiohttp\nimport httpx\nimport requests\n"
        "from fastapi import BackgroundTasks, FastAPI\nfrom redis import Redis\nfrom rq import Queue\n\n"
        "app = FastAPI()\nqueue = Queue(connection=Redis())\n\n\n")


def _analyse(tmp_path: Path, source: str) -> Report:
    (tmp_path / "app.py").write_text(HEAD + source, "utf-8")
    return analyse(["."], Config.from_mapping({"cache": False, "jobs": 1}), cwd=tmp_path)


def _findings(tmp_path: Path, source: str) -> set[tuple[int, str, str]]:
    offset = HEAD.count("\n")
    return {(f.line - offset, f.code, f.severity) for f in _analyse(tmp_path, source).findings}


def _effect(weight: str = "blocking", awaited: bool = True, **kw: object) -> Effect:
    return Effect("remote-call", "GAL106", weight, "any", "httpx.AsyncClient.get",
                  (Hop("app.py", 1, 1, "client.get"),), awaited=awaited, **kw)  # type: ignore[arg-type]


# -- severity -------------------------------------------------------------------------------------

@pytest.mark.parametrize("effect, is_async, expected", [
    (_effect(), True, "warning"),  # awaited: the loop is free, the user waits
    (_effect(awaited=False), True, "violation"),  # the sync twin blocks the loop
    (_effect(), False, "warning"),  # reached from a sync handler (async_to_sync): as any bounded call
    (_effect("heavy"), True, "violation"),  # an LLM completion, or a loop of calls
    (_effect(on_loop=False), True, None),  # handed to a thread: today's behaviour
    (_effect(awaited=False, on_loop=False), True, None),
    (_effect("heavy", via="in-process-background", via_call="tasks.add_task"), True, None),
    (_effect("heavy", awaited=False, via="in-process-background", via_call="tasks.add_task"), True, "warning"),
])
def test_severity_of_awaited_work(effect: Effect, is_async: bool, expected: str | None) -> None:
    assert severity_for(effect, is_async) == expected


def test_the_message_says_the_call_is_awaited_and_the_user_still_waits() -> None:
    code, message = message_for(_effect(), default_catalogue(), is_async=True)
    assert code == "GAL106"
    assert "awaited" in message and "event loop stays free" in message and "user still waits" in message
    assert "blocks the event loop" not in message and "synchronously" not in message
    _code, sync = message_for(_effect(awaited=False), default_catalogue(), is_async=True)
    assert "blocks the event loop" in sync and "awaited" not in sync


# -- end to end -----------------------------------------------------------------------------------

def test_one_awaited_call_is_a_warning_and_a_loop_of_them_a_violation(tmp_path: Path) -> None:
    src = ("@app.get('/one')\nasync def one():\n    async with httpx.AsyncClient(timeout=5) as client:\n"
           "        return (await client.get('https://api.example.com')).json()\n\n\n"
           "@app.get('/many')\nasync def many(ids: list[str]):\n    async with aiohttp.ClientSession() as session:\n"
           "        for i in ids:\n            await session.get(f'https://api.example.com/{i}')\n\n\n"
           "@app.get('/sync')\nasync def sync_twin():\n    return requests.get('https://api.example.com', timeout=5)\n")
    assert _findings(tmp_path, src) == {(4, "GAL106", "warning"), (11, "GAL106", "violation"),
                                        (16, "GAL106", "violation")}


def test_a_small_literal_loop_of_awaited_calls_stays_a_warning(tmp_path: Path) -> None:
    src = ("@app.get('/two')\nasync def two():\n    async with httpx.AsyncClient(timeout=5) as client:\n"
           "        for url in ('https://a.example.com', 'https://b.example.com'):\n"
           "            await client.get(url)\n")
    assert _findings(tmp_path, src) == {(5, "GAL106", "warning")}


def test_queued_or_background_awaited_work_reports_nothing(tmp_path: Path) -> None:
    src = ("async def fetch_all(ids):\n    async with httpx.AsyncClient() as client:\n"
           "        return [await client.get(f'https://api.example.com/{i}') for i in ids]\n\n\n"
           "@app.post('/queued', status_code=202)\nasync def queued(ids: list[str]):\n"
           "    queue.enqueue(fetch_all, ids)\n\n\n"
           "@app.post('/later')\nasync def later(ids: list[str], tasks: BackgroundTasks):\n"
           "    tasks.add_task(fetch_all, ids)\n")
    assert _findings(tmp_path, src) == set()


def test_a_process_awaited_is_a_warning_and_a_conversion_a_violation(tmp_path: Path) -> None:
    # (`du -s` walks a whole tree, bulk file work: rules/work.yaml; `git rev-parse` is one bounded process.)
    src = ("@app.get('/rev')\nasync def rev(path: str):\n"
           "    proc = await asyncio.create_subprocess_exec('git', '-C', path, 'rev-parse', 'HEAD',\n"
           "                                                stdout=asyncio.subprocess.PIPE)\n"
           "    return (await proc.communicate())[0]\n\n\n"
           "@app.post('/pdf')\nasync def pdf(path: str):\n"
           "    proc = await asyncio.create_subprocess_exec('soffice', '--convert-to', 'pdf', path)\n"
           "    await proc.wait()\n")
    assert _findings(tmp_path, src) == {(3, "GAL107", "warning"), (10, "GAL101", "violation")}


def test_work_handed_to_a_thread_keeps_its_behaviour(tmp_path: Path) -> None:
    src = ("def fetch():\n    return requests.get('https://api.example.com', timeout=5)\n\n\n"
           "@app.get('/threaded')\nasync def threaded():\n    return await asyncio.to_thread(fetch)\n")
    assert _findings(tmp_path, src) == set()


# -- remedies -------------------------------------------------------------------------------------

def test_the_remedy_of_an_awaited_call_does_not_suggest_an_async_client(tmp_path: Path) -> None:
    from greenit_async_lint.fix import attach_fixes

    report = _analyse(tmp_path, "@app.get('/one')\nasync def one():\n"
                                "    async with httpx.AsyncClient() as client:\n"
                                "        return (await client.get('https://api.example.com')).json()\n\n\n"
                                "@app.get('/sync')\nasync def sync_twin():\n"
                                "    return requests.get('https://api.example.com', timeout=5)\n")
    attach_fixes(report, cwd=tmp_path)
    fixes = {f.leaf: f.fix for f in report.findings}
    awaited = fixes["httpx.AsyncClient.get"]
    assert awaited is not None and awaited["pattern"] == "bound-awaited-call"
    text = awaited["title"] + awaited["description"]
    assert "async" not in awaited["title"].lower() and "to_thread" not in text and "202" in awaited["title"]
    assert not awaited["diff"]
    assert "httpx.AsyncClient" in fixes["requests.get"]["title"]  # the sync twin still gets the async client


# -- catalogue ------------------------------------------------------------------------------------

ASYNC_CLIENTS = [
    ("import httpx", "await httpx.AsyncClient().post('https://x', json={})", "GAL106", "httpx.AsyncClient.post",
     "blocking"),
    ("import aiohttp", "async with aiohttp.ClientSession() as s:\n    await s.put('https://x')", "GAL106",
     "aiohttp.ClientSession.put", "blocking"),
    ("from tornado.httpclient import AsyncHTTPClient", "await AsyncHTTPClient().fetch('https://x')", "GAL106",
     "tornado.httpclient.AsyncHTTPClient.fetch", "blocking"),
    ("import aiosmtplib", "await aiosmtplib.send(data, hostname='smtp.example.com')", "GAL105", "aiosmtplib.send",
     "blocking"),
    ("from openai import AsyncOpenAI", "await AsyncOpenAI().chat.completions.create(model='m', messages=[])",
     "GAL106", "openai.AsyncOpenAI.chat.completions.create", "heavy"),
    ("from openai import AsyncOpenAI", "await AsyncOpenAI().embeddings.create(model='m', input=data)",
     "GAL106", "openai.AsyncOpenAI.embeddings.create", "blocking"),
    ("import anthropic", "await anthropic.AsyncAnthropic().messages.create(model='m', max_tokens=9, messages=[])",
     "GAL106", "anthropic.AsyncAnthropic.messages.create", "heavy"),
    ("from llama_index.llms.openai import OpenAI", "await OpenAI().acomplete(data)",
     "GAL106", "llama_index.llms.openai.OpenAI.acomplete", "heavy"),
    ("from httpx_oauth.clients.github import GitHubOAuth2",
     "await GitHubOAuth2('id', 'secret').get_access_token(data, 'https://x/cb')",
     "GAL106", "httpx_oauth.clients.github.GitHubOAuth2.get_access_token", "blocking"),
    ("from fief_client import FiefAsync", "await FiefAsync('https://f', 'id', 'secret').auth_callback(data, 'x')",
     "GAL106", "fief_client.FiefAsync.auth_callback", "blocking"),
    ("from jupyter_client.multikernelmanager import AsyncMultiKernelManager",
     "await AsyncMultiKernelManager().start_kernel(kernel_name='python3')",
     "GAL107", "jupyter_client.multikernelmanager.AsyncMultiKernelManager.start_kernel", "blocking"),
]


@pytest.mark.parametrize("imports, body, code, leaf, weight", ASYNC_CLIENTS, ids=[c[3] for c in ASYNC_CLIENTS])
def test_async_clients_are_catalogued_as_awaited(tmp_path: Path, imports: str, body: str, code: str, leaf: str,
                                                 weight: str) -> None:
    lines = "".join(f"    {line}\n" for line in body.splitlines())
    (tmp_path / "app.py").write_text(f"{imports}\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
                                     f"@app.post('/x')\nasync def handler(data: str):\n{lines}    return 'ok'\n")
    report = analyse(["."], Config.from_mapping({"cache": False, "jobs": 1}), cwd=tmp_path)
    found = {(f.code, f.leaf, f.weight, f.severity, f.awaited) for f in report.findings}
    assert found == {(code, leaf, weight, "warning" if weight == "blocking" else "violation", True)}


@pytest.mark.parametrize("call", ["httpx.AsyncClient.build_request", "httpx.AsyncClient.aclose",
                                  "aiohttp.ClientSession.close", "httpx.AsyncClient.get.json"])
def test_configuring_an_async_client_is_no_work(call: str) -> None:
    assert default_catalogue().work.match(call) is None


def test_awaited_is_a_catalogue_key_users_can_set_and_must_spell_as_a_boolean() -> None:
    extra = {"extra-work": [{"family": "remote-call", "awaited": True, "calls": ["acme.AsyncClient.call"]}]}
    entry = load_catalogue(extra).work.match("acme.AsyncClient.call")
    assert entry is not None and entry.awaited and entry.weight == "blocking"
    # An entry for a shipped pattern keeps the shipped `awaited` unless it says otherwise.
    kept = load_catalogue({"extra-work": [{"weight": "heavy", "calls": ["httpx.AsyncClient.get"]}]})
    entry = kept.work.match("httpx.AsyncClient.get")
    assert entry is not None and entry.awaited and entry.weight == "heavy"
    assert default_catalogue().work.match("requests.get").awaited is False  # type: ignore[union-attr]
    with pytest.raises(CatalogueError) as err:
        load_catalogue({"extra-work": [{"family": "remote-call", "awaited": "yes", "calls": ["acme.x"]}]})
    assert err.value.key == "extra-work[0].awaited"


def test_an_upgraded_process_stays_awaited() -> None:
    catalogue = default_catalogue()
    entry = catalogue.work.match("asyncio.create_subprocess_exec")
    assert entry is not None and entry.awaited
    upgraded = catalogue.work.upgrade(entry, ("soffice --convert-to pdf a.docx",), catalogue.family_code)
    assert upgraded.family == "document-conversion" and upgraded.weight == "heavy" and upgraded.awaited
