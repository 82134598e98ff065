"""Safe: `time.sleep(x)` -> `await asyncio.sleep(x)` directly inside an `async def`.

Same wait, same arguments, but the event loop keeps serving other requests. Only a call that
names `time.sleep` itself (through any import alias) is rewritten; a sleep inside a sync helper
cannot be awaited there and is left with the suggestion.
"""
from __future__ import annotations

from typing import Optional

import libcst as cst

from .changes import Changes, ImportChange
from .codemod_base import Codemod, Target, awaited, dotted, loop_blocking_hop, matches, needs_parentheses
from .early import ast_blocking_hop


class AsyncioSleep(Codemod):
    name = "asyncio-sleep"
    safety = "safe"

    def plan(self, target: Target, changes: Changes) -> Optional[str]:
        early = ast_blocking_hop(target)  # (a sleep in a sync helper is refused without libcst's parse)
        if early is not None and early[0] != len(target.finding.chain) - 1:
            return _in_helper(target, early[0])
        index, source, call, reason = loop_blocking_hop(target, early[0] if early is not None else 0)
        if call is None or source is None or index is None:
            return reason
        if index != len(target.finding.chain) - 1:
            return _in_helper(target, index)
        patterns = target.options(self.name).get("calls", ["time.sleep"])
        names = source.qualified_names(call.func)
        if not any(matches(n, patterns) for n in names):
            return f"`{target.finding.chain[index].call}` is not spelled as `time.sleep` here"
        file = changes.file(source)
        if file.inside_claimed(call):
            return "another fix rewrites this handler"
        parenthesise = needs_parentheses(source, call)

        def edit(_original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Call)
            return awaited(updated.with_changes(func=dotted("asyncio.sleep")), parenthesise)

        file.add(call, self.name, edit, order=10)
        file.add_imports.append(ImportChange("asyncio"))
        for name in names:
            module, _, obj = name.rpartition(".")
            if isinstance(call.func, cst.Name):
                file.remove_imports.append(ImportChange(module, obj, _alias(call.func.value, obj)))
            else:
                file.remove_imports.append(ImportChange(module or name))
        return None


def _alias(bound: str, obj: str) -> Optional[str]:
    return bound if bound != obj else None


def _in_helper(target: Target, index: int) -> str:
    return (f"the sleep is inside the sync helper `{target.finding.chain[index].call}`, which cannot "
            f"await: make the helper `async def` or remove the sleep")
