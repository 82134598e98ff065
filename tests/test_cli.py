"""The command line: exit codes, formats, outputs and configuration errors, as a user runs it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES

APP = '''
import requests
from flask import Flask

app = Flask(__name__)

@app.get("/rates")
def rates():
    for code in load_codes():
        requests.get(f"https://rates.example.com/{code}", timeout=5)
    return "ok"

def load_codes():
    return []
'''


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "greenit_async_lint", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def app(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def test_violation_exits_1_and_prints_the_chain(app: Path) -> None:
    result = cli("check", "--no-cache", cwd=app)
    assert result.returncode == 1, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("app.py:10:9: GAL106 ")
    assert "in a loop over `load_codes()`" in first and "(handler rates via requests.get)" in first
    assert result.stdout.splitlines()[1].strip().startswith("fix: ")


def test_compliant_project_exits_0(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n\n@app.get('/')\ndef index():\n    return 'ok'\n")
    result = cli("check", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 handlers in 1 files: 0 violations" in result.stdout


def test_json_report_follows_the_contract(app: Path) -> None:
    result = cli("check", "--no-cache", "--format", "json", cwd=app)
    data = json.loads(result.stdout)
    assert data["version"] == 1 and data["tool"]["name"] == "greenit-async-lint"
    assert data["summary"] == {"files": 1, "handlers": 1, "violations": 1, "warnings": 0, "errors": 0,
                               "registrations": 1, "resolved": 1, "outside": 0, "unresolved": 0}
    assert data["unresolved"] == []
    handler = data["handlers"][0]
    assert handler == {"path": "app.py", "line": 8, "qualname": "rates", "framework": "flask", "route": "/rates",
                       "is_async": False, "verdict": "heavy", "runtime": None}
    finding = data["findings"][0]
    assert finding["severity"] == "violation" and finding["handler"]["qualname"] == "rates"
    assert finding["chain"] == [{"path": "app.py", "line": 10, "call": "requests.get"}]


def test_several_reports_in_one_run(app: Path) -> None:
    result = cli("check", "--no-cache", "--format", "json", "--output", "out/r.json",
                 "--format", "text", "--output", "out/r.txt", cwd=app)
    assert result.returncode == 1 and result.stdout == ""
    assert json.loads((app / "out/r.json").read_text())["summary"]["violations"] == 1
    assert "GAL106" in (app / "out/r.txt").read_text()


def test_paths_are_relative_to_the_current_directory(tmp_path: Path) -> None:
    result = cli("check", "--no-cache", "--format", "json", str(Path("fixtures") / "docconvert"),
                 cwd=FIXTURES.parent)
    data = json.loads(result.stdout)
    assert all(h["path"].startswith("fixtures/docconvert/") for h in data["handlers"])


@pytest.mark.parametrize("table, key", [
    ("[tool.greenit-async-lint]\nmax-deph = 3\n", "max-deph"),
    ("[tool.greenit-async-lint]\nmax-depth = 'deep'\n", "max-depth"),
    ("[tool.greenit-async-lint]\nignore = 'GAL101'\n", "ignore"),
    ("[tool.greenit-async-lint]\nextra-work = [{family = 'nope', calls = ['x.y']}]\n", "extra-work[0].family"),
])
def test_bad_config_names_the_key_and_exits_2(app: Path, table: str, key: str) -> None:
    (app / "pyproject.toml").write_text(table)
    result = cli("check", "--no-cache", cwd=app)
    assert result.returncode == 2
    assert key in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args, table, where", [
    (("--select", "GAL1O1"), "", "--select"),
    (("--ignore", "GAL106,XYZ"), "", "--ignore"),
    ((), "[tool.greenit-async-lint]\nselect = ['GAL1O1']\n", "select 'GAL1O1'"),
    ((), "[tool.greenit-async-lint]\nignore = ['GL101']\n", "ignore"),
])
def test_unknown_code_prefix_exits_2_with_one_line(app: Path, args: tuple, table: str, where: str) -> None:
    # `--select GAL1O1` selected nothing and passed the gate: a typo must not turn the gate off.
    if table:
        (app / "pyproject.toml").write_text(table)
    result = cli("check", "--no-cache", *args, cwd=app)
    assert result.returncode == 2
    assert where in result.stderr and "not a code prefix" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_known_code_prefixes_are_accepted(app: Path) -> None:
    assert cli("check", "--no-cache", "--select", "gal1", "--ignore", "GAL106", cwd=app).returncode == 0


def test_unparsable_config_file_exits_2(app: Path) -> None:
    (app / "pyproject.toml").write_text("[tool.greenit-async-lint\n")
    result = cli("check", "--no-cache", cwd=app)
    assert result.returncode == 2 and "not valid TOML" in result.stderr


def test_unknown_option_is_a_usage_error(app: Path) -> None:
    assert cli("check", "--no-such-option", cwd=app).returncode == 2


def test_config_select_ignore_and_noqa(app: Path) -> None:
    (app / "pyproject.toml").write_text("[tool.greenit-async-lint]\nignore = ['GAL106']\n")
    assert cli("check", "--no-cache", cwd=app).returncode == 0
    (app / "pyproject.toml").write_text("")
    (app / "app.py").write_text(APP.replace("timeout=5)", "timeout=5)  # noqa: GAL106"))
    assert cli("check", "--no-cache", cwd=app).returncode == 0
    (app / "app.py").write_text(APP.replace("timeout=5)", "timeout=5)  # noqa: GAL101"))
    assert cli("check", "--no-cache", cwd=app).returncode == 1


def test_loop_amplification_can_be_turned_off(app: Path) -> None:
    result = cli("check", "--no-cache", "--no-loop-amplification", "--format", "json", cwd=app)
    data = json.loads(result.stdout)
    assert result.returncode == 0 and data["findings"][0]["severity"] == "warning"


def test_max_depth_limits_the_chain(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import time\nfrom flask import Flask\napp = Flask(__name__)\n\n"
        "def c():\n    time.sleep(90)\n\ndef b():\n    c()\n\ndef a():\n    b()\n\n"
        "@app.get('/')\ndef index():\n    a()\n    return 'ok'\n")
    deep = json.loads(cli("check", "--no-cache", "--format", "json", cwd=tmp_path).stdout)
    assert [h["call"] for h in deep["findings"][0]["chain"]] == ["a", "b", "c", "time.sleep"]
    shallow = json.loads(cli("check", "--no-cache", "--format", "json", "--max-depth", "3", cwd=tmp_path).stdout)
    assert shallow["findings"] == []


def test_extra_handlers_and_offloads_from_config(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import subprocess\nimport jobs\nfrom micro import App\napp = App()\n\n"
        "@app.endpoint('/convert')\ndef convert():\n"
        "    subprocess.run(['pandoc', 'a.md', '-o', 'a.pdf'])  # GAL101\n"
        "    jobs.submit(render)\n    return 'ok'\n\n"
        "def render():\n    subprocess.run(['pandoc', 'b.md', '-o', 'b.pdf'])\n")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.greenit-async-lint]\n"
        "extra-handlers = [{framework = 'micro', decorators = [{calls = ['micro.App.endpoint'], route = {arg = 0}}]}]\n"
        "extra-offloads = {queues = [{name = 'jobs', enqueue_calls = [{call = 'jobs.submit', arg = 0}]}]}\n")
    data = json.loads(cli("check", "--no-cache", "--format", "json", cwd=tmp_path).stdout)
    assert data["handlers"][0]["framework"] == "micro" and data["handlers"][0]["route"] == "/convert"
    assert [(f["line"], f["code"]) for f in data["findings"]] == [(8, "GAL101")]


def test_explicit_files_report_their_handlers_but_follow_calls_project_wide(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "helpers.py").write_text("import subprocess\n\ndef convert(p):\n    subprocess.run(['soffice', p])\n")
    (tmp_path / "views.py").write_text(
        "from flask import Flask\nfrom helpers import convert\napp = Flask(__name__)\n\n"
        "@app.post('/c')\ndef c():\n    convert('x')\n    return 'ok'\n")
    (tmp_path / "other.py").write_text(
        "from flask import Flask\nfrom helpers import convert\napp = Flask(__name__)\n\n"
        "@app.post('/d')\ndef d():\n    convert('y')\n    return 'ok'\n")
    data = json.loads(cli("check", "--no-cache", "--format", "json", "views.py", cwd=tmp_path).stdout)
    assert [h["qualname"] for h in data["handlers"]] == ["c"]
    assert [(f["path"], f["code"]) for f in data["findings"]] == [("views.py", "GAL101")]
    (tmp_path / "pyproject.toml").write_text("[tool.greenit-async-lint]\nexclude = ['views.py']\n")
    excluded = cli("check", "--no-cache", "--format", "json", "views.py", cwd=tmp_path)
    assert json.loads(excluded.stdout)["handlers"] == [] and excluded.returncode == 0



def test_help_is_as_wide_as_the_terminal_argparse_would_see(tmp_path: Path) -> None:
    """The help formatter sizes itself without shutil (cli._Formatter), as argparse's does with it."""
    import os
    script = ("import argparse, sys\nfrom greenit_async_lint import cli\n"
              "cli._Formatter = argparse.HelpFormatter\ncli.build_parser().parse_args(['check', '--help'])")
    lines = {}
    for columns in ("60", "150"):
        env = {**os.environ, "COLUMNS": columns}
        ours = subprocess.run([sys.executable, "-m", "greenit_async_lint", "check", "--help"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60, env=env).stdout
        argparses = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                                   timeout=60, env=env).stdout
        assert ours == argparses and "--format" in ours
        lines[columns] = len(ours.splitlines())
    assert lines["60"] > lines["150"]
