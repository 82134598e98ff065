"""Hostile trees, configurations and report inputs (issue 17): each gives a report, or a clear
exit 2 with one line saying why; none crashes, hangs, or loses the other files' handlers."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from crashkit import project, refused, run_cli, run_main

CHECK = ("check", "--no-cache", "--format", "json", "--jobs", "1")
CONVERT = ("app.py", "GAL101")  # the project's own finding, which no hostile neighbour may lose


def needs_fifo() -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")


# --- files in the tree ------------------------------------------------------------------------

def test_a_fifo_named_like_python_does_not_hang_the_check(tmp_path: Path) -> None:
    needs_fifo()
    root = project(tmp_path / "p")
    os.mkfifo(root / "x.py")
    os.mkfifo(root / "requirements.txt")  # read by the fixer's task-queue detection
    assert CONVERT in run_cli(root, *CHECK).codes()


def test_a_fifo_as_pyproject_does_not_hang(tmp_path: Path) -> None:
    needs_fifo()
    root = tmp_path / "p"
    root.mkdir()
    (root / "app.py").write_text((Path(__file__).parent / "crashkit.py").read_text().split("HANDLER = '''")[1]
                                 .split("'''")[0])
    os.mkfifo(root / "pyproject.toml")
    run_cli(root, *CHECK)  # a report or a clear exit 2, and no hang


@pytest.mark.parametrize("name, content", [
    ("huge.py", b"x = 1\n" * 180_000),  # 1.08 MB, over the default max-file-bytes (1 MB)
    ("latin1.py", "name = 'caf\u00e9'\n".encode("latin-1")),
    ("nulls.py", b"x = 1\n\x00\x00\x00def f(:\n"),
    ("bad_coding.py", b"# -*- coding: not-a-codec -*-\nx = 1\n"),
    ("bom_then_latin1.py", b"\xef\xbb\xbfname = '\xe9'\n"),
    ("syntax.py", b"def broken(:\n    pass\n"),
    ("cr_only.py", b"import os\rdef f():\r    return os.sep\r"),
    ("empty.py", b""),
])
def test_an_unreadable_or_odd_file_is_reported_and_the_rest_is_checked(tmp_path: Path, name: str,
                                                                        content: bytes) -> None:
    root = project(tmp_path / "p")
    (root / name).write_bytes(content)
    codes = run_main(root, *CHECK).codes()
    assert CONVERT in codes


def test_deep_nesting_does_not_crash(tmp_path: Path) -> None:
    """Python's own parser gives up on deep nesting: a GAL9xx for that file, not a crash."""
    root = project(tmp_path / "p")
    (root / "parens.py").write_text("x = " + "(" * 300 + "1" + ")" * 300 + "\n")
    (root / "lists.py").write_text("x = " + "[" * 199 + "]" * 199 + "\n")
    body = "".join("    " * i + "if x:\n" for i in range(1, 99)) + "    " * 99 + "pass\n"
    (root / "blocks.py").write_text("def f(x):\n" + body)
    (root / "calls.py").write_text("x = " + "f(" * 190 + ")" * 190 + "\n")
    codes = run_cli(root, *CHECK).codes()
    assert CONVERT in codes and ("parens.py", "GAL901") in codes


# libcst's native parser overflows the C stack at about 2,000 nested brackets: such a file must be
# GAL901 without ever reaching it (analysis/newsyntax.py).


def test_thousands_of_nested_brackets_do_not_kill_the_check(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    (root / "parens.py").write_text("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    codes = run_cli(root, *CHECK).codes()
    assert CONVERT in codes and ("parens.py", "GAL901") in codes


def test_directories_and_links_named_like_python(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    (root / "folder.py").mkdir()
    (root / "dangling.py").symlink_to(root / "nowhere.py")
    (root / "loop").mkdir()
    (root / "loop" / "again").symlink_to(root / "loop")
    (root / "self.py").symlink_to(root / "self.py")
    assert CONVERT in run_cli(root, *CHECK).codes()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_an_unreadable_directory_is_reported_not_dropped(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    locked = root / "locked"
    locked.mkdir()
    (locked / "views.py").write_text("x = 1\n")
    locked.chmod(0)
    try:
        outcome = run_main(root, *CHECK)
    finally:
        locked.chmod(0o755)
    assert CONVERT in outcome.codes()
    assert "locked" in outcome.stdout + outcome.stderr


def _chain_and_ring(tmp_path: Path, max_depth: int) -> tuple[Path, Path]:
    """300 helpers in a line and 500 helpers in a ring (each also calls the 7th next), from handlers."""
    from callgraphs import write_call_graph

    chain, ring = tmp_path / "chain", tmp_path / "ring"
    write_call_graph(chain, {i: [i + 1] if i < 299 else [] for i in range(300)}, {299: "heavy"}, [0], modules=3)
    write_call_graph(ring, {i: [(i + 1) % 500, (i + 7) % 500] for i in range(500)}, {250: "heavy"}, [0, 123], 2)
    for root in (chain, ring):
        (root / "pyproject.toml").write_text(f"[tool.greenit-async-lint]\nmax-depth = {max_depth}\n")
    return chain, ring


def test_a_folder_that_cannot_be_listed_is_reported_even_as_root(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The same, with listing refused by the system call itself, so that root tests it too."""
    root = project(tmp_path / "p")
    (root / "locked").mkdir()
    (root / "locked" / "views.py").write_text((root / "app.py").read_text())
    scandir = os.scandir

    def refuse(path=".", *args, **kwargs):
        if Path(os.fsdecode(path)).name == "locked":
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return scandir(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", refuse)
    outcome = run_main(root, *CHECK)
    assert CONVERT in outcome.codes()
    assert any(path.startswith("locked") for path, _ in outcome.codes()), outcome.stdout[-2000:]


def test_a_long_chain_and_a_ring_of_helpers_from_one_handler(tmp_path: Path) -> None:
    for root in _chain_and_ring(tmp_path, 8):
        run_main(root, *CHECK).report()


# max-depth itself is bounded (config.MAX_DEPTH_LIMIT) where the config is read: a huge value is a clear exit 2.


def test_a_long_chain_with_a_huge_max_depth(tmp_path: Path) -> None:
    """Either fix passes: a report, or max-depth = 5000 refused with a clear exit 2."""
    for root in _chain_and_ring(tmp_path, 5000):
        outcome = run_main(root, *CHECK)
        if outcome.returncode == 2:
            refused(outcome, "max-depth")
        else:
            outcome.report()


# --- configuration ----------------------------------------------------------------------------

@pytest.mark.parametrize("config, words", [
    ("tool = 3\n", ("tool",)),
    ("[tool]\ngreenit-async-lint = 3\n", ("greenit-async-lint",)),
    ('[tool.greenit-async-lint]\ndocs-url = "https://example.com/{"\n', ("docs-url",)),
    ('[tool.greenit-async-lint]\ndocs-url = "https://example.com/{name}"\n', ("docs-url",)),
    ("[tool.greenit-async-lint]\nmax-depth = -1\n", ("max-depth",)),
    ('[tool.greenit-async-lint]\nmax-depth = "deep"\n', ("max-depth",)),
    ('[tool.greenit-async-lint]\nselect = ["GAL999"]\n', ("GAL999",)),
    ("[tool.greenit-async-lint]\nexclude = 3\n", ("exclude",)),
    ("[tool.greenit-async-lint]\nmax-file-bytes = 0\n", ()),
    ("[tool.greenit-async-lint\n", ("pyproject.toml",)),
    ("\xff\xfe = 1\n", ("pyproject.toml",)),
])
def test_a_bad_configuration_is_a_clear_exit_2(tmp_path: Path, config: str, words: tuple[str, ...]) -> None:
    root = project(tmp_path / "p", config)
    refused(run_main(root, *CHECK), *words)


def test_nothing_to_check_is_an_exit_2_unless_allowed(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "empty"\n')
    refused(run_main(root, *CHECK))
    assert run_main(root, *CHECK, "--allow-empty").returncode == 0


# --- report inputs and outputs ----------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("option, content", [
    ("--runtime-report", DEEP),
    ("--baseline", DEEP),
    ("--runtime-report", '{"kind": "runtime", "version": 1, "findings": [{"severity": "violation", "handler": "x"}]}'),
    ("--runtime-report", '{"kind": "runtime", "version": 1, "findings": {"count": 3}}'),
    ("--runtime-report", '{"kind": "runtime", "version": 1, "routes": [{"route": "/", "count": "many"}], '
                         '"findings": []}'),
    ("--runtime-report", "not json"),
    ("--baseline", '{"version": 1, "entries": "all"}'),
    ("--baseline", "[1, 2, 3]"),
])
def test_a_hostile_report_input_is_a_clear_exit_2(tmp_path: Path, option: str, content: str) -> None:
    root = project(tmp_path / "p")
    (tmp_path / "input.json").write_text(content)
    refused(run_main(root, *CHECK, option, str(tmp_path / "input.json")), option.lstrip("-").split("-")[0])


def test_output_to_a_directory_is_a_clear_exit_2_and_leaves_nothing_behind(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    (root / "out").mkdir()
    refused(run_main(root, *CHECK, "--output", "out"), "out")
    assert list((root / "out").iterdir()) == []
    assert sorted(p.name for p in root.iterdir()) == ["app.py", "out", "pyproject.toml"]
