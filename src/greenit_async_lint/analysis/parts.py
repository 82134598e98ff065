"""Query chains that select a few rows, not a whole table (read by volume.py and loops.py).

- rows the request picked one by one (`filter(id__in=ids)`, volume.yaml `bounded-by-keyword`);
- rows two objects share (`filter(user=request.user, book__parent_work=work)`: two equality
  filters on values the code computes, volume.yaml `range-lookups` lists what does not pin);
- one parent's own parts (`ChallengeFiles.query.filter_by(challenge_id=challenge.id)`): a model
  named after the parent its filter pins by equality (`<Parent><Parts>` and `<parent>_id` or
  `<parent>`, volume.yaml `parent-keys`) is that parent's own part table, and holds the few
  parts of one object, as its reverse relation (`challenge.files`) would, which the engine
  already takes as bounded.

Known limit: the model and key names decide, not the data. A part table named after its parent
but large (a `UserEvents` table filtered by one user) is taken as bounded, as `user.events.all()`
already is; a table not named after the parent it is filtered by (`ImportItem` by `job_id`: one
job's rows, possibly thousands) stays unbounded.
"""
from __future__ import annotations

from ..catalogue.volume import VolumeRules
from .ir import Attr, Call, Const, Expr, Name, Star


def chain_keywords(expr: Expr) -> set[str]:
    """The keyword names of the calls of a method chain (`X.objects.filter(id__in=ids).order_by()`)."""
    names: set[str] = set()
    while isinstance(expr, (Call, Attr)):
        if isinstance(expr, Call):
            names.update(k for k, _v in expr.kwargs if k)
            expr = expr.func
        else:
            expr = expr.base
    return names


def _equalities(expr: Expr, range_lookups: frozenset[str]) -> list[str]:
    """The keywords of a chain's filters that pin by equality a value the code computes."""
    keys: list[str] = []
    while isinstance(expr, (Call, Attr)):
        if isinstance(expr, Call):
            keys.extend(k for k, v in expr.kwargs
                        if k and not isinstance(v, Const) and k.rsplit("__", 1)[-1] not in range_lookups)
            expr = expr.func
        else:
            expr = expr.base
    return keys


def pinned(expr: Expr, range_lookups: frozenset[str]) -> int:
    """How many objects a query chain's filters pin by equality to a value the code computes
    (`filter(user=request.user, book__parent_work=work)`: 2); constants and range lookups
    (`status="open"`, `created__gte=since`) pin none."""
    return len(_equalities(expr, range_lookups))


def model_name(expr: Expr) -> str:
    """The class name a query chain starts from: the last capitalised name on its way to the root
    (`models.ChallengeFiles.query.filter_by(...)`), or the model a session query names
    (`db.session.query(ChallengeFiles)`); '' when none."""
    found = ""
    while isinstance(expr, (Call, Attr)):
        if isinstance(expr, Call):
            for arg in expr.args:
                if not found and not isinstance(arg, Star) and isinstance(arg, Name) and arg.id[:1].isupper():
                    found = arg.id
            expr = expr.func
        else:
            if not found and expr.attr[:1].isupper():
                found = expr.attr
            expr = expr.base
    if not found and isinstance(expr, Name) and expr.id[:1].isupper():
        found = expr.id
    return found


def _parent(key: str, parent_keys: tuple[str, ...]) -> str:
    stem = next((key[:-len(s)] for s in parent_keys if key.endswith(s) and len(key) > len(s)), key)
    return stem.replace("_", "").lower()


def parts_of_one(expr: Expr, rules: VolumeRules) -> bool:
    """A chain over one parent's own parts: its model is named `<Parent><Parts>` and one of its
    equality filters is on that parent (`challenge_id=challenge.id`)."""
    model = model_name(expr)
    if not model:
        return False
    for key in _equalities(expr, rules.range_lookups):
        if "__" in key:
            continue  # a lookup through another relation: not this table's own parent key
        parent = _parent(key, rules.parent_keys)
        if parent and model.lower().startswith(parent) and len(model) > len(parent) \
                and model[len(parent)].isupper():
            return True
    return False
