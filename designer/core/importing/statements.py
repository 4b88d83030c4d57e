"""How `designer.core.importing.reader.SnippetReader` reads statements.

Straight-line code binds names to what their values are; an `if` whose condition the
snippet decides runs its branch, one it cannot decide runs the first branch (so that what it
builds is seen) and leaves every plain value either branch assigns unknown afterwards; a loop
body is read once (once per scheduler or optimizer when the loop walks a list of them), and
a plain value it assigns is unknown after the loop, as it may change at every iteration.
"""

from __future__ import annotations

import ast
from typing import Any

from designer.core.importing.data import holds, holds_built
from designer.core.importing.values import (
    MAX_DISPATCH,
    MAX_ITEMS,
    MAX_STATEMENTS,
    MUTATORS,
    OTHER_TORCH_OPTIMIZERS,
    OTHER_TORCH_SCHEDULERS,
    STEP_COUNT_NAMES,
    TORCH_SCHEDULERS,
    Function,
    Instance,
    OptimizerCall,
    Ref,
    Returned,
    SchedulerCall,
    Scope,
    Unknown,
    UserClass,
    builds_something,
    dotted_name,
    is_number_node,
    short_source,
)
from designer.core.schedule.catalog import OPTIMIZERS, SCHEDULERS

_MATH_NAMES = ("pi", "e", "cos", "sin", "exp", "log", "sqrt", "floor", "ceil")


class StatementReader:
    """The statement-reading part of `SnippetReader` (which provides `value`, `truth`,
    `problem` and the state these methods use)."""

    def run_block(self, statements: list[ast.stmt], scope: Scope) -> Returned | None:
        for statement in statements:
            self.statement_count += 1
            if self.statement_count > MAX_STATEMENTS:
                self.problem(statement.lineno, "the snippet is too long to read completely")
                return Returned(Unknown("the snippet is too long"))
            try:
                returned = self._statement(statement, scope)
            except (RecursionError, MemoryError):
                # The innermost statement reports it; the statements after it still count.
                self.problem(statement.lineno, "this statement nests too deeply to read")
                continue
            if returned is not None:
                return returned
        return None

    def _statement(self, node: ast.stmt, scope: Scope) -> Returned | None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self._import(node, scope)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            if node.value is not None:
                value = self.value(node.value, scope)
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    self.assign(target, value, scope, node.lineno)
        elif isinstance(node, ast.AugAssign):
            if dotted_name(node.target):
                combined = ast.copy_location(ast.BinOp(node.target, node.op, node.value), node)
                self.assign(node.target, self.value(combined, scope), scope, node.lineno)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = Function(node, scope)
            scope.names[node.name] = function
            self.functions.append(function)
        elif isinstance(node, ast.ClassDef):
            self._class(node, scope)
        elif isinstance(node, ast.Return):
            return Returned(None if node.value is None else self.value(node.value, scope))
        elif isinstance(node, ast.Expr):
            self.value(node.value, scope)
        elif isinstance(node, ast.If):
            return self._if(node, scope)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            return self._loop(node, scope)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            return self.run_block(node.body, scope)
        elif isinstance(node, ast.Try):
            try:
                return self.run_block(node.body, scope) or self.run_block(node.finalbody, scope)
            finally:
                # An except clause may have run instead of part of the body.
                self._not_constant([s for h in node.handlers for s in h.body], scope,
                                   "in an except clause")
        return None

    def _import(self, node: ast.Import | ast.ImportFrom, scope: Scope) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    scope.names[alias.asname] = Ref(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    scope.names[top] = Ref(top)
            return
        base = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                self._star(base, scope)
            else:
                scope.names[alias.asname or alias.name] = Ref(f"{base}.{alias.name}")

    def _star(self, module: str, scope: Scope) -> None:
        if module == TORCH_SCHEDULERS:
            names = (*SCHEDULERS, *OTHER_TORCH_SCHEDULERS)
        elif module == "torch.optim":
            names = (*OPTIMIZERS, *OTHER_TORCH_OPTIMIZERS, "lr_scheduler")
        elif module == "math":
            names = _MATH_NAMES
        else:
            return
        for name in names:
            scope.names[name] = Ref(f"{module}.{name}")

    def assign(self, target: ast.expr, value: Any, scope: Scope, line: int,
               hint: bool = True) -> None:
        """Bind `target`; `hint`: record numbers (and unknowns) for run-length guesses."""
        if isinstance(target, (ast.Tuple, ast.List)):
            items = value if isinstance(value, (list, tuple)) else None
            for index, element in enumerate(target.elts):
                part = (items[index] if items is not None and len(items) == len(target.elts)
                        else Unknown(f"`{short_source(target)}` is only known when the script "
                                     "runs"))
                self.assign(element, part, scope, line, hint)
            return
        if isinstance(target, ast.Subscript):
            self._assign_item(target, value, scope)
            return
        if isinstance(target, ast.Attribute):
            owner = self.value(target.value, scope)
            if isinstance(owner, (Instance, UserClass)):  # self.decay_start = decay_start
                (owner.attrs if isinstance(owner, Instance) else owner.attributes)[
                    target.attr] = value
                _name_built(value, target.attr)
                return
        name = dotted_name(target)
        if not name:
            return
        if isinstance(value, Unknown) and self.given_steps is not None and name.rsplit(
                ".", 1)[-1] in STEP_COUNT_NAMES:
            # `total_steps = len(train_loader) * epochs`: the count the user gave.
            self.note(line, f"`{name}` is only known when the script runs ({value.why}); "
                      f"the import takes it as the total_steps given, {self.given_steps:,}")
            value = self.given_steps
        scope.names[name] = value
        _name_built(value, name)
        if hint and (is_number_node(value) or isinstance(value, Unknown)):
            self.hints[name.rsplit(".", 1)[-1]] = (value, line)

    def _assign_item(self, target: ast.Subscript, value: Any, scope: Scope) -> None:
        """`d[key] = value` and `lst[i] = value` on a dict or list the snippet built; what
        else it changes is unknown afterwards."""
        container = self.value(target.value, scope)
        key = None if isinstance(target.slice, ast.Slice) else self.value(target.slice, scope)
        settable = (isinstance(container, dict) and isinstance(key, (str, int))
                    and (len(container) < MAX_ITEMS or key in container)) or (
            isinstance(container, list) and isinstance(key, int) and not isinstance(key, bool)
            and -len(container) <= key < len(container))
        if settable and not holds(value, container):
            container[key] = value
        elif dotted_name(target.value):
            name = dotted_name(target.value)
            scope.rebind(name, Unknown(f"`{name}` is changed by `{short_source(target)} = "
                                       "...`"))

    def _class(self, node: ast.ClassDef, scope: Scope) -> None:
        is_scheduler = False
        for base in node.bases:
            resolved = self.value(base, scope)
            if isinstance(resolved, Ref) and resolved.name in ("LRScheduler", "_LRScheduler"):
                is_scheduler = True
            elif isinstance(resolved, Ref) and resolved.path.startswith(TORCH_SCHEDULERS + "."):
                is_scheduler = True  # subclassing a torch scheduler changes its curve
            elif isinstance(resolved, UserClass) and resolved.scheduler:
                is_scheduler = True
        methods: dict[str, Function] = {}
        attributes: dict[str, Any] = {}
        body = Scope(scope)  # the class body sees the names it binds; its methods do not
        for item in node.body if not is_scheduler else ():
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods[item.name] = Function(item, scope)
                self.functions.append(methods[item.name])
            elif isinstance(item, (ast.Assign, ast.AnnAssign)) and item.value is not None:
                targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                if len(targets) == 1 and isinstance(targets[0], ast.Name):
                    value = self.value(item.value, body)
                    attributes[targets[0].id] = body.names[targets[0].id] = value
        scope.names[node.name] = UserClass(node.name, node.lineno, is_scheduler, methods,
                                           attributes)

    def _if(self, node: ast.If, scope: Scope) -> Returned | None:
        truth = self.truth(node.test, scope)
        if truth is not None:
            return self.run_block(node.body if truth else node.orelse, scope)
        if builds_something(node.body) or builds_something(node.orelse):
            self.problem(node.lineno, f"`{short_source(node.test)}` is only known when the "
                         "script runs; the import follows the first branch")
        self.conditions.append(node.test)
        try:
            return self.run_block(node.body, scope)
        finally:
            self.conditions.pop()
            self._not_constant(node.body + node.orelse, scope,
                               f"in a branch of line {node.lineno} that only the running "
                               "script decides", hint=True)

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While, scope: Scope) -> Returned | None:
        count, variable = None, ""
        if isinstance(node, (ast.For, ast.AsyncFor)):
            items = self.value(node.iter, scope)
            if _dispatched(items) or _unrolled(items, node):
                return self._dispatch(node, items, scope)
            count = self.loop_count(node.iter, items, scope)
            target = node.target.elts[0] if isinstance(node.target, ast.Tuple) else node.target
            variable = dotted_name(target) or ""
            self.assign(node.target, Unknown(f"`{variable}` is the loop variable"), scope,
                        node.lineno, hint=False)
        self.loops.append((variable, count))
        try:
            # The body is read once: enough to see what it builds and steps.
            return self.run_block(node.body, scope)
        finally:
            self.loops.pop()
            self._not_constant(node.body, scope, f"in the loop of line {node.lineno}")

    def _dispatch(self, node: ast.For | ast.AsyncFor, items: list[Any] | tuple[Any, ...],
                  scope: Scope) -> Returned | None:
        """`for scheduler in schedulers:`, `for optimizer in optimizers:` and `for phase in
        ['train', 'val']:` are read once per item, with the loop variable known (so that
        `if phase == 'train': scheduler.step()` steps once per outer iteration)."""
        for item in items:
            self.assign(node.target, item, scope, node.lineno, hint=False)
            returned = self.run_block(node.body, scope)
            if returned is not None:
                return returned
        return None

    def _not_constant(self, statements: list[ast.stmt], scope: Scope, where: str,
                      hint: bool = False) -> None:
        """Plain values the statements assign (numbers, lists, texts) are no longer known
        afterwards: which branch ran, or how often a loop did, only the script knows."""
        for name, line, key in assigned_names(statements):
            value = scope.names.get(name)
            if key is not None and isinstance(value, dict) and key in value:
                # cfg["batch_size"] = 65536 in a branch: that entry only
                value[key] = Unknown(f"`{name}[{key!r}]` is set {where}")
                continue
            if name in scope.names and not isinstance(value, Unknown) and not holds_built(value):
                unknown = Unknown(f"`{name}` is set {where}")
                scope.names[name] = unknown
                if hint:
                    self.hints[name.rsplit(".", 1)[-1]] = (unknown, line)


def assigned_names(statements: list[ast.stmt]) -> list[tuple[str, int, Any]]:
    """The names (dotted too) the statements assign or change (`lst.append(x)`, `d[k] = v`),
    nested blocks included, with the line of each and the constant key of a `d[k] = v`
    (else None); functions and classes defined there keep their own names."""
    found = []
    pending = list(statements)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor,
                               ast.NamedExpr)):
            targets = [node.target]
        elif isinstance(node, ast.Call) and _mutated(node):
            found.append((_mutated(node), node.lineno, None))
        while targets:
            target = targets.pop()
            if isinstance(target, (ast.Tuple, ast.List)):
                targets.extend(target.elts)
            elif isinstance(target, ast.Subscript) and dotted_name(target.value) and isinstance(
                    target.slice, ast.Constant) and isinstance(target.slice.value, (str, int)):
                found.append((dotted_name(target.value), node.lineno, target.slice.value))
            elif isinstance(target, (ast.Starred, ast.Subscript)):
                targets.append(target.value)
            elif dotted_name(target):
                found.append((dotted_name(target), node.lineno, None))
        pending.extend(ast.iter_child_nodes(node))
    return found


def _mutated(call: ast.Call) -> str:
    """The list or dict `lst.append(x)` (or another changing method) changes, or ""."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in MUTATORS:
        return dotted_name(func.value)
    return ""


def _unrolled(items: Any, node: ast.For | ast.AsyncFor) -> bool:
    """Whether a loop walks a short list of texts (`['train', 'val', 'test']`) without
    leaving it early, so that reading it once per item is what the script does."""
    return isinstance(items, (list, tuple)) and 0 < len(items) <= MAX_DISPATCH and all(
        isinstance(item, str) for item in items) and not node.orelse and not any(
        isinstance(n, (ast.Break, ast.Continue, ast.Return, ast.Yield, ast.YieldFrom))
        for n in ast.walk(ast.Module(node.body, [])))


def _dispatched(items: Any) -> bool:
    """Whether a loop walks a short list of schedulers or optimizers."""
    return isinstance(items, (list, tuple)) and 0 < len(items) <= MAX_DISPATCH and all(
        isinstance(item, (SchedulerCall, OptimizerCall)) for item in items)


def _name_built(value: Any, name: str) -> None:
    """A scheduler or optimizer is known by the first name it is assigned to; in a list or
    dict assigned to a name, by the name and its place (`optimizers[0]`, `opts['G']`)."""
    if isinstance(value, (SchedulerCall, OptimizerCall)):
        if not value.target:
            value.target = name
    elif isinstance(value, (list, tuple)) and len(value) <= MAX_DISPATCH:
        for index, item in enumerate(value):
            if isinstance(item, (SchedulerCall, OptimizerCall)) and not item.target:
                item.target = f"{name}[{index}]"
    elif isinstance(value, dict) and len(value) <= MAX_DISPATCH:
        for key, item in value.items():
            if isinstance(item, (SchedulerCall, OptimizerCall)) and not item.target:
                item.target = f"{name}[{key!r}]"
