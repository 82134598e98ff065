"""flake8 plugin (`GAL`): the engine's findings, reported through flake8 and the editors that run it.

A thin adapter over `engine.analyse`, as the CLI is: same configuration keys, same findings,
lines, columns and messages (the text of the CLI's first line per finding). What it adds is only
what flake8 needs:

- The engine gets what the CLI would get: flake8's own arguments as paths (`flake8 views.py` is
  `check views.py`, `flake8 src/` is `check src/`) and the same configuration (the
  pyproject.toml nearest to the current directory, then the `greenit-*` flake8 options). Given
  files, the engine finds their project root and follows calls into every module of the project
  while reporting only the given files' handlers: an editor linting `views.py` still sees the
  helper in `services/` that runs `soffice`, at the handler's call site, with the chain.
- One analysis per process and run, not per file: flake8 instantiates the plugin once per checked
  file (in each of its `-j N` workers, or in the main process with `--jobs 1`). The first file
  analyses the whole run's paths; the findings are memoised per paths and configuration, and
  every other file is answered from the memo. The memo is emptied when a run starts
  (`parse_options`), because editors keep the process: VS Code's flake8 extension runs flake8
  again and again inside its language server, where a memo kept across runs would hide edits.
- The tree flake8 already parsed is handed to the engine when it is not what the disk holds: an
  editor's unsaved buffer, piped to `flake8 -` with `--stdin-display-name`. The engine then
  analyses the buffer (and keeps it out of its caches). When flake8 read the file from disk, the
  engine's caches already answer without parsing (the summary cache by content hash, the result
  cache by file stats), and handing the tree over would only turn the result cache off.
"""
from __future__ import annotations

import argparse
import ast
import multiprocessing
import os
import tokenize
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterator, Optional

from . import __version__
from .analysis import codecache

# Editors run flake8 on every save: the analysis's dataclasses are made from kept code, as the
# command line's are (codecache.py; only our own classes, whichever plugins share the process).
codecache.install()

from .config import Config, ConfigError  # noqa: E402 - after the dataclasses' code is kept
from .analysis.engine import analyse  # noqa: E402
from .analysis.findings import Finding, chain_text  # noqa: E402
from .flake8_options import build_config, explicit_config, overrides, register  # noqa: E402
from .catalogue.schema import CatalogueError  # noqa: E402

# Off unless selected (`--extend-select GAL109,GAL205`, or `select`): flake8 shows these in
# editors on every keystroke, so the defaults stay to what breaks practice 112 for certain.
# - GAL205 (heavy work in an in-process background task) is opinionated: the user no longer
#   waits, and FastAPI/Starlette document BackgroundTasks for post-response work; whether it is
#   "light" enough is a team's call, not a defect in the request path.
# - GAL109 (blocking file I/O in `async def`) is event-loop hygiene, not a one-minute wait: a
#   single read of a small local file is bounded and usually sub-millisecond, and most async code
#   bases have a few. Heavy file work (archives, bulk files) stays on as GAL104.
# `greenit-async-lint check` still reports both: it is the compliance gate, flake8 the editor.
DEFAULT_OFF = ("GAL109", "GAL205")

# (paths, configuration) -> findings by absolute path, for this process and flake8 run.
_MEMO: dict[tuple[tuple[str, ...], str], dict[str, list[Finding]]] = {}


class Plugin:
    name = "greenit-async-lint"
    version = __version__

    # Set once per flake8 run by parse_options (in the main process; forked workers inherit it,
    # spawned ones call parse_options themselves).
    _config: ClassVar[Optional[Config]] = None
    _targets: ClassVar[tuple[str, ...]] = (".",)

    def __init__(self, tree: ast.Module, filename: str, lines: list[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager: Any) -> None:
        register(manager)
        manager.extend_default_ignore(DEFAULT_OFF)

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        from flake8.exceptions import ExecutionError  # type: ignore[import-untyped]

        targets = tuple(getattr(options, "filenames", None) or ["."])
        # As the CLI: the configuration nearest to what is checked, not to where flake8 runs.
        start = Path(targets[0]) if targets[0] != "-" and os.path.exists(targets[0]) else Path.cwd()
        try:
            cls._config = build_config(start, explicit_config(options), overrides(options))
        except (ConfigError, CatalogueError) as exc:
            raise ExecutionError(f"greenit-async-lint: {exc}") from None
        # flake8 applies its noqa comments to what plugins report, and honours its own --disable-noqa; the
        # engine silencing them first made --disable-noqa a no-op for GAL codes.
        cls._config.disable_noqa = True
        cls._targets = targets
        _MEMO.clear()  # a new run: files may have changed since the last one in this process

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        path = _absolute(self.filename)
        if not os.path.isfile(path):
            return  # a buffer never saved, or stdin without --stdin-display-name: no project to follow
        # "-" is the stdin buffer, which flake8 names after --stdin-display-name.
        paths = tuple(path if target == "-" else target for target in self._targets)
        config = self._config or replace(build_config(Path.cwd(), None, {}), disable_noqa=True)
        for finding in findings_for(path, self._unsaved_tree, paths, config):
            yield finding.line, max(finding.column - 1, 0), message(finding, config.fail_on), type(self)

    def _unsaved_tree(self) -> Optional[ast.Module]:
        """flake8's tree when its text is not the file on disk (an editor's buffer on stdin)."""
        return None if _same_as_disk(self.filename, self.lines) else self.tree


def message(finding: Finding, fail_on: str = "violation") -> str:
    """The CLI's text line, without its location: `GAL101 [violation, fails the gate] ... (handler
    h via a -> b)`. flake8 fails on every line it prints; the label says which ones fail
    `greenit-async-lint check`, the gate CI runs."""
    from .output import failing_severities, gate_label

    text = f"{finding.code} {gate_label(finding.severity, False, failing_severities(fail_on))} {finding.message}"
    if finding.handler is not None:
        text += f" (handler {finding.handler.qualname} via {chain_text(finding)})"
    return text


def findings_for(path: str, tree: Callable[[], Optional[ast.Module]], paths: tuple[str, ...],
                 config: Config) -> list[Finding]:
    """The findings in `path`, from this process's one analysis of `paths` (`tree()` is asked for the
    tree to hand to the engine only when that analysis runs)."""
    config = replace(config)
    if multiprocessing.current_process().daemon:
        config.jobs = 1  # flake8's -j workers are daemons, which may not start a process pool
    key = (paths, repr(config))
    by_path = _MEMO.get(key)
    if by_path is None:
        cwd = Path.cwd()
        given = tree()
        trees = {Path(path): given} if given is not None else None
        report = analyse(list(paths), config, cwd=cwd, trees=trees)
        codecache.save()  # what this first analysis made, for the next save's run
        by_path = {}
        for finding in report.findings:
            by_path.setdefault(_absolute(finding.path, cwd), []).append(finding)
        _MEMO[key] = by_path
    return by_path.get(path, [])


def _same_as_disk(path: str, lines: list[str]) -> bool:
    """Whether flake8's text of the file is the file on disk (both read with universal newlines)."""
    try:
        with tokenize.open(path) as handle:
            return handle.read() == "".join(lines)
    except (OSError, SyntaxError, UnicodeDecodeError):
        return False


def _absolute(name: str, cwd: Optional[Path] = None) -> str:
    return os.path.normpath(os.path.join(cwd or os.getcwd(), name))
