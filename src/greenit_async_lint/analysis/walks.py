"""Directory walks written by hand: a function that calls itself for the entries of a directory
listing (`def get_dir_size(path): for item in os.listdir(path): ... get_dir_size(item)`) walks the
whole tree below the folder it is given, as `os.walk` does, and is reported as the catalogue's
`tree-walk` call is (rules/volume.yaml; `os.walk`, heavy archive-and-bulk-files work). So is a
glob whose pattern holds `**` (volume.yaml `recursive-globs`: `Path.glob("**/*")`,
`glob.glob(..., recursive=True)`), the same walk as `rglob`.

Why here and not in the walk over the call graph: reach.py settles a function that calls itself
once, with nothing for its own recursive call (walk.py), so the work of the recursion is not seen
through that call; and a walk costs even when each entry's own work is nothing the catalogue
knows (names gathered, a size summed from `DirEntry` fields).

What counts as calling itself, read from the summary alone (cheap, no evaluation): a call site
whose callee is the function's own name, for a function outside a class (in a method a bare name
is a module-level function, not the method: mealie's `def clean_images(self)` calling the
module's `clean_images(...)`), or `self.<its name>` / `cls.<its name>` in a method. It must be
inside a loop over a listing (volume.yaml `listings`, through wrappers, names and thread
wrappers: volume.py). Known limit: recursion through a second function (`get` -> `_dir_model` ->
`get`) is not seen here; per-entry work in the listing loop is still data-volume work (volume.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..catalogue import Catalogue
from ..catalogue.patterns import PatternTable
from ..catalogue.schema import ArgSpec
from .effects import Effect, Hop
from .ir import Attr, Call, CallSite, Const, Element, Expr, Function, Name, OneOf, Star, Subscript
from .parameters import arg_value
from .project import BoundExpr, Ctx, Project
from .values import External

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator
    from .volume import DataVolume

_RECEIVERS = frozenset({"self", "cls"})


def thread_result(expr: Expr, ctx: Ctx, ev: Evaluator, threads: PatternTable[ArgSpec]) -> Expr:
    """What a thread wrapper's call gives back is what the call it runs returns: `await
    run_sync(os.listdir, path)` lists the folder as `os.listdir(path)` does (offloads.yaml
    `threads`). The call it runs, else the expression itself."""
    if not isinstance(expr, Call) or not len(threads):
        return expr
    for value in ev.eval(expr.func, ctx):
        spec = threads.match(value.name) if isinstance(value, External) else None
        inner = arg_value(expr.args, expr.kwargs, spec) if spec is not None else None
        if inner is not None:
            return inner
    return expr


def calls_itself(cs: CallSite, fn: Function) -> bool:
    """Whether this call site of `fn` names `fn` itself (`walk(p)` in a function, `self.walk(p)` in a method)."""
    if cs.tail != fn.name:
        return False
    if isinstance(cs.func, Name):
        return fn.cls is None
    return fn.cls is not None and isinstance(cs.func, Attr) and isinstance(cs.func.base, Name) \
        and cs.func.base.id in _RECEIVERS


class Listings:
    """What a loop over a listing iterates: the call a thread wrapper runs, and nothing unbounded
    for a listing of one of the application's own folders (volume.yaml `shipped-folders`)."""

    def __init__(self, evaluator: Evaluator, catalogue: Catalogue) -> None:
        self.ev = evaluator
        self.rules = catalogue.volume
        self.threads = catalogue.offloads.threads

    def source(self, expr: Expr, ctx: Ctx) -> Optional[Expr]:
        """The expression whose value the loop iterates, or None for a listing of a shipped folder."""
        expr = thread_result(expr, ctx, self.ev, self.threads)
        if not isinstance(expr, Call) or not len(self.rules.shipped_roots) or not any(
                isinstance(v, External) and v.name in self.rules.listings for v in self.ev.eval(expr.func, ctx)):
            return expr
        # The folder is the first argument (`os.listdir(folder)`) or the receiver (`folder.iterdir()`).
        folders = [a for a in expr.args[:1] if not isinstance(a, Star)]
        folders += [expr.func.base] if isinstance(expr.func, Attr) else []
        return None if any(self.shipped(f, ctx, 0) for f in folders) else expr

    def shipped(self, expr: Expr, ctx: Ctx, depth: int) -> bool:
        """Is this path one of the application's own folders, or below one?"""
        if depth > 4:
            return False
        if isinstance(expr, Name):
            if expr.id == "__file__":  # the module's own file: the application's code
                return True
            bindings = self.ev.p.bindings(expr.id, ctx)
            return bool(bindings) and all(isinstance(b, BoundExpr) and not isinstance(b.binding, Element)
                                          and self.shipped(b.binding, b.ctx, depth + 1)  # type: ignore[arg-type]
                                          for b in bindings)
        if isinstance(expr, (Attr, Call)):
            names = [v.name for v in self.ev.eval(expr.func if isinstance(expr, Call) else expr, ctx)
                     if isinstance(v, External)]
            if any(n in self.rules.shipped_roots for n in names):
                return True
            if isinstance(expr, Attr):  # `Path(__file__).parent`: a folder of the module's
                return expr.attr == "parent" and self.shipped(expr.base, ctx, depth + 1)
            if names and all(n in self.rules.shipped_steps for n in names):
                below = [a for a in expr.args[:1] if not isinstance(a, Star)]
                below += [expr.func.base] if isinstance(expr.func, Attr) and not below else []
                return any(self.shipped(b, ctx, depth + 1) for b in below)
        return False


class TreeWalks:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue, volume: DataVolume) -> None:
        self.p = project
        self.ev = evaluator
        self.rules = catalogue.volume
        self.volume = volume
        self.entry = catalogue.work.match(self.rules.tree_walk) if self.rules.tree_walk else None
        self._glob_tails = frozenset(name.rsplit(".", 1)[-1] for name in self.rules.recursive_globs)

    def recursive_glob(self, cs: CallSite, ctx: Ctx) -> str:
        """The glob call this site makes when its pattern walks the tree (`**`, and the keyword the
        call needs set to True), or ''."""
        for value in self.ev.eval(cs.func, ctx):
            keyword = self.rules.recursive_globs.get(value.name) if isinstance(value, External) else None
            if keyword is None or not isinstance(value, External):
                continue
            if keyword and not any(k == keyword and isinstance(v, Const) and v.value is True for k, v in cs.kwargs):
                continue
            if any("**" in text for arg in cs.args if not isinstance(arg, Star) for text in self._texts(arg, ctx, 0)):
                return value.name
        return ""

    def _texts(self, expr: Expr, ctx: Ctx, depth: int) -> list[str]:
        """String constants an argument is built from: through calls (`os.path.join(root, "**")`),
        `/` joins (summarised as their left side, so only the name's binding) and local names."""
        if depth > 3:
            return []
        if isinstance(expr, Const):
            return [expr.value] if isinstance(expr.value, str) else []
        if isinstance(expr, Call):
            return [t for a in expr.args if not isinstance(a, Star) for t in self._texts(a, ctx, depth + 1)]
        if isinstance(expr, Name):
            return [t for b in self.p.bindings(expr.id, ctx) if isinstance(b, BoundExpr)
                    and isinstance(b.binding, (Const, Call, Name, OneOf))
                    for t in self._texts(b.binding, b.ctx, depth + 1)]
        if isinstance(expr, OneOf):
            return [t for o in expr.options for t in self._texts(o, ctx, depth + 1)]
        return []

    def at_call(self, cs: CallSite, ctx: Ctx, hop: Hop) -> list[Effect]:
        """The walk a recursive call per listed entry makes, or a `**` glob, as an effect at that call."""
        entry = self.entry
        if entry is not None and cs.tail in self._glob_tails:
            found = self.recursive_glob(cs, ctx)
            if found:
                return [Effect(entry.family, entry.code, entry.weight, entry.scope, found, (hop,),
                               "a `**` pattern: a walk of the whole tree")]
        if entry is None or not cs.loops or ctx.function is None or not ctx.function.endswith(cs.tail):
            return []
        fn = self.p.function(ctx.module, ctx.function)
        if fn is None or not calls_itself(cs, fn):
            return []
        for loop in reversed(cs.loops):
            listing = self.listing(loop.iter, ctx) if loop.kind in ("for", "comprehension") else ""
            if listing:
                detail = f"`{fn.name}` calls itself for each entry: a walk of the whole tree"
                return [Effect(entry.family, entry.code, entry.weight, entry.scope, listing, (hop,), detail,
                               loop=loop.text)]
        return []

    def listing(self, expr: Optional[Expr], ctx: Ctx, depth: int = 0) -> str:
        """The listing call (`os.listdir`) this iterable gives the entries of, or ''."""
        if expr is None or depth > 3 or isinstance(expr, Subscript):
            return ""
        if isinstance(expr, Name):  # entries = await run_sync(os.listdir, path)
            for bound in self.p.bindings(expr.id, ctx):
                if isinstance(bound, BoundExpr) and isinstance(bound.binding, Call):
                    found = self.listing(bound.binding, bound.ctx, depth + 1)
                    if found:
                        return found
            return ""
        for inner in self.volume.wrapped(expr, ctx):  # sorted(os.listdir(path))
            found = self.listing(inner, ctx, depth + 1)
            if found:
                return found
        source = self.volume.listings.source(expr, ctx)
        return next((v.name for v in self.ev.eval(source, ctx) if isinstance(v, External)
                     and v.name in self.rules.listings), "") if source is not None else ""
