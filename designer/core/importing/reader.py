"""Reading a training-script snippet without running it.

`SnippetReader` walks the snippet's syntax tree like a very small interpreter that knows
only what a schedule import needs: imports, numbers and the arithmetic of numbers, lists,
strings compared with strings (so `if args.sched == "cosine":` picks a branch), argparse
defaults, calls of the snippet's own functions, and the construction of torch optimizers
and lr schedulers, which it records instead of performing. Nothing is executed: numbers are
computed by the whitelist expression parser, every other construct is either understood
or becomes an `Unknown` that says why, and the import reports it with its line number.

`lambda_text` turns an `lr_lambda` (a lambda, a `def` made of assignments, `if` and
`return`, or a `functools.partial` of one) into one expression in `step`, with the
snippet's constants substituted, which `designer.core.schedule.expressions` then validates.

The reader lives in parts: statements and values here, calls in `import_calls`, the
conversion to expressions (and `number`) in `import_lambdas`, and the values it reads
into in `import_values`, all importable from here as before.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from designer.core.importing.calls import CallReader
from designer.core.importing.lambdas import ExpressionConverter
from designer.core.importing.values import (
    IMPLICIT,
    MAX_LAMBDA_NODES,
    MAX_STATEMENTS,
    MISSING,
    NUMERIC_BUILTINS,
    OTHER_TORCH_OPTIMIZERS,
    OTHER_TORCH_SCHEDULERS,
    TORCH_SCHEDULERS,
    ArgParser,
    Finding,
    FindingLog,
    Function,
    GroupParams,
    Namespace,
    NotImportable,
    OptimizerCall,
    Ref,
    Returned,
    SchedulerCall,
    Scope,
    StepSite,
    Unknown,
    UserClass,
    builds_something,
    dotted_name,
    is_number_node,
    params_name,
    short_source,
    too_large,
)
from designer.core.schedule.catalog import OPTIMIZERS, SCHEDULERS

__all__ = [
    "OTHER_TORCH_OPTIMIZERS",
    "OTHER_TORCH_SCHEDULERS",
    "TORCH_SCHEDULERS",
    "ArgParser",
    "Finding",
    "Function",
    "GroupParams",
    "Namespace",
    "NotImportable",
    "OptimizerCall",
    "Ref",
    "SchedulerCall",
    "Scope",
    "SnippetReader",
    "StepSite",
    "Unknown",
    "UserClass",
]


class SnippetReader(CallReader, ExpressionConverter, FindingLog):
    """Reads a parsed snippet; afterwards `schedulers`, `problems`, `notes` and `hints`
    (numbers assigned to names anywhere, for run-length guesses) describe it."""

    def __init__(self) -> None:
        self.schedulers: list[SchedulerCall] = []
        self.problems: list[Finding] = []
        self.notes: list[Finding] = []
        self.hints: dict[str, tuple[int | float, int]] = {}
        self._functions: list[Function] = []
        self._loops: list[tuple[str, int | None]] = []
        self._conditions: list[ast.expr] = []
        self.argparse_defaults: dict[str, tuple[Any, int]] = {}  # the defaults used
        self._statements = 0
        self._depth = 0
        self._budget = MAX_LAMBDA_NODES  # expression nodes left for the current conversion
        self._sizes: dict[int, tuple[ast.AST, int]] = {}  # id(tree) -> (tree, size)

    def read(self, tree: ast.Module) -> None:
        module = Scope()
        module.names["__name__"] = "__main__"
        self._run(tree.body, module)
        if not self.schedulers:
            # Scripts often build their scheduler in a function nobody calls in the
            # snippet (Lightning's configure_optimizers, a main()): read those too.
            for function in list(self._functions):
                if not function.called and not self.schedulers:
                    self._call_function(function, [], {}, function.node.lineno)

    # Statements ---------------------------------------------------------------------------

    def _run(self, statements: list[ast.stmt], scope: Scope) -> Returned | None:
        for statement in statements:
            self._statements += 1
            if self._statements > MAX_STATEMENTS:
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
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    scope.names[alias.asname] = Ref(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    scope.names[top] = Ref(top)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            for alias in node.names:
                if alias.name == "*":
                    self._star(base, scope)
                else:
                    scope.names[alias.asname or alias.name] = Ref(f"{base}.{alias.name}")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            if node.value is not None:
                value = self.value(node.value, scope)
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    self._assign(target, value, scope, node.lineno)
        elif isinstance(node, ast.AugAssign):
            name = dotted_name(node.target)
            if name:
                combined = ast.BinOp(node.target, node.op, node.value)
                self._assign(node.target, self.value(ast.copy_location(combined, node), scope),
                             scope, node.lineno)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = Function(node, scope)
            scope.names[node.name] = function
            self._functions.append(function)
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
            return self._run(node.body, scope)
        elif isinstance(node, ast.Try):
            return self._run(node.body, scope) or self._run(node.finalbody, scope)
        return None

    def _star(self, module: str, scope: Scope) -> None:
        if module == TORCH_SCHEDULERS:
            names = (*SCHEDULERS, *OTHER_TORCH_SCHEDULERS)
        elif module == "torch.optim":
            names = (*OPTIMIZERS, *OTHER_TORCH_OPTIMIZERS, "lr_scheduler")
        elif module == "math":
            names = ("pi", "e", "cos", "sin", "exp", "log", "sqrt", "floor", "ceil")
        else:
            return
        for name in names:
            scope.names[name] = Ref(f"{module}.{name}")

    def _assign(self, target: ast.expr, value: Any, scope: Scope, line: int,
                hint: bool = True) -> None:
        """Bind `target`; `hint`: record numbers (and unknowns) for run-length guesses."""
        if isinstance(target, (ast.Tuple, ast.List)):
            items = value if isinstance(value, (list, tuple)) else None
            for index, element in enumerate(target.elts):
                part = (items[index] if items is not None and len(items) == len(target.elts)
                        else Unknown(f"`{short_source(target)}` is only known when the script "
                                     "runs"))
                self._assign(element, part, scope, line, hint)
            return
        name = dotted_name(target)
        if not name:
            return
        scope.names[name] = value
        if isinstance(value, SchedulerCall) and not value.target:
            value.target = name
        if hint and (is_number_node(value) or isinstance(value, Unknown)):
            self.hints[name.rsplit(".", 1)[-1]] = (value, line)

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
        scope.names[node.name] = UserClass(node.name, node.lineno, is_scheduler)
        if not is_scheduler:
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._functions.append(Function(item, scope))

    def _if(self, node: ast.If, scope: Scope) -> Returned | None:
        truth = self.truth(node.test, scope)
        if truth is None:
            if builds_something(node.body) or builds_something(node.orelse):
                self.problem(node.lineno, f"`{short_source(node.test)}` is only known when the "
                             "script runs; the import follows the first branch")
            self._conditions.append(node.test)
            try:
                return self._run(node.body, scope)
            finally:
                self._conditions.pop()
        return self._run(node.body if truth else node.orelse, scope)

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While, scope: Scope) -> Returned | None:
        count, variable = None, ""
        if isinstance(node, (ast.For, ast.AsyncFor)):
            count = self._range_length(node.iter, scope)
            target = node.target.elts[0] if isinstance(node.target, ast.Tuple) else node.target
            variable = dotted_name(target) or ""
            self._assign(node.target, Unknown(f"`{variable}` is the loop variable"), scope,
                         node.lineno, hint=False)
        self._loops.append((variable, count))
        try:
            # The body is read once: enough to see what it builds and steps.
            return self._run(node.body, scope)
        finally:
            self._loops.pop()

    def _range_length(self, node: ast.expr, scope: Scope) -> int | None:
        while isinstance(node, ast.Call) and dotted_name(node.func) in ("tqdm", "tqdm.tqdm") \
                and len(node.args) == 1:
            node = node.args[0]
        if not (isinstance(node, ast.Call) and dotted_name(node.func) in ("range", "trange",
                                                                       "tqdm.trange")):
            return None
        bounds = [self.value(arg, scope) for arg in node.args]
        if not 1 <= len(bounds) <= 3 or not all(
                isinstance(b, int) and not isinstance(b, bool) for b in bounds):
            return None
        try:
            return len(range(*bounds))
        except (ValueError, OverflowError):
            return None

    # Values -------------------------------------------------------------------------------

    def truth(self, node: ast.expr, scope: Scope) -> bool | None:
        value = self.value(node, scope)
        if isinstance(value, (Unknown, Function, Ref, SchedulerCall, OptimizerCall)):
            return None
        try:
            return bool(value)
        except Exception:  # noqa: BLE001 - any odd value: undecided
            return None

    def value(self, node: ast.expr, scope: Scope) -> Any:
        """What an expression evaluates to, as far as the snippet says."""
        if isinstance(node, ast.Constant):
            if too_large(node.value):
                return Unknown(f"`{short_source(node)}` is larger than any number a schedule uses")
            return node.value
        if isinstance(node, ast.Name):
            return self._name(node.id, scope)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, scope)
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.value(element, scope) for element in node.elts]
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Dict):
            items = {}
            for key, item in zip(node.keys, node.values):
                key = None if key is None else self.value(key, scope)
                value = self.value(item, scope)  # read even when its key is odd: it may build
                if key == "params":  # a param group: what matters is what it is called
                    value = GroupParams(params_name(item))
                if isinstance(key, str):
                    items[key] = value
            return items
        if isinstance(node, ast.Lambda):
            return Function(node, scope)
        if isinstance(node, ast.Call):
            return self._call(node, scope)
        if isinstance(node, ast.Compare):
            decided = self._compare_texts(node, scope)
            if decided is not None:
                return decided
        if isinstance(node, ast.BoolOp) or (isinstance(node, ast.UnaryOp)
                                            and isinstance(node.op, ast.Not)):
            operands = node.values if isinstance(node, ast.BoolOp) else [node.operand]
            truths = [self.truth(operand, scope) for operand in operands]
            if None not in truths:
                if isinstance(node, ast.UnaryOp):
                    return not truths[0]
                return all(truths) if isinstance(node.op, ast.And) else any(truths)
        if isinstance(node, ast.IfExp):
            truth = self.truth(node.test, scope)
            if truth is not None:
                return self.value(node.body if truth else node.orelse, scope)
        return self.number(node, scope)

    def _name(self, name: str, scope: Scope) -> Any:
        found = scope.lookup(name)
        if found is not MISSING:
            return found
        if name in IMPLICIT:
            return Ref(IMPLICIT[name])
        if name in NUMERIC_BUILTINS or name in ("len", "range", "list", "print", "str", "dict"):
            return Ref(f"builtins.{name}")
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        return Unknown(f"`{name}` is not defined in the snippet")

    def _attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        dotted = dotted_name(node)
        if dotted:
            found = scope.lookup(dotted)
            if found is not MISSING:
                return found
        owner = self.value(node.value, scope)
        if isinstance(owner, Ref):
            if owner.path == "math" and node.attr in ("pi", "e", "tau", "inf"):
                return getattr(math, node.attr)
            return Ref(f"{owner.path}.{node.attr}")
        if isinstance(owner, Namespace):
            if node.attr in owner.parser.defaults:
                value, line = owner.parser.defaults[node.attr]
                self.argparse_defaults[node.attr] = (value, line)
                return value
            return Unknown(f"`{dotted}` comes from the command line and has no default")
        if isinstance(owner, Unknown):
            return owner
        return Unknown(f"`{dotted or short_source(node)}` is only known when the script runs")

    def _compare_texts(self, node: ast.Compare, scope: Scope) -> bool | None:
        """Comparisons of strings, None and booleans (`args.sched == "cosine"`)."""
        if len(node.ops) != 1:
            return None
        left, right = self.value(node.left, scope), self.value(node.comparators[0], scope)
        plain = (str, bool, type(None))
        op = node.ops[0]
        if isinstance(op, (ast.In, ast.NotIn)) and isinstance(left, str) and isinstance(
                right, (list, tuple)) and all(isinstance(r, str) for r in right):
            return (left in right) == isinstance(op, ast.In)
        if not (isinstance(left, plain) or isinstance(right, plain)):
            return None
        if isinstance(left, (Unknown, Function, Ref)) or isinstance(right, (Unknown, Function,
                                                                           Ref)):
            return None
        if isinstance(op, (ast.Eq, ast.Is)):
            return left == right
        if isinstance(op, (ast.NotEq, ast.IsNot)):
            return left != right
        return None
