"""Library calls in the work catalogue, each with its weight, checked through the engine on a small
Flask handler: what it reports (code, leaf, weight), and what it must not report.

A sync handler is used so that `scope: async` entries stay out of the way; `blocking` work there is
a warning, `heavy` work a violation. Each case names the call the way applications write it, so a
pattern that does not match what the engine resolves (a missing return type) fails here.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.config import Config

HEADER = "from flask import Flask\n{imports}\n\napp = Flask(__name__)\n\n\n@app.post('/x')\ndef handler(path, data):\n"


def _report(tmp_path: Path, imports: str, body: str) -> list[tuple[str, str, str]]:
    lines = "".join(f"    {line}\n" for line in body.splitlines())
    (tmp_path / "app.py").write_text(HEADER.format(imports=imports) + lines + "    return 'ok'\n", "utf-8")
    report = analyse(["."], Config.from_mapping({"cache": False, "jobs": 1}), cwd=tmp_path)
    return [(f.code, f.leaf, f.weight) for f in report.findings]


REPORTED = [
    # LDAP directories
    ("import ldap3", "conn = ldap3.Connection(ldap3.Server('ldap://dir'), user='u', password='p')\n"
     "conn.bind()", "GAL106", "ldap3.Connection.bind", "blocking"),
    ("import ldap", "conn = ldap.initialize('ldap://dir')\nconn.search_s('dc=x', ldap.SCOPE_SUBTREE)",
     "GAL106", "ldap.initialize.search_s", "blocking"),
    # libcurl, requests wrappers, google-auth
    ("import pycurl", "curl = pycurl.Curl()\ncurl.perform()", "GAL106", "pycurl.Curl.perform", "blocking"),
    ("from requests_oauthlib import OAuth2Session", "OAuth2Session('client').get('https://api.example.com')",
     "GAL106", "requests_oauthlib.OAuth2Session.get", "blocking"),
    ("from requests_hardened import Config, Manager",
     "Manager(Config(default_timeout=(2, 10))).send_request('GET', data)",
     "GAL106", "requests_hardened.Manager.send_request", "blocking"),
    ("from google.oauth2 import service_account\nimport google.auth.transport.requests",
     "creds = service_account.Credentials.from_service_account_file(path)\n"
     "creds.refresh(google.auth.transport.requests.Request())",
     "GAL106", "google.oauth2.service_account.Credentials.refresh", "blocking"),
    # object stores
    ("from minio import Minio", "Minio('s3.example.com').fput_object('bucket', 'key', path)",
     "GAL106", "minio.Minio.fput_object", "blocking"),
    ("from google.cloud import storage", "storage.Client().bucket('b').blob('k').upload_from_filename(path)",
     "GAL106", "google.cloud.storage.Blob.upload_from_filename", "blocking"),
    ("from azure.storage.blob import BlobServiceClient",
     "service = BlobServiceClient.from_connection_string(data)\n"
     "service.get_blob_client('c', 'k').upload_blob(data)",
     "GAL106", "azure.storage.blob.BlobClient.upload_blob", "blocking"),
    # WebDAV
    ("from webdav3.client import Client", "Client({'webdav_hostname': 'https://dav'}).upload_sync('r', path)",
     "GAL106", "webdav3.client.Client.upload_sync", "blocking"),
    # LLM and embedding clients
    ("from openai import OpenAI", "OpenAI().chat.completions.create(model='m', messages=[])",
     "GAL106", "openai.OpenAI.chat.completions.create", "heavy"),
    ("from openai import OpenAI", "OpenAI().embeddings.create(model='m', input=data)",
     "GAL106", "openai.OpenAI.embeddings.create", "blocking"),
    ("import anthropic", "anthropic.Anthropic().messages.create(model='m', max_tokens=10, messages=[])",
     "GAL106", "anthropic.Anthropic.messages.create", "heavy"),
    ("from llama_index.core import VectorStoreIndex, SimpleDirectoryReader",
     "VectorStoreIndex.from_documents(SimpleDirectoryReader(path).load_data())",
     "GAL106", "llama_index.core.VectorStoreIndex.from_documents", "heavy"),
    ("from llama_index.core.query_engine import RetrieverQueryEngine",
     "RetrieverQueryEngine.from_args(retriever=data, llm=data).query(data)",
     "GAL106", "llama_index.core.query_engine.RetrieverQueryEngine.from_args.query", "heavy"),
    ("from llama_index.core.retrievers import VectorIndexRetriever", "VectorIndexRetriever(index=data).retrieve(data)",
     "GAL106", "llama_index.core.retrievers.VectorIndexRetriever.retrieve", "blocking"),
    ("from langchain_community.document_loaders import PyPDFLoader", "PyPDFLoader(path).load()",
     "GAL103", "langchain_community.document_loaders.PyPDFLoader.load", "heavy"),
    ("from sentence_transformers import CrossEncoder\nMODEL = CrossEncoder('m')", "MODEL.predict([(data, data)])",
     "GAL103", "sentence_transformers.CrossEncoder.predict", "heavy"),
    # PDF libraries
    ("import pikepdf", "pdf = pikepdf.open(path)\npdf.save(path + '.out')",
     "GAL101", "pikepdf.Pdf.save", "heavy"),
    ("from pypdf import PdfWriter", "PdfWriter(path).write(path + '.out')", "GAL101", "pypdf.PdfWriter.write",
     "heavy"),
    ("from reportlab.platypus import SimpleDocTemplate", "SimpleDocTemplate(path).build([])",
     "GAL101", "reportlab.platypus.SimpleDocTemplate.build", "heavy"),
    ("from xhtml2pdf import pisa", "pisa.CreatePDF(data, dest=path)", "GAL101", "xhtml2pdf.pisa.CreatePDF", "heavy"),
    # forecasts
    ("from prophet import Prophet", "Prophet().fit(data)", "GAL103", "prophet.Prophet.fit", "heavy"),
    ("from statsmodels.tsa.arima.model import ARIMA", "ARIMA(data, order=(1, 1, 1)).fit()",
     "GAL103", "statsmodels.tsa.arima.model.ARIMA.fit", "heavy"),
    ("import statsmodels.api as sm", "sm.OLS(data, path).fit()", "GAL103", "statsmodels.api.OLS.fit", "blocking"),
    # repositories
    ("from git import Repo", "Repo.clone_from(data, path)", "GAL107", "git.Repo.clone_from", "heavy"),
    ("from git import Repo", "Repo(path).remote().pull()", "GAL107", "git.Remote.pull", "blocking"),
    ("from dulwich import porcelain", "porcelain.clone(data, path)", "GAL107", "dulwich.porcelain.clone", "heavy"),
    # SendGrid's fluent API client, httpx-oauth's OpenID discovery, Jupyter kernels (sync managers);
    # their awaited twins are in test_awaited.py.
    ("from sendgrid import SendGridAPIClient", "SendGridAPIClient(data).client.whitelabel.domains.post(request_body={})",
     "GAL106", "sendgrid.SendGridAPIClient.client.whitelabel.domains.post", "blocking"),
    ("from httpx_oauth.clients.openid import OpenID", "OpenID('id', 'secret', data)",
     "GAL106", "httpx_oauth.clients.openid.OpenID", "blocking"),
    ("from jupyter_client.manager import KernelManager", "KernelManager().start_kernel()",
     "GAL107", "jupyter_client.manager.KernelManager.start_kernel", "blocking"),
    # Alembic's upgrade replays every pending migration (fief builds a workspace database so).
    ("from alembic import command", "command.upgrade(data, 'head')", "GAL110", "alembic.command.upgrade", "heavy"),
    # Waiting for a queued job: the whole job, unless the wait is given a few seconds at most.
    ("from celery.result import AsyncResult", "AsyncResult(data).get()", "GAL201", "celery.result.AsyncResult.get",
     "heavy"),
    ("from celery.result import AsyncResult", "AsyncResult(data).get(5, propagate=False)", "GAL201",
     "celery.result.AsyncResult.get", "blocking"),
    ("from celery.result import AsyncResult\nWAIT = 2.5", "AsyncResult(data).get(timeout=WAIT)", "GAL201",
     "celery.result.AsyncResult.get", "blocking"),
    ("from celery.result import AsyncResult", "AsyncResult(data).get(timeout=600)", "GAL201",
     "celery.result.AsyncResult.get", "heavy"),
]


@pytest.mark.parametrize("imports, body, code, leaf, weight", REPORTED, ids=[c[3] for c in REPORTED])
def test_catalogued_call_is_reported_with_its_weight(tmp_path: Path, imports: str, body: str, code: str,
                                                      leaf: str, weight: str) -> None:
    assert (code, leaf, weight) in _report(tmp_path, imports, body)


NOT_WORK = [
    # Too broad before: configuring a session is a dict update, reading a job's data is no wait.
    ("import requests\nSESSION = requests.Session()", "SESSION.headers.update({'X-Token': data})"),
    ("from rq.job import Job\nfrom redis import Redis",
     "for job_id in data:\n    Job.fetch(job_id, connection=Redis())"),
    # Computed locally: a signed URL, a client for a blob.
    ("from minio import Minio", "Minio('s3.example.com').presigned_get_object('bucket', 'key')"),
    ("from google.cloud import storage", "storage.Client().bucket('b').blob('k').generate_signed_url(60)"),
    ("from requests_oauthlib import OAuth2Session", "OAuth2Session('client').authorization_url('https://x')"),
]


@pytest.mark.parametrize("imports, body", NOT_WORK, ids=[c[1].split("(")[0] for c in NOT_WORK])
def test_calls_that_are_not_long_work_are_not_reported(tmp_path: Path, imports: str, body: str) -> None:
    assert _report(tmp_path, imports, body) == []


def _fixes(tmp_path: Path, source: str) -> dict[str, dict]:
    from greenit_async_lint.fix import attach_fixes

    (tmp_path / "app.py").write_text(source, "utf-8")
    report = analyse(["."], Config.from_mapping({"cache": False, "jobs": 1}), cwd=tmp_path)
    attach_fixes(report, cwd=tmp_path)
    return {f.leaf: f.fix for f in report.findings}


@pytest.mark.parametrize("prefix, pattern", [("", "resolve-once"), ("async ", "async-name-resolution")])
def test_a_dns_lookup_is_not_offered_a_timeout_it_does_not_accept(tmp_path: Path, prefix: str,
                                                                   pattern: str) -> None:
    fixes = _fixes(tmp_path, "import socket\nimport requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
                             f"@app.get('/x')\n{prefix}def handler(host: str):\n"
                             "    socket.getaddrinfo(host, 443)\n    requests.get('https://api.example.com')\n"
                             "    return 'ok'\n")
    lookup = fixes["socket.getaddrinfo"]
    assert lookup["pattern"] == pattern and "timeout=" not in lookup["title"] and not lookup["diff"]
    http = fixes["requests.get"]
    assert "timeout" in http["title"] + http["description"]  # the HTTP call still gets its timeout


def test_opening_a_sync_engine_connection_is_database_work_on_an_event_loop(tmp_path: Path) -> None:
    """`with create_engine(url).begin():` connects (fief checks a user-supplied database so): a sync
    DB call, reported in an `async def` handler only (`scope: async`)."""
    source = ("from fastapi import FastAPI\nfrom sqlalchemy import create_engine, text\n\napp = FastAPI()\n\n\n"
              "@app.post('/check')\nasync def check(url: str):\n    with create_engine(url).begin() as conn:\n"
              "        conn.execute(text('SELECT 1'))\n    return 'ok'\n\n\n"
              "@app.post('/check-sync')\ndef check_sync(url: str):\n    with create_engine(url).begin() as conn:\n"
              "        conn.execute(text('SELECT 1'))\n    return 'ok'\n")
    (tmp_path / "app.py").write_text(source, "utf-8")
    report = analyse(["."], Config.from_mapping({"cache": False, "jobs": 1}), cwd=tmp_path)
    assert {(f.line, f.code, f.leaf, f.severity) for f in report.findings} == {
        (9, "GAL110", "sqlalchemy.create_engine.begin", "violation")}
