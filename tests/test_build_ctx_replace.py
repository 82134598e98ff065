"""The summary builder's cheap replace of its context gives what dataclasses.replace gives."""
from __future__ import annotations

import dataclasses

import pytest

from greenit_async_lint.analysis.expressions import BuildCtx, replace
from greenit_async_lint.analysis.ir import Loop, Scope


def test_same_context_as_dataclasses_replace() -> None:
    ctx = BuildCtx(Scope("m"), "m", None, None)
    for changes in ({"record": False}, {"loops": (Loop(3, "for", None, "xs"),)}, {"prefix": "m.f", "guards": ()}):
        fast, slow = replace(ctx, **changes), dataclasses.replace(ctx, **changes)
        assert fast == slow and type(fast) is BuildCtx and fast.scope is slow.scope
    assert ctx.record is True  # the original is left as it was
    with pytest.raises(dataclasses.FrozenInstanceError):
        replace(ctx, record=False).record = True  # type: ignore[misc]


def test_unknown_field_refused_and_other_records_go_through_dataclasses() -> None:
    ctx = BuildCtx(Scope("m"), "m", None, None)
    with pytest.raises(TypeError):
        replace(ctx, no_such_field=1)
    assert replace(Loop(3, "for", None, "xs"), kind="once") == Loop(3, "once", None, "xs")


def test_the_quiet_twin_is_made_once_and_not_inherited() -> None:
    ctx = BuildCtx(Scope("m"), "m", None, None)
    quiet = ctx.quiet
    assert quiet.record is False and quiet == replace(ctx, record=False) and ctx.quiet is quiet
    assert quiet.quiet is quiet
    looped = replace(ctx, loops=(Loop(3, "for", None, "xs"),))
    assert looped.quiet.loops == looped.loops and looped.quiet is not quiet
