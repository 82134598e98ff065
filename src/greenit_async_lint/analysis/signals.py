"""Signal receivers: functions that run inside the request when a signal is sent.

Receivers are connected with a decorator (`@receiver(post_save, sender=Report)`) or a method
(`post_save.connect(fn, sender=Report)`); they run when the signal is sent explicitly
(`order_placed.send(...)`) or implicitly (saving a model sends pre_save and post_save). A signal is
identified by where it is defined, so that the same signal imported under other names is one.
"""
from __future__ import annotations

from typing import Optional

from ..catalogue import Catalogue
from .evaluate import Evaluator
from .ir import CallSite, Expr
from ..catalogue.patterns import tails
from .project import Ctx, Project

Receiver = tuple  # (module index, function qualname, def line, sender values or None)


class SignalIndex:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue) -> None:
        self.p = project
        self.ev = evaluator
        self.rules = [fw.signals for fw in catalogue.frameworks if fw.signals is not None]
        self.send_methods = frozenset(m for r in self.rules for m in r.send_methods)
        self._receivers: Optional[dict[tuple, list[Receiver]]] = None

    def key(self, expr: Expr, ctx: Ctx) -> Optional[tuple]:
        """Where a signal is defined: ("glob", module index, name) in the project, else ("ext", dotted)."""
        found = self.ev.registries.global_key(expr, ctx)
        if found is not None:
            return found
        for value in self.ev.eval(expr, ctx):
            if value[0] == "ext":
                return ("ext", value[1])
        return None

    def receivers(self) -> dict[tuple, list[Receiver]]:
        if self._receivers is not None:
            return self._receivers
        index: dict[tuple, list[Receiver]] = {}
        decorator_tails: set[str] = set()
        any_tail = False
        for rule in self.rules:
            rule_tails = tails(rule.receivers.patterns())
            if rule_tails is None:
                any_tail = True
            else:
                decorator_tails |= rule_tails
        connect = frozenset(m for r in self.rules for m in r.connect_methods)
        # Receivers are listed module by module, decorated ones before connected ones.
        found: list[tuple[int, int, int, tuple, Receiver]] = []
        for seq, mi, fn in self.ev.index.decorated(None if any_tail else decorator_tails):
            for dec in fn.decorators:
                if dec[0] != "c":
                    continue
                dctx = self.p.defining_ctx(mi, fn)
                names = [v[1] for v in self.ev.eval(dec[1], dctx) if v[0] == "ext"]
                if not any(r.receivers.match(n) for r in self.rules for n in names):
                    continue
                signals = dec[2][0][1] if dec[2] and dec[2][0][0] == "t" else dec[2][:1]
                sender = self._sender(dec[3], dctx)
                for sig in signals:
                    k = self.key(sig, dctx)
                    if k is not None:
                        found.append((mi, 0, seq, k, (mi, fn.qualname, fn.line, sender)))
        for seq, cs, ctx in self.ev.index.calls(connect):
            if cs.func[0] == "a" and cs.args:
                k = self.key(cs.func[1], ctx)
                if k is None:
                    continue
                sender = self._sender(cs.kwargs, ctx)
                for value in self.ev.eval(cs.args[0], ctx):
                    if value[0] in ("fn", "meth"):
                        fn = self.p.function(value[1], value[2])
                        found.append((ctx[0], 1, seq, k, (value[1], value[2], fn.line if fn else cs.line, sender)))
        for _mi, _phase, _seq, k, receiver in sorted(found, key=lambda f: f[:3]):
            index.setdefault(k, []).append(receiver)
        self._receivers = index
        return index

    def _sender(self, kwargs: tuple, ctx: Ctx) -> Optional[tuple]:
        for name, value in kwargs:
            if name == "sender":
                return tuple((v[1], v[2]) for v in self.ev.eval(value, ctx) if v[0] == "cls") or None
        return None

    def triggered(self, cs: CallSite, ctx: Ctx) -> list[tuple[int, str, int]]:
        if not self.rules:
            return []
        keys: list[tuple] = []
        if cs.tail in self.send_methods and cs.func[0] == "a":
            k = self.key(cs.func[1], ctx)
            if k is not None:
                keys.append(k)
        return self.triggered_by(self._callee_names(cs, ctx), self._model_of(cs.func, ctx), keys)

    def triggered_by(self, names: list[str], sender: Optional[set], keys: Optional[list] = None) -> list[tuple[int, str, int]]:
        """Receivers run by calling something known by `names` (`django.db.models.Model.save`) on
        an instance of `sender` (None: unknown), plus those of the signals in `keys`."""
        keys = list(keys or [])
        for rule in self.rules:
            for table, signals in rule.implicit:
                if any(table.match(n) for n in names):
                    keys.extend(("ext", s) for s in signals)
        if not keys:
            return []
        index = self.receivers()
        out = []
        for k in keys:
            for mi, fq, line, wanted in index.get(k, ()):
                if wanted is None or sender is None or sender & set(wanted):
                    out.append((mi, fq, line))
        return out

    def _callee_names(self, cs: CallSite, ctx: Ctx) -> list[str]:
        """The outside names a call answers to, including the framework method a project override replaces."""
        names: list[str] = []
        for value in self.ev.eval(cs.func, ctx):
            if value[0] == "ext":
                names.append(value[1])
            elif value[0] in ("fn", "meth") and cs.func[0] == "a":
                fn = self.p.function(value[1], value[2])
                if fn is not None and fn.cls is not None:
                    _classes, external = self.ev.mro(value[1], fn.cls)
                    names.extend(f"{base}.{cs.func[2]}" for base in external)
        return names

    def _model_of(self, func: Expr, ctx: Ctx) -> Optional[set]:
        """The project class a call is made on (`Report.objects.create` -> Report), if known."""
        expr = func
        while expr[0] == "a":
            expr = expr[1]
            found = {(v[1], v[2]) for v in self.ev.eval(expr, ctx) if v[0] in ("cls", "inst")}
            if found:
                # Subclasses send for themselves and for what they derive from.
                return {c for mi, q in found for c in self.ev.mro(mi, q)[0]}
        return None

