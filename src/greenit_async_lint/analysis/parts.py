"""Query chains that select a few rows, not a whole table (read by volume.py and loops.py).

- rows the request picked one by one (`filter(id__in=ids)`, volume.yaml `bounded-by-keyword`);
- rows two objects share (`filter(user=request.user, book__parent_work=work)`: two equality
  filters on values the code computes, volume.yaml `range-lookups` lists what does not pin);
- one parent's own parts (`ChallengeFiles.query.filter_by(challenge_id=challenge.id)`): a model
  named after the parent its filter pins by equality (`<Parent><Parts>` and `<parent>_id` or
  `<parent>`, volume.yaml `parent-keys`) is that parent's own part table, and holds the few
  parts of one object, as its reverse relation (`challenge.files`) would, which the engine
  already takes as bounded.

A SQLAlchemy comparison in a chain's calls (`filter(ChallengeFiles.challenge_id == c.id)`, and the
`where` of the statement a session executes) counts as the keyword `challenge_id` of its model.

Known limit: the model and key names decide, not the data. A part table named after its parent
but large (a `UserEvents` table filtered by one user) is taken as bounded, as `user.events.all()`
already is; a table not named after the parent it is filtered by (`ImportItem` by `job_id`: one
job's rows, possibly thousands) stays unbounded.
"""
from __future__ import annotations

from ..catalogue.volume import VolumeRules
from typing import Iterator, Optional

from .ir import Attr, Call, Const, Equals, Expr, Name, Star, Unknown


def chain_keywords(expr: Expr) -> set[str]:
    """The keyword names of the calls of a method chain (`X.objects.filter(id__in=ids).order_by()`)."""
    return {k for k, _v in chain_kwargs(expr)}


def chain_kwargs(expr: Expr, membership: frozenset[str] = frozenset()) -> list[tuple[str, Expr]]:
    """The keywords and values of the calls of a method chain (`filter(id__in=ids)`: id__in, ids);
    a column's `membership` operator (volume.yaml `membership-operators`: SQLAlchemy's
    `filter(Model.id.in_(ids))`) reads as Django's `id__in=ids`."""
    found: list[tuple[str, Expr]] = []
    while isinstance(expr, (Call, Attr)):
        if isinstance(expr, Call):
            found.extend((k, v) for k, v in expr.kwargs if k)
            found.extend((f"{a.func.base.attr}__in", a.args[0]) for a in expr.args if isinstance(a, Call) and a.args
                         and isinstance(a.func, Attr) and a.func.attr in membership and isinstance(a.func.base, Attr)
                         and not isinstance(a.args[0], Star))
            expr = expr.func
        else:
            expr = expr.base
    return found


def chain_calls(expr: Expr) -> Iterator[Call]:
    """The calls of a query chain from its end to its root, then those of the statement its root
    call runs (`session.execute(select(Team).where(...)).scalars().all()`)."""
    root: Optional[Call] = None
    while isinstance(expr, (Call, Attr)):
        if isinstance(expr, Call):
            yield expr
            root, expr = expr, expr.func
        else:
            expr = expr.base
    if root is not None and root.args and isinstance(root.args[0], Call):
        expr = root.args[0]
        while isinstance(expr, (Call, Attr)):
            if isinstance(expr, Call):
                yield expr
                expr = expr.func
            else:
                expr = expr.base


def _column(expr: Expr) -> Optional[Attr]:
    """The column a side of a comparison names (`Team.org_id`, through `func.lower(User.name)`)."""
    for _ in range(3):
        if isinstance(expr, Attr) and isinstance(expr.base, Name) and expr.base.id[:1].isupper():
            return expr
        if not isinstance(expr, Call) or not expr.args or isinstance(expr.args[0], Star):
            return None
        expr = expr.args[0]
    return None


def _compared(test: Equals) -> Optional[tuple[str, str]]:
    """The (model, column) a comparison pins to a value the code computes, or None: a constant,
    a class attribute (an enum member) or another column (a join condition) pins nothing."""
    for side, value in ((test.left, test.right), (test.right, test.left)):
        column = _column(side)
        if column is not None and isinstance(column.base, Name):
            if isinstance(value, (Const, Unknown)) or _column(value) is not None:
                return None
            return column.base.id, column.attr
    return None


def equalities(expr: Expr, range_lookups: frozenset[str]) -> list[tuple[str, str]]:
    """The (model, key) of a chain's filters that pin by equality a value the code computes:
    `filter_by(challenge_id=c.id)` ('' for the chain's own model) and `filter(Team.org_id == o.id)`."""
    keys: list[tuple[str, str]] = []
    for call in chain_calls(expr):
        keys.extend(("", k) for k, v in call.kwargs
                    if k and not isinstance(v, Const) and k.rsplit("__", 1)[-1] not in range_lookups)
        keys.extend(found for arg in call.args if isinstance(arg, Equals) for found in [_compared(arg)] if found)
    return keys


def pinned(expr: Expr, range_lookups: frozenset[str]) -> int:
    """How many objects a query chain's filters pin by equality to a value the code computes
    (`filter(user=request.user, book__parent_work=work)`: 2); constants and range lookups
    (`status="open"`, `created__gte=since`) pin none."""
    return len(equalities(expr, range_lookups))


def model_name(expr: Expr) -> str:
    """The class name a query chain starts from: the capitalised name nearest its root
    (`models.ChallengeFiles.query.filter_by(...)`), or the model a session query or its statement
    names (`db.session.query(ChallengeFiles)`, `session.execute(select(Team))`); '' when none."""
    found = ""
    whole = expr
    while isinstance(expr, (Call, Attr)):  # the name nearest the root: `query(Role).join(Team)` is Role's
        if isinstance(expr, Call):
            found = next((a.id for a in expr.args if isinstance(a, Name) and a.id[:1].isupper()), found)
            expr = expr.func
        else:
            found = expr.attr if expr.attr[:1].isupper() else found
            expr = expr.base
    if isinstance(expr, Name) and expr.id[:1].isupper():
        found = expr.id
    return found or next((a.id for call in chain_calls(whole) for a in call.args
                          if isinstance(a, Name) and a.id[:1].isupper()), "")


def parent_name(key: str, parent_keys: tuple[str, ...]) -> str:
    """The parent a foreign key's name names, in lower case without underscores, to compare with
    a class name (`stripe_customer_id`: `stripecustomer`, StripeCustomer's)."""
    stem = next((key[:-len(s)] for s in parent_keys if key.endswith(s) and len(key) > len(s)), key)
    return stem.replace("_", "").lower()


def parts_of_one(expr: Expr, rules: VolumeRules) -> bool:
    """A chain over one parent's own parts: its model is named `<Parent><Parts>` and one of its
    equality filters is on that parent (`challenge_id=challenge.id`)."""
    model = model_name(expr)
    if not model:
        return False
    for owner, key in equalities(expr, rules.range_lookups):
        if "__" in key or owner and owner != model:
            continue  # a lookup through another relation: not this table's own parent key
        parent = parent_name(key, rules.parent_keys)
        if parent and model.lower().startswith(parent) and len(model) > len(parent) \
                and model[len(parent)].isupper():
            return True
    return False
