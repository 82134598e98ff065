"""Unsafe: heavy work in the request -> a task-queue job, and the handler answers 202 Accepted.

The handler's work (see moving.py) becomes a task function in the project's tasks module
(created if missing) taking the handler's parameters that the work uses; the handler queues it
and answers 202 with the job id in a status URL. How a task is declared and queued, and how each
framework answers 202, is catalogue data (`queues[].job` and `frameworks[].accepted` in
remedies.yaml): Celery (`@shared_task`, `.delay`), RQ (`queue.enqueue`), Dramatiq (`.send`),
Huey, django-q and Django's tasks framework.

Unsafe because behaviour changes: the response no longer carries the result (the status URL
does, once the job is done), and the work runs in a worker process.
"""
from __future__ import annotations

import re
import string
from typing import Optional, Union

import libcst as cst
from libcst.metadata import ImportAssignment

from .layout import Instance, find_instance, home_folder, import_change, tasks_module
from .rules import FrameworkInfo, ImportSpec, JobSpec, QueueInfo
from .changes import Changes, FileChanges, ImportChange
from .bindings import module_bindings
from .cst_nodes import read_only_visit
from .source import SourceFile
from .codemod_base import Codemod, Target, hop_call, names_bound_in, unique_name
from .codemod_moving import Move, NeededImport, needed_import, plan_move
from .early import handler_quick_refusal
from .movable import quick_refusal


NEW_MODULE_DOC = '"""Task-queue jobs: work moved out of the request path (GreenIT practice 112)."""\n'


class MoveToQueue(Codemod):
    name = "move-to-queue"
    safety = "unsafe"
    rewrites_handler = True

    def plan(self, target: Target, changes: Changes) -> Optional[str]:
        handler = target.handler
        queue = target.queue
        if handler is None or not handler.function:
            return "the work is started by the framework (a class attribute or dependency), not by a handler's body"
        if queue is None or queue.job is None:
            return "the project has no task queue the fixer can write jobs for"
        framework = target.remedies.frameworks.get(handler.framework)
        if framework is None or framework.accepted is None:
            return (f"no 202 response template for {handler.framework} (`remedies: accepted:` in its file of "
                    f"rules/frameworks/)")
        early = handler_quick_refusal(target)  # its own `def`, parsed alone: no parse of its file for these
        if early:
            return early
        source = target.sources.get(handler.path)
        if source.module is None:
            return f"{source.display}: {source.error}"
        function = source.function(handler.qualname)
        if function is None:
            return f"handler `{handler.qualname}` not found in {source.display}"
        file = changes.file(source)
        if file.has(function, self.name):
            return None  # another finding of this handler already moved its work
        quick = quick_refusal(function, target.remedies)
        if quick:
            return quick
        if file.inside_claimed(function) or any(node is function or function in source.ancestors(node)
                                                for node in file.edits):
            return "another fix already edits this handler"
        _, call, reason = hop_call(target, 0)
        if call is None:
            return reason
        move = plan_move(source, function, call, target.remedies, handler.framework)
        if isinstance(move, str):
            return move
        tasks_path = tasks_module(source)
        if tasks_path == source.path:
            return "the handler is in the tasks module itself"
        tasks = target.sources.get(tasks_path)
        if tasks.module is None:
            return f"{tasks.display}: {tasks.error}"
        tasks_file = changes.file(tasks)
        bindings = module_bindings(tasks)
        taken = tasks_file.memo.setdefault("names", set(bindings))
        for needed in move.imports:
            mine = bindings.get(needed.bound)
            if mine and (needed.module, needed.obj) not in mine:
                return f"`{needed.bound}` means something else in {tasks.display}"
        handler_names = names_bound_in(source.module) if source.module is not None else set()
        task_name = unique_name(f"{_snake(handler.qualname)}_task", taken | move.names | handler_names)
        instance = self._instance(target, queue.job, source, tasks, tasks_file)
        if isinstance(instance, str):
            return instance
        taken.add(task_name)
        self._write_task(target, queue, move, source, tasks_file, task_name, instance)
        self._rewrite_handler(target, queue.job, move, source, file, tasks, task_name, instance, framework)
        return None

    # -- the queue object (RQ's Queue, a Huey instance) ---------------------------------------
    def _instance(self, target: Target, job: JobSpec, handler: SourceFile, tasks: SourceFile,
                  tasks_file: FileChanges) -> Union[Instance, str, None]:
        spec = job.instance
        if spec is None:
            return None
        key = ("queue-instance", spec.name)
        if key in tasks_file.memo:
            return tasks_file.memo[key]  # type: ignore[no-any-return]
        found = find_instance(target.sources, home_folder(handler), spec.calls)
        if found is not None:
            result = Instance(found[0], found[1])
        else:
            taken = tasks_file.memo["names"]
            if spec.name in taken:
                return f"`{spec.name}` is already a name in {tasks.display}"
            taken.add(spec.name)
            _start_new_module(tasks_file)
            statement = cst.parse_statement(f"{spec.name} = {spec.create}\n")
            tasks_file.appended.append(statement.with_changes(leading_lines=[cst.EmptyLine()]))
            tasks_file.add_imports.extend(_plain(i) for i in spec.imports)
            result = Instance(tasks, spec.name)
        tasks_file.memo[key] = result
        return result

    # -- the task function --------------------------------------------------------------------
    def _write_task(self, target: Target, queue: QueueInfo, move: Move, source: SourceFile, tasks_file: FileChanges,
                    task_name: str, instance: Optional[Instance]) -> None:
        job = queue.job
        assert job is not None
        tasks = tasks_file.source
        handler = target.handler
        doc = (f'"""The work of the `{handler.qualname}` handler ({source.name}), run by the task queue '
               f'({queue.title}), not in the request."""')
        body: list[cst.BaseStatement] = [cst.parse_statement(doc + "\n")]
        for index, statement in enumerate(move.moved):
            if index == 0 and isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                statement = statement.with_changes(leading_lines=_trim_blank(statement.leading_lines))
            body.append(statement)
        if move.result is not None:
            body.append(cst.SimpleStatementLine([cst.Return(move.result)]))
        elif move.returned:
            body.append(cst.parse_statement(f"return {', '.join(move.returned)}\n"))
            names = ", ".join(f"`{n}`" for n in move.returned)
            target.notes.append(f"The task returns {names}, which the old response used: the {queue.title} result "
                                f"backend must be able to serialise it (a path as a string), and the status URL "
                                f"serves it.")
        params = [cst.Param(name=p.name, annotation=p.annotation) for p in move.params]
        decorators = []
        if job.decorator:
            text = job.decorator.format(instance=_instance_name(instance), task=task_name, args="")
            decorators.append(cst.Decorator(decorator=cst.parse_expression(text)))
        _start_new_module(tasks_file)
        has_content = bool(tasks.module and tasks.module.body) or bool(tasks_file.appended)
        definition = cst.FunctionDef(
            name=cst.Name(task_name), params=cst.Parameters(params=params), body=cst.IndentedBlock(body=body),
            decorators=decorators, leading_lines=[cst.EmptyLine(), cst.EmptyLine()] if has_content else [])
        tasks_file.appended.append(definition)
        tasks_file.add_imports.extend(_plain(i) for i in job.imports)
        for needed in move.imports:
            if needed.relative:
                tasks_file.add_imports.append(import_change(tasks, needed.module, needed.obj, needed.asname))
            else:
                tasks_file.add_imports.append(ImportChange(needed.module, needed.obj, needed.asname))
        if instance is not None and job.decorator and "{instance}" in job.decorator and instance.source is not tasks:
            tasks_file.add_imports.append(import_change(tasks, instance.source.name, instance.name))

    # -- the handler ----------------------------------------------------------------------------
    def _rewrite_handler(self, target: Target, job: JobSpec, move: Move, source: SourceFile, file: FileChanges,
                         tasks: SourceFile, task_name: str, instance: Optional[Instance],
                         framework: FrameworkInfo) -> None:
        function = move.function
        taken = {p.name.value for p in _all_params(function)} | {task_name}
        variable = unique_name("job", taken)
        args = ", ".join(p.name.value for p in move.params)
        send = job.send.format(task=task_name, args=args, instance=_instance_name(instance))
        send = re.sub(r",\s*\)", ")", send)
        job_id = job.job_id.format(job=variable)
        status = _status_expression(target.remedies.status_url, job_id)
        accepted = string.Template(framework.accepted or "").substitute(status=status)
        code = f"{variable} = {send}\n{accepted.rstrip()}\n"
        new_statements = [s.with_changes(leading_lines=[]) for s in cst.parse_module(code).body]
        kept = [move.docstring] if move.docstring is not None else []

        def edit(_original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.FunctionDef) and isinstance(updated.body, cst.IndentedBlock)
            return updated.with_changes(body=updated.body.with_changes(body=[*kept, *new_statements]))

        file.add(function, self.name, edit, order=20)
        file.claimed.append(function)
        file.add_imports.append(import_change(source, tasks.name, task_name))
        if instance is not None and "{instance}" in job.send and instance.source is not source:
            file.add_imports.append(import_change(source, instance.source.name, instance.name))
        file.add_imports.extend(_plain(i) for i in (*job.send_imports, *framework.imports))
        gone = [*move.moved, *([move.result] if move.result is not None else []),
                *([move.dropped] if move.dropped is not None else [])]
        dropped = _module_imports(source, move.dropped) if move.dropped is not None else []
        for needed in [*move.imports, *dropped]:
            # RemoveImportsVisitor is slow (scope analysis): ask it only about imports whose every
            # use leaves this module (moved to the task, or in the response that is dropped).
            if _only_used_in(source, needed.bound, gone):
                file.remove_imports.append(ImportChange(needed.module, needed.obj, needed.asname))


def _start_new_module(tasks_file: FileChanges) -> None:
    """A tasks module the fix creates starts with a docstring that says where it comes from."""
    source = tasks_file.source
    if not source.exists and not (source.module and source.module.body) and not tasks_file.appended:
        tasks_file.appended.append(cst.parse_statement(NEW_MODULE_DOC))


def _module_imports(source: SourceFile, node: cst.CSTNode) -> list[NeededImport]:
    """The module-level imports a subtree reads."""
    out: dict[str, NeededImport] = {}
    names: list[cst.Name] = []

    class Visitor(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            names.append(name)

    read_only_visit(node, Visitor())
    for name in names:
        scope = source.scope(name)
        if scope is None:
            continue
        for access in scope.accesses[name]:
            if access.node is not name:
                continue
            for ref in access.referents:
                if isinstance(ref, ImportAssignment) and name.value not in out:
                    needed = needed_import(source, ref.node, name.value)
                    if needed is not None:
                        out[name.value] = needed
    return list(out.values())


def _only_used_in(source: SourceFile, name: str, roots: list[cst.CSTNode]) -> bool:
    inside = outside = 0
    root_ids = {id(r) for r in roots}

    class Visitor(cst.CSTVisitor):
        depth = 0

        def on_visit(self, node: cst.CSTNode) -> bool:
            nonlocal inside, outside
            if isinstance(node, (cst.Import, cst.ImportFrom)):
                return False
            if id(node) in root_ids:
                self.depth += 1
            if isinstance(node, cst.Name) and node.value == name:
                if self.depth:
                    inside += 1
                else:
                    outside += 1
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            if id(original_node) in root_ids:
                self.depth -= 1

    assert source.module is not None
    read_only_visit(source.module, Visitor())
    return inside > 0 and outside == 0


def _snake(qualname: str) -> str:
    """`NewsletterView.post` -> `newsletter_view_post`."""
    words = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", qualname.replace(".", "_"))
    return re.sub(r"_+", "_", words).lower().strip("_")


def _plain(spec: ImportSpec) -> ImportChange:
    return ImportChange(spec.module, spec.name, spec.asname)


def _instance_name(instance: Optional[Instance]) -> str:
    return instance.name if instance is not None else ""


def _all_params(function: cst.FunctionDef) -> list[cst.Param]:
    p = function.params
    star = [p.star_arg] if isinstance(p.star_arg, cst.Param) else []
    return [*p.posonly_params, *p.params, *star, *p.kwonly_params, *([p.star_kwarg] if p.star_kwarg else [])]


def _status_expression(template: str, job_id: str) -> str:
    before, _, after = template.partition("{id}")
    escape = lambda text: text.replace("{", "{{").replace("}", "}}").replace('"', '\\"')  # noqa: E731
    return f'f"{escape(before)}{{{job_id}}}{escape(after)}"'


def _trim_blank(lines) -> list[cst.EmptyLine]:  # type: ignore[no-untyped-def]
    lines = list(lines)
    while lines and lines[0].comment is None:
        lines.pop(0)
    return lines
