"""Safe: a `requests` call without `timeout=` gets the configured one (`request-timeout`, 10 s).

Without a timeout, requests waits for the other server forever, so the request it runs in has no
upper bound. With one, the call can no longer hold a request past the timeout. The call is the
last hop of the chain (the catalogued call itself, in whichever module it is). Not rewritten:
calls that pass `**kwargs` or `*args` (a timeout may already be in them), and calls that already
have a timeout.
"""
from __future__ import annotations

import ast
from typing import Optional

import libcst as cst

from .changes import Changes
from .codemod_base import Codemod, Target, add_keyword, hop_call, matches, number
from .early import ast_hop_call

DEFAULT_CALLS = ("requests.*",)
HAS_TIMEOUT = "the call already has a timeout"
PASSES_STARS = "the call passes `*args`/`**kwargs`, which may carry a timeout"


class RequestsTimeout(Codemod):
    name = "requests-timeout"
    safety = "safe"

    def plan(self, target: Target, changes: Changes) -> Optional[str]:
        finding = target.finding
        if not matches(finding.leaf, target.options(self.name).get("calls", DEFAULT_CALLS)):
            return f"`{finding.leaf}` is not a requests call that takes a timeout"
        # Read with `ast` first: most calls that are not rewritten have their timeout already
        # (ctfd: all of its 18), and libcst's parse of their file was most of a JSON report's fixes.
        early = ast_hop_call(target, len(finding.chain) - 1)
        if early is not None:
            found = early[0]
            if any(keyword.arg == "timeout" for keyword in found.keywords):
                return HAS_TIMEOUT
            if any(keyword.arg is None for keyword in found.keywords) or any(
                    isinstance(arg, ast.Starred) for arg in found.args):
                return PASSES_STARS
        source, call, reason = hop_call(target, len(finding.chain) - 1)
        if call is None or source is None:
            return reason
        if any(arg.keyword is not None and arg.keyword.value == "timeout" for arg in call.args):
            return HAS_TIMEOUT
        if any(arg.star for arg in call.args):
            return PASSES_STARS
        if finding.leaf.endswith(".request") and sum(1 for a in call.args if a.keyword is None) > 2:
            return "the call passes its options by position"
        file = changes.file(source)
        if file.inside_claimed(call):
            return "another fix rewrites this handler"
        value = number(target.config.request_timeout)

        def edit(_original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Call)
            return add_keyword(updated, "timeout", value)

        file.add(call, self.name, edit, order=0)
        return None
