"""Signal receivers: functions that run inside the request when a signal is sent.

Receivers are connected with a decorator (`@receiver(post_save, sender=Report)`) or a method
(`post_save.connect(fn, sender=Report)`); they run when the signal is sent explicitly
(`order_placed.send(...)`) or implicitly (saving a model sends pre_save and post_save). A signal is
identified by where it is defined, so that the same signal imported under other names is one.
A call that works row by row on a collection (volume.yaml `row-by-row`: a queryset's `delete()`
sends pre_delete and post_delete for every row it deletes) runs its receivers once per row: as in
a loop over that collection (`per_row`).
"""
from __future__ import annotations

from typing import Literal, NamedTuple, Optional, Union

from ..catalogue import Catalogue
from ..catalogue.patterns import tails
from .evaluate import Evaluator
from .index import Seq
from .ir import Arg, Attr, Call, CallSite, Expr, Items, Keyword, Loop, Name, Star
from .project import Ctx, Project
from .registries import GlobalKey
from .sourcetext import dotted
from .values import ClassKey, ClassRef, External, FunctionRef, Instance, MethodRef
from .volume import DataVolume


class OutsideSignal(NamedTuple):
    tag: Literal["ext"]
    name: str  # dotted


SignalKey = Union[GlobalKey, OutsideSignal]


class Receiver(NamedTuple):
    module: int
    qualname: str
    line: int  # the receiver's def line
    senders: Optional[tuple[ClassKey, ...]]  # the classes it listens to; None: any sender


Triggered = tuple[int, str, int]  # module index, receiver qualname, def line


class SignalIndex:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue) -> None:
        self.p = project
        self.ev = evaluator
        self.rules = [fw.signals for fw in catalogue.frameworks if fw.signals is not None]
        self.send_methods = frozenset(m for r in self.rules for m in r.send_methods)
        self._receivers: Optional[dict[SignalKey, list[Receiver]]] = None
        self._sent: dict[tuple[str, ...], list[SignalKey]] = {}

    def key(self, expr: Arg, ctx: Ctx) -> Optional[SignalKey]:
        """Where a signal is defined: a global of the project, else its outside dotted name."""
        if isinstance(expr, Star):
            return None
        found = self.ev.registries.global_key(expr, ctx)
        if found is not None:
            return found
        for value in self.ev.eval(expr, ctx):
            if isinstance(value, External):
                return OutsideSignal("ext", value.name)
        return None

    def receivers(self) -> dict[SignalKey, list[Receiver]]:
        if self._receivers is not None:
            return self._receivers
        index: dict[SignalKey, list[Receiver]] = {}
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
        found: list[tuple[int, int, Seq, SignalKey, Receiver]] = []
        for seq, mi, fn in self.ev.index.decorated(None if any_tail else decorator_tails):
            for dec in fn.decorators:
                if not isinstance(dec, Call):
                    continue
                dctx = self.p.defining_ctx(mi, fn)
                names = [v.name for v in self.ev.eval(dec.func, dctx) if isinstance(v, External)]
                if not any(r.receivers.match(n) for r in self.rules for n in names):
                    continue
                first = dec.args[0] if dec.args else None
                signals = first.items if isinstance(first, Items) else dec.args[:1]
                sender = self._sender(dec.kwargs, dctx)
                for sig in signals:
                    k = self.key(sig, dctx)
                    if k is not None:
                        found.append((mi, 0, seq, k, Receiver(mi, fn.qualname, fn.line, sender)))
        for seq, cs, ctx in self.ev.index.calls(connect):
            if isinstance(cs.func, Attr) and cs.args:
                k = self.key(cs.func.base, ctx)
                if k is None or isinstance(cs.args[0], Star):
                    continue
                sender = self._sender(cs.kwargs, ctx)
                for value in self.ev.eval(cs.args[0], ctx):
                    if isinstance(value, (FunctionRef, MethodRef)):
                        target = self.p.function(value.module, value.qualname)
                        line = target.line if target else cs.line
                        found.append((ctx.module, 1, seq, k, Receiver(value.module, value.qualname, line, sender)))
        for _mi, _phase, _seq, k, receiver in sorted(found, key=lambda f: f[:3]):
            index.setdefault(k, []).append(receiver)
        self._receivers = index
        return index

    def _sender(self, kwargs: tuple[Keyword, ...], ctx: Ctx) -> Optional[tuple[ClassKey, ...]]:
        for name, value in kwargs:
            if name == "sender":
                senders = self.ev.eval(value, ctx)
                project = tuple((v.module, v.qualname) for v in senders if isinstance(v, ClassRef))
                if not project and senders and all(isinstance(v, External) for v in senders):
                    # Only outside classes (`sender=User` from django.contrib.auth): no project
                    # model sends to this receiver, a project model's save or delete never runs it.
                    return ()
                return project or None
        return None

    def triggered(self, cs: CallSite, ctx: Ctx) -> list[Triggered]:
        if not self.rules or not self.receivers():  # (most projects connect none: nothing to name)
            return []
        keys: list[SignalKey] = []
        if cs.tail in self.send_methods and isinstance(cs.func, Attr):
            k = self.key(cs.func.base, ctx)
            if k is not None:
                keys.append(k)
        keys = self._implicit(self._callee_names(cs, ctx), keys)
        # The model the call is made on matters only to a receiver that names its sender; most
        # call sites send nothing at all.
        if not any(wanted is not None for k in keys for *_where, wanted in self.receivers().get(k, ())):
            return self._run(keys, None)
        return self._run(keys, self._model_of(cs.func, ctx))

    def triggered_by(self, names: list[str], sender: Optional[set[ClassKey]],
                     keys: Optional[list[SignalKey]] = None) -> list[Triggered]:
        """Receivers run by calling something known by `names` (`django.db.models.Model.save`) on
        an instance of `sender` (None: unknown), plus those of the signals in `keys`."""
        return self._run(self._implicit(names, list(keys or [])), sender)

    def sends_implicitly(self, names: list[str]) -> bool:
        """Whether calling something known by `names` sends a signal (`django.db.models.Model.save`)."""
        return bool(self._implicit(names, []))

    def _implicit(self, names: list[str], keys: list[SignalKey]) -> list[SignalKey]:
        """`keys`, and the signals calling something known by `names` sends."""
        by_names = tuple(names)
        sent = self._sent.get(by_names)
        if sent is None:  # asked at every call site, of a few thousand distinct names
            sent = self._sent[by_names] = [OutsideSignal("ext", s) for rule in self.rules for table, signals in rule.implicit
                                           if any(table.match(n) for n in names) for s in signals]
        keys.extend(sent)
        return keys

    def _run(self, keys: list[SignalKey], sender: Optional[set[ClassKey]]) -> list[Triggered]:
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
            if isinstance(value, External):
                names.append(value.name)
            elif isinstance(value, (FunctionRef, MethodRef)) and isinstance(cs.func, Attr):
                fn = self.p.function(value.module, value.qualname)
                if fn is not None and fn.cls is not None:
                    _classes, external = self.ev.mro(value.module, fn.cls)
                    names.extend(f"{base}.{cs.func.attr}" for base in external)
        return names

    def _model_of(self, func: Expr, ctx: Ctx) -> Optional[set[ClassKey]]:
        """The project class a call is made on (`Report.objects.create` -> Report), if known."""
        expr = func
        while isinstance(expr, Attr):
            expr = expr.base
            if isinstance(expr, Call) and isinstance(expr.func, Name) and expr.func.id == "super":
                here = self.ev.classes.defining_class(ctx)  # `super().save()`: `self`'s class
                cls = ctx.receiver or here
                return set(self.ev.mro(*cls)[0]) if cls is not None else None
            values = self.ev.eval(expr, ctx)
            found = {(v.module, v.qualname) for v in values if isinstance(v, (ClassRef, Instance))}
            # A queryset (`Report.objects.filter(...)`, or a name bound to one) is of its model.
            found |= {v.subject for v in values if isinstance(v, External) and v.subject is not None}
            if found:
                # Subclasses send for themselves and for what they derive from.
                return {c for mi, q in found for c in self.ev.mro(mi, q)[0]}
        return None

    def per_row(self, cs: CallSite, ctx: Ctx, volume: DataVolume) -> Optional[Loop]:
        """The loop a row-by-row call's receivers run in (`Photo.objects.filter(trashed=True).delete()`:
        once per trashed photo); None for any other call, and for one row (`filter(pk=pk)`)."""
        if not self.rules or not len(volume.rules.row_by_row) or not isinstance(cs.func, Attr):
            return None
        if not any(isinstance(v, External) and v.name in volume.rules.row_by_row for v in self.ev.eval(cs.func, ctx)):
            return None
        rows = cs.func.base
        # The loop policy then decides: per-row work counts over a collection the request does not
        # bound (not over the rows it picked), blocking work over any collection (loops.py).
        return None if volume.one_row(rows, ctx) else Loop(cs.line, "for", rows, dotted(rows))
