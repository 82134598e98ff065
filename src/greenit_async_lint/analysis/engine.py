"""The static check, start to end: files -> summaries -> project -> handlers -> reach -> findings.

Every front end (CLI, flake8 plugin, pre-commit hooks, fixer) calls `analyse` and reads the
`Report` it returns; none of them looks at code on its own.
"""
from __future__ import annotations

import ast
import gc
import sys
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Optional, Union

from ..catalogue.sources import OnDemand
from .discovery import DEFAULT_EXCLUDE, Excluder, SourceFile, collect, find_project_root
from .ir import FileProblem, Module
from .options import AnalysisOptions, HasAnalysisOptions
from . import resultcache
from .dismantle import dismantle
from .workers import BEFORE_SHARE, ON_ANALYSIS

if TYPE_CHECKING:
    from ..catalogue import Catalogue
    from .cutoff import unchanged_result
    from .findings import Finding, verdict
    from .handlers import Handler, Registration
    from .project import Project
    from .dispatchers import annotate, find_dispatchers
    from .evaluate import Evaluator
    from .handlers.finder import HandlerFinder
    from .index import ProjectIndex
    from .judging import all_handler_findings
    from .loader import SummaryCache, load
    from .reach import Reach

# What only a run the result cache does not answer needs: the analysis itself, a third of a warm
# run's imports otherwise. These names are bound on the first miss, or when a caller asks the
# module for one (tests patch `engine.HandlerFinder` and `engine.load`). The summaries' loading is
# bound first; the rest (14 ms of imports) while the workers take the first files (_load).
_LOADING = {".cutoff": ("unchanged_result",), ".loader": ("SummaryCache", "load")}
_ANALYSIS = {
    **_LOADING, ".dispatchers": ("annotate", "find_dispatchers"), ".evaluate": ("Evaluator",),
    ".findings": ("Finding", "verdict"), ".project": ("Project",),
    ".handlers.finder": ("HandlerFinder",), ".index": ("ProjectIndex",), ".judging": ("all_handler_findings",),
    ".reach": ("Reach",),
}


def _bind_analysis(modules: dict[str, tuple[str, ...]] = _ANALYSIS) -> None:
    """Bind every name of `modules` in this module, keeping any a caller has set already."""
    names = globals()
    for module, wanted in modules.items():
        if not all(name in names for name in wanted):
            found = import_module(module, __package__)
            for name in wanted:
                names.setdefault(name, getattr(found, name))


def __getattr__(name: str) -> Any:
    if any(name in wanted for wanted in _ANALYSIS.values()):
        _bind_analysis()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def finish_writers() -> None:
    """Join the summary cache's writers (loader.finish), if this process started any."""
    loader = sys.modules.get(f"{__package__}.loader")
    if loader is not None:
        loader.finish()


@dataclass
class Report:
    """What a check found: its handlers, findings and verdicts, with what it was run with."""

    files: int
    handlers: list[Handler]
    findings: list[Finding]
    verdicts: dict[tuple[str, str], str]
    config: Any  # the caller's settings, handed back to the front end that renders the report
    catalogue: Catalogue
    paths: list[str] = field(default_factory=list)
    cwd: Optional[Path] = None  # the folder finding paths are relative to
    registrations: list[Registration] = field(default_factory=list)  # route registrations seen: the inventory
    options: AnalysisOptions = field(default_factory=AnalysisOptions)  # what the analysis read of `config`
    # Files edited since the result held that still summarise as they did (analysis/cutoff.py): a
    # comment, a docstring's words. Absolute paths; empty unless the result was kept that way.
    unread_edits: frozenset[Path] = frozenset()

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def handler_findings(self, handler: Handler) -> list[Finding]:
        return [f for f in self.findings if f.handler is handler]


def _scope(paths: list[Path], excluder: Excluder, cwd: Path) -> tuple[list[SourceFile], Optional[set[str]], Path]:
    """The files to analyse, the files whose handlers are reported (None: all), and the root."""
    absolute = [p if p.is_absolute() else cwd / p for p in paths]
    root = find_project_root(absolute[0]) if absolute else cwd
    if absolute and all(p.is_file() or (p.is_symlink() and not p.exists()) for p in absolute):
        # Files given one by one (pre-commit, an editor): report their handlers, but follow calls
        # into the whole project they belong to.
        given = collect(absolute, excluder, cwd)
        everything = collect([root], excluder, cwd)
        known = {f.path for f in everything}
        files = everything + [f for f in given if f.path not in known]
        return files, {f.display for f in given}, root
    return collect(absolute, excluder, cwd), None, root


def analyse(paths: Iterable[str], config: Union[AnalysisOptions, HasAnalysisOptions], cwd: Optional[Path] = None,
            catalogue: Union[Catalogue, OnDemand, None] = None, trees: Optional[dict[Path, ast.Module]] = None,
            join_writers: bool = True, retain: Optional[list[object]] = None) -> Report:
    """`config`: the analysis options, or a front end's settings that give them (`analysis_options()`;
    the report hands those back as `Report.config`).
    `trees`: trees the caller already parsed (flake8), by absolute path; see loader.load.
    `join_writers=False` returns while the summary cache's writers may still be at work (workers.py):
    the caller then calls `finish_writers()` itself before it ends (check.run_check does, once the
    fixes and the output are done, so that the writers overlap them too).
    `retain`: a list the analysis's own objects (the summaries, the project, the evaluator and its
    memos) are appended to, instead of being emptied (dismantle.py) and freed when the analysis
    returns: a caller whose process ends soon after, with nothing large left to do in it, saves
    their freeing (a sixteenth of a second on indico, one by one, for nothing: see check.py).
    Fix suggestions are not the engine's: the fix layer attaches and caches them (fix/cache.py)."""
    # The analysis builds millions of small acyclic tuples; the cyclic garbage collector would
    # scan them again and again for nothing (it more than doubled a large project's check).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _analyse(paths, config, cwd, catalogue, trees, retain)
    finally:
        if enabled:
            gc.enable()
        if join_writers:
            finish_writers()  # none outlives the analysis its caller asked for


def _analyse(paths: Iterable[str], config: Union[AnalysisOptions, HasAnalysisOptions], cwd: Optional[Path],
             catalogue: Union[Catalogue, OnDemand, None], trees: Optional[dict[Path, ast.Module]],
             retain: Optional[list[object]] = None) -> Report:
    options = config if isinstance(config, AnalysisOptions) else config.analysis_options()
    cwd = (cwd or Path.cwd()).resolve()
    path_list = [Path(p) for p in paths] or [Path(".")]
    # The catalogue is built while the summary workers parse (_load): until then only its fingerprint is needed.
    source = catalogue if isinstance(catalogue, OnDemand) else (
        OnDemand(dict(options.catalogue_extra), catalogue) if catalogue is not None
        else OnDemand.checked(dict(options.catalogue_extra)))
    excluder = Excluder((*DEFAULT_EXCLUDE, *options.exclude), cwd, options.respect_gitignore)
    files, report_only, root = _scope(path_list, excluder, cwd)
    key = stored = None
    # A first run (no cache folder yet) summarises every file from the bytes its result's key was
    # made of (loader.load), read once; a warm run does not keep a copy of every file for nothing.
    read: Optional[dict[Path, tuple[bytes, str]]] = None if (root / options.cache_dir).exists() else {}
    # Trees handed in (flake8's, of an editor's unsaved buffer) are not what the disk holds, and the
    # result cache is keyed by the files' stats: such a run neither reads nor writes it.
    if options.cache and not trees:
        # Only what changes the result: the gate's settings (max-violations, fail-on) do not.
        settings = (source.fingerprint, options.cache_key(), sorted(report_only or ()), str(cwd))
        key = resultcache.fingerprint(files, settings, options.max_file_bytes, read)
        stored = resultcache.load(root / options.cache_dir, key)
    cache = None
    unread_edits: frozenset[Path] = frozenset()
    if stored is None:
        starting = ON_ANALYSIS.get()
        if starting is not None:
            starting()
        _bind_analysis(_LOADING)
        cache = SummaryCache(root / options.cache_dir, len(files)) if options.cache else None
        if cache is not None and key is not None:  # an edit no summary sees (a comment) leaves the result as it was
            held = unchanged_result(root / options.cache_dir, key, files, cache, options.max_file_bytes)
            if held is not None:
                stored, unread_edits = held
    if stored is not None:
        handlers, findings, verdicts, registrations = stored
        return Report(len(files), handlers, findings, verdicts, config, source(), [str(p) for p in path_list], cwd,
                      registrations, options, unread_edits)
    summaries = _load(files, cache, options, trees, source, read)
    read = None  # (the summaries hold what they keep of it)
    catalogue = source()

    modules = [s for s in summaries if isinstance(s, Module)]
    problems = [s for s in summaries if isinstance(s, FileProblem)]
    project = Project(modules)
    index = ProjectIndex(project)  # call sites by tail & co., shared by every whole-project lookup
    evaluator = Evaluator(project, catalogue, index)
    finder = HandlerFinder(project, evaluator, catalogue, index)
    handlers = finder.find(report_only)
    registrations = finder.registrations
    if report_only is not None:
        handlers = [h for h in handlers if h.path in report_only]
        registrations = [r for r in registrations if r.path in report_only]
        problems = [p for p in problems if p.path in report_only]
    reach = Reach(project, evaluator, catalogue, options.max_depth, options.loop_amplification)

    noqa = {m.path: m.noqa for m in modules}
    findings = []
    verdicts = {}
    for handler, mine in zip(handlers, all_handler_findings(handlers, reach, catalogue, options, noqa)):
        verdicts[(handler.path, handler.qualname)] = verdict(mine)
        findings.extend(mine)
    annotate(findings, find_dispatchers(project, evaluator, catalogue, index))  # the fix names the project's helper
    for problem in problems:
        if options.selected(problem.code, problem.path):
            info = catalogue.codes[problem.code]
            findings.append(Finding(problem.code, "error", problem.path, problem.line, problem.col,
                                    f"{problem.path} {problem.reason}: {info.why}"))
    findings.sort(key=lambda f: (f.path, f.line, f.column, f.code))
    report = Report(len(files), handlers, findings, verdicts, config, catalogue, [str(p) for p in path_list], cwd,
                    registrations, options)
    if options.cache:
        resultcache.save(root / options.cache_dir, key, (handlers, findings, verdicts, registrations))
    if retain is not None:
        retain.append((summaries, reach, finder, evaluator, index, project))
    else:
        dismantle(reach, finder, evaluator, index, project)
    return report


def _load(files: list[SourceFile], cache: Any, options: AnalysisOptions, trees: Optional[dict[Path, ast.Module]],
          catalogue: OnDemand, read: Optional[dict[Path, tuple[bytes, str]]]) -> list[object]:
    """The summaries (loader.load). Where workers summarise beside this process, it imports the rest
    of the analysis and builds the catalogue before it takes its share of the files
    (workers.BEFORE_SHARE), so that they overlap the workers' parsing instead of leaving the other
    cores idle."""
    early = BEFORE_SHARE.get()

    def before() -> None:
        _bind_analysis()
        catalogue()
        if early is not None:
            early()

    token = BEFORE_SHARE.set(before)
    try:
        summaries: list[object] = load(files, cache, options.max_file_bytes, options.jobs, trees, read)
    finally:
        BEFORE_SHARE.reset(token)
    _bind_analysis()  # where no worker ran (a small project, --jobs 1), nothing has imported it yet
    return summaries


__all__ = ["Report", "analyse", "finish_writers"]
