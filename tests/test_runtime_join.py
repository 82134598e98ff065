"""A real runtime measurement joined to the static report: the hook's names must meet the checker's."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

APP = '''
import time
from flask import Flask

app = Flask(__name__)


@app.get("/slow")
def slow():
    time.sleep(0.6)
    return "done"


@app.get("/fast")
def fast():
    return "ok"
'''

DRIVE = '''
import sys
sys.path.insert(0, ".")
from app import app
from greenit_async_lint.runtime import WSGIMiddleware, control

app.wsgi_app = WSGIMiddleware(app.wsgi_app, report_dir="shards", warn_s=0.1, violation_s=0.3, root=".")
client = app.test_client()
for path in ("/slow", "/fast"):
    with client.get(path) as response:  # a server reads the body and closes it: so does this client
        assert response.status_code == 200 and response.data
assert control.flush() is not None
'''


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_measured_wait_joins_the_static_handler(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    driven = run("-c", DRIVE, cwd=tmp_path)
    assert driven.returncode == 0, driven.stderr
    merged = run("-m", "greenit_async_lint", "runtime", "merge", "shards", "--output", "runtime.json", cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    result = run("-m", "greenit_async_lint", "check", "--no-cache", "--runtime-report", "runtime.json",
                 "--format", "json", "app.py", cwd=tmp_path)
    data = json.loads(result.stdout)
    handlers = {h["qualname"]: h for h in data["handlers"]}
    assert handlers["slow"]["runtime"]["max_wait_s"] >= 0.5
    assert handlers["fast"]["runtime"] is None or handlers["fast"]["runtime"].get("severity") is None
    static = [f for f in data["findings"] if f.get("source", "static") == "static"]
    measured = [f for f in data["findings"] if f.get("source") == "runtime"]
    assert [(f["code"], f["handler"]["qualname"]) for f in static] == [("GAL108", "slow")]
    assert [(f["code"], f["handler"]["qualname"], f["path"]) for f in measured] == [("GAL301", "slow", "app.py")]
    assert result.returncode == 1  # the measured violation fails the gate
