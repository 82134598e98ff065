"""The flake8 plugin: registered as `GAL`, the same findings as `greenit-async-lint check`, reach
into other modules in single-file runs, options, noqa/ignore, the tree flake8 parsed, the
SonarQube import format. flake8 and the CLI run as real subprocesses."""
from __future__ import annotations

import ast
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO

TIMEOUT = 300
APPS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
DEFAULT_OFF = {"GAL109", "GAL205"}
# What SonarQube's Python plugin parses in a flake8 report (`sonar.python.flake8.reportPaths`):
# TextReportReader.DEFAULT_PATTERN in SonarSource/sonar-python (Java `Matcher.matches()`, so the
# whole line), read with COLUMN_ONE_BASED (it subtracts 1 from flake8's column).
SONAR_FLAKE8 = re.compile(r"(.+):(\d+):(\d+): (\S+[^:]):? (.*)")

VIEWS = '''\
from flask import Flask

from helpers import convert

app = Flask(__name__)


@app.post("/convert/<name>")
def convert_view(name):
    convert(name)
    return {"done": name}
'''
HELPERS = '''\
import subprocess


def convert(name):
    return _run_soffice(name)


def _run_soffice(name):
    return subprocess.run(["soffice", "--headless", "--convert-to", "pdf", name], check=True)
'''


def flake8(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd, capture_output=True, text=True,
                          input=stdin, timeout=TIMEOUT)


def check(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "greenit_async_lint", "check", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=TIMEOUT)


def gal_lines(output: str) -> list[str]:
    """flake8's GAL lines, `./` dropped from paths so that they read as the CLI's."""
    return sorted(re.sub(r"^\./", "", line) for line in output.splitlines() if re.search(r":\d+:\d+: GAL\d{3} ", line))


def cli_lines(output: str, leave_out: set[str] = frozenset()) -> list[str]:
    """The CLI's finding lines (not its `fix:` lines nor its summary)."""
    found = [line for line in output.splitlines() if re.match(r"\S.*:\d+:\d+: GAL\d{3} ", line)]
    return sorted(line for line in found if line.split(": ", 1)[1][:6] not in leave_out)


def copy_app(app: Path, target: Path) -> Path:
    """A fixture app as a project of its own (a marker makes it its own project root)."""
    shutil.copytree(app, target, ignore=shutil.ignore_patterns("__pycache__", ".greenit-cache"))
    (target / "setup.cfg").write_text("[metadata]\nname = fixture\n")
    return target


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A Flask view in views.py whose helper two calls away, in helpers.py, runs soffice."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    (tmp_path / "views.py").write_text(VIEWS)
    (tmp_path / "helpers.py").write_text(HELPERS)
    return tmp_path


def test_entry_point_registers_the_plugin_under_a_three_letter_prefix() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="flake8.extension")}
    assert found.get("GAL") == "greenit_async_lint.flake8_plugin:Plugin"
    version = flake8(REPO, "--version")
    assert "greenit-async-lint" in version.stdout


@pytest.mark.parametrize("app", APPS, ids=[p.name for p in APPS])
def test_flake8_reports_what_the_cli_reports_on_each_fixture_app(app: Path, tmp_path: Path) -> None:
    """Same findings, codes, lines, columns and messages; GAL109/GAL205 only when selected."""
    root = copy_app(app, tmp_path / app.name)
    cli = check(root, "--no-cache", ".")
    assert cli.returncode in (0, 1), cli.stderr
    expected = cli_lines(cli.stdout)
    assert expected, f"{app.name}: the CLI found nothing, the comparison would prove nothing"

    everything = flake8(root, "--greenit-cache=false", "--extend-select", "GAL109,GAL205", ".")
    assert everything.returncode == (1 if expected else 0), everything.stderr
    assert gal_lines(everything.stdout) == expected

    by_default = flake8(root, "--greenit-cache=false", ".")
    assert gal_lines(by_default.stdout) == cli_lines(cli.stdout, DEFAULT_OFF)


def test_preview_codes_are_off_by_default_and_come_back_when_selected(tmp_path: Path) -> None:
    root = copy_app(FIXTURES / "fastapi_media", tmp_path / "app")
    codes = lambda out: {line.split(": ")[1][:6] for line in gal_lines(out)}  # noqa: E731
    plain = codes(flake8(root, ".").stdout)
    assert plain and not plain & DEFAULT_OFF
    assert DEFAULT_OFF <= codes(flake8(root, "--extend-select", "GAL109,GAL205", ".").stdout)
    assert DEFAULT_OFF <= codes(flake8(root, "--select", "GAL", ".").stdout)


def test_single_file_run_follows_calls_into_other_modules(project: Path) -> None:
    result = flake8(project, "--select", "GAL", "views.py")
    lines = gal_lines(result.stdout)
    assert len(lines) == 1, result.stdout + result.stderr
    assert lines[0].startswith("views.py:10:5: GAL101 ")
    assert lines[0].endswith("(handler convert_view via convert -> _run_soffice -> subprocess.run)")
    assert gal_lines(flake8(project, "--select", "GAL", "helpers.py").stdout) == []  # no handler there
    assert gal_lines(result.stdout) == cli_lines(check(project, "views.py").stdout)


def test_noqa_extend_ignore_and_per_file_ignores(project: Path) -> None:
    assert gal_lines(flake8(project, "--select", "GAL", "views.py").stdout)
    (project / ".flake8").write_text("[flake8]\nextend-ignore = GAL101\n")
    assert gal_lines(flake8(project, "views.py").stdout) == []
    (project / ".flake8").write_text("[flake8]\nper-file-ignores =\n    views.py: GAL101\n")
    assert gal_lines(flake8(project, "views.py").stdout) == []
    (project / ".flake8").unlink()
    (project / "views.py").write_text(VIEWS.replace("    convert(name)\n", "    convert(name)  # noqa: GAL101\n"))
    assert gal_lines(flake8(project, "views.py").stdout) == []
    (project / "views.py").write_text(VIEWS.replace("    convert(name)\n", "    convert(name)  # noqa: GAL105\n"))
    assert len(gal_lines(flake8(project, "views.py").stdout)) == 1  # another code's noqa leaves it


def test_options_from_flake8_config_mean_the_cli_keys_and_win_over_pyproject(project: Path) -> None:
    # The chain is convert -> _run_soffice -> subprocess.run: three calls deep.
    (project / ".flake8").write_text("[flake8]\nselect = GAL\ngreenit-max-depth = 2\n")
    assert gal_lines(flake8(project, "views.py").stdout) == []
    assert cli_lines(check(project, "--max-depth", "2", "views.py").stdout) == []

    (project / ".flake8").write_text("[flake8]\nselect = GAL\n")
    (project / "pyproject.toml").write_text('[project]\nname = "shop"\n[tool.greenit-async-lint]\nmax-depth = 2\n')
    assert gal_lines(flake8(project, "views.py").stdout) == []  # pyproject is honoured

    (project / "setup.cfg").write_text("[flake8]\nselect = GAL\ngreenit-max-depth = 3\n")
    (project / ".flake8").unlink()
    assert len(gal_lines(flake8(project, "views.py").stdout)) == 1  # the flake8 option wins

    with_billing = VIEWS.replace("    convert(name)\n", "    convert(name)\n    billing.yearly(name)\n")
    (project / "views.py").write_text(with_billing.replace("from flask", "import billing\nfrom flask"))
    (project / "setup.cfg").write_text("[flake8]\nselect = GAL\ngreenit-heavy-calls = other.thing, billing.yearly\n"
                                       "greenit-max-depth = 1\n")
    lines = gal_lines(flake8(project, "views.py").stdout)
    assert [line.split(" [")[0] for line in lines] == ["views.py:12:5: GAL113"]  # a list option; depth 1 again


@pytest.mark.parametrize("setting, named", [("greenit-max-depth = 0", "greenit-max-depth"),
                                            ("greenit-cache = sometimes", "greenit-cache")])
def test_a_bad_option_fails_the_run_naming_it(project: Path, setting: str, named: str) -> None:
    (project / ".flake8").write_text(f"[flake8]\n{setting}\n")
    result = flake8(project, "views.py")
    assert result.returncode != 0
    assert named in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unsaved_buffer_on_stdin_is_analysed_not_the_file_on_disk(project: Path) -> None:
    """Editors pipe the buffer to `flake8 -`: the plugin hands flake8's tree of it to the engine."""
    clean = VIEWS.replace("    convert(name)\n", "    pass\n")
    (project / "views.py").write_text(clean)
    assert cli_lines(check(project, "views.py").stdout) == []  # warms the caches with the clean file
    buffer = flake8(project, "--select", "GAL", "--stdin-display-name", "views.py", "-", stdin=VIEWS)
    assert [line[:22] for line in gal_lines(buffer.stdout)] == ["views.py:10:5: GAL101 "]
    # The buffer did not leak into the caches: the file on disk is still clean, for both tools.
    assert cli_lines(check(project, "views.py").stdout) == []
    assert gal_lines(flake8(project, "--select", "GAL", "views.py").stdout) == []
    # And a violating file whose buffer is already fixed reports nothing.
    (project / "views.py").write_text(VIEWS)
    assert cli_lines(check(project, "views.py").stdout)
    fixed = flake8(project, "--select", "GAL", "--stdin-display-name", "views.py", "-", stdin=clean)
    assert gal_lines(fixed.stdout) == []


def test_the_engine_uses_given_trees_and_keeps_them_out_of_its_caches(project: Path) -> None:
    from greenit_async_lint.config import Config
    from greenit_async_lint.analysis.engine import analyse

    views = project / "views.py"
    config = Config(cache=True, jobs=1)
    assert [f.code for f in analyse(["views.py"], config, cwd=project).findings] == ["GAL101"]
    clean = ast.parse(VIEWS.replace("    convert(name)\n", "    pass\n"))
    assert analyse(["views.py"], config, cwd=project, trees={views: clean}).findings == []
    assert [f.code for f in analyse(["views.py"], config, cwd=project).findings] == ["GAL101"]

    views.write_text(VIEWS.replace("    convert(name)\n", "    pass\n"))
    assert analyse(["views.py"], config, cwd=project).findings == []
    violating = ast.parse(VIEWS)
    assert [f.code for f in analyse(["views.py"], config, cwd=project, trees={views: violating}).findings] == ["GAL101"]
    assert analyse(["views.py"], config, cwd=project).findings == []


def test_one_analysis_per_process_not_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flake8.main.cli import main as flake8_main
    from greenit_async_lint import flake8_plugin

    root = copy_app(FIXTURES / "flask_shop", tmp_path / "app")
    calls: list[list[str]] = []
    real = flake8_plugin.analyse

    def counting(paths, *args, **kwargs):
        calls.append(list(paths))
        return real(paths, *args, **kwargs)

    monkeypatch.setattr(flake8_plugin, "analyse", counting)
    monkeypatch.setattr(flake8_plugin, "_MEMO", {})
    monkeypatch.chdir(root)
    status = flake8_main(["--jobs", "1", "--select", "GAL", "--output-file", str(tmp_path / "out.txt"), "."])
    assert status == 1
    checked = len(list(root.rglob("*.py")))
    assert checked > 10
    assert calls == [["."]], f"{len(calls)} analyses for {checked} files"
    assert gal_lines((tmp_path / "out.txt").read_text()) == cli_lines(check(root, "--no-cache", ".").stdout)


def test_a_process_that_runs_flake8_again_sees_the_edits(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Editors keep the process (VS Code's flake8 extension runs flake8 inside its language server):
    the memo lasts one run, so an edit of the helper shows up at the next run."""
    from flake8.main.cli import main as flake8_main

    monkeypatch.chdir(project)
    assert flake8_main(["--select", "GAL", "views.py"]) == 1
    assert "GAL101" in capsys.readouterr().out
    (project / "helpers.py").write_text(HELPERS.replace('"soffice", "--headless", "--convert-to", "pdf", ', '"true", '))
    assert flake8_main(["--select", "GAL", "views.py"]) == 1  # a plain subprocess: a warning now
    out = capsys.readouterr().out
    assert "GAL101" not in out and "GAL107" in out, out
    (project / "helpers.py").write_text("def convert(name):\n    return name\n")
    assert flake8_main(["--select", "GAL", "views.py"]) == 0
    assert "GAL" not in capsys.readouterr().out


def _bench_generator():
    spec = importlib.util.spec_from_file_location("flake8_editor_bench", REPO / "bench" / "flake8_editor.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module.generate


def test_parallel_and_serial_flake8_agree_with_the_cli_on_a_cold_project(tmp_path: Path) -> None:
    """flake8 -j 2 runs the plugin in daemon worker processes, which may not start the engine's
    process pool: a cold project big enough for the pool must still be analysed."""
    root = tmp_path / "portal"
    assert _bench_generator()(root, total=130) == 130
    parallel = flake8(root, "-j", "2", "--select", "GAL", "portal")
    assert "Traceback" not in parallel.stderr, parallel.stderr
    serial = flake8(root, "--jobs", "1", "--select", "GAL", "portal")
    expected = cli_lines(check(root, "portal").stdout, DEFAULT_OFF)
    assert len(expected) >= 6
    assert gal_lines(parallel.stdout) == gal_lines(serial.stdout) == expected
    one_file = flake8(root, "--select", "GAL", "portal/views.py")
    assert gal_lines(one_file.stdout) == [line for line in expected if line.startswith("portal/views.py:")]


def test_flake8_report_is_what_sonarqube_imports(tmp_path: Path) -> None:
    """`flake8 --output-file` in the default format: every line parses with SonarQube's pattern, and
    gives back the CLI's path, line, column and code (Sonar's 0-based offset within the line)."""
    root = copy_app(FIXTURES / "flask_shop", tmp_path / "app")
    report = tmp_path / "flake8-report.txt"
    flake8(root, "--select", "GAL", "--extend-select", "GAL109,GAL205", "--format", "default",
           "--output-file", str(report), ".")
    data = json.loads(check(root, "--format", "json", ".").stdout)
    expected = sorted((f["path"], f["line"], f["column"], f["code"]) for f in data["findings"])
    parsed = []
    for line in report.read_text().splitlines():
        match = SONAR_FLAKE8.fullmatch(line)
        assert match, f"SonarQube cannot parse: {line}"
        path, number, column, rule, message = match.groups()
        source = (root / path).read_text().splitlines()
        offset = int(column) - 1  # COLUMN_ONE_BASED
        assert 0 <= offset < len(source[int(number) - 1]), "Sonar would fall back to the whole line"
        assert message.strip()
        parsed.append((path.removeprefix("./"), int(number), int(column), rule))
    assert expected and sorted(parsed) == expected
