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
snippet's constants substituted, which `designer.core.expressions` then validates.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from designer.core.catalog import OPTIMIZERS, SCHEDULERS
from designer.core.expressions import ExpressionError, parse_expression

TORCH_SCHEDULERS = "torch.optim.lr_scheduler"
OTHER_TORCH_SCHEDULERS = ("SequentialLR", "ChainedScheduler", "ReduceLROnPlateau",
                          "LRScheduler", "_LRScheduler")
OTHER_TORCH_OPTIMIZERS = ("ASGD", "Adadelta", "Adafactor", "LBFGS", "Muon", "Rprop",
                          "SparseAdam")
# Names a pasted fragment uses without importing them, and what they mean.
_IMPLICIT = {"torch": "torch", "optim": "torch.optim", "lr_scheduler": TORCH_SCHEDULERS,
             "math": "math", "functools": "functools", "argparse": "argparse",
             "partial": "functools.partial",
             **{name: f"{TORCH_SCHEDULERS}.{name}" for name in (*SCHEDULERS,
                                                                *OTHER_TORCH_SCHEDULERS)},
             **{name: f"torch.optim.{name}" for name in (*OPTIMIZERS, *OTHER_TORCH_OPTIMIZERS)}}
_NUMERIC_BUILTINS = ("int", "float", "round", "min", "max", "abs")
_SCHEDULER_LIKE = re.compile(r"(LR|Scheduler|Schedule)$", re.IGNORECASE)
_MAX_STATEMENTS = 20_000
_MAX_CALL_DEPTH = 12
_MAX_LAMBDA_NODES = 4_000


class Finding(NamedTuple):
    """A problem or note about the snippet: 1-based line (0: the snippet as a whole)."""

    line: int
    message: str


@dataclass(frozen=True)
class Unknown:
    """A value only the running script knows; `why` says which, for the user."""

    why: str


@dataclass(frozen=True)
class Ref:
    """A module, class or function reached through imports, e.g. `torch.optim.SGD`."""

    path: str

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]


@dataclass(eq=False)
class OptimizerCall:
    """`torch.optim.<name>(params, lr, ...)` as written: arguments are read values."""

    name: str
    line: int
    args: list[Any]
    kwargs: dict[str, Any]


@dataclass(eq=False)
class StepSite:
    """A `scheduler.step(...)` call and the loops around it (variable, count or None)."""

    line: int
    loops: tuple[tuple[str, int | None], ...]
    has_argument: bool
    condition: ast.expr | None = None  # an enclosing `if` the reader could not decide


@dataclass(eq=False)
class SchedulerCall:
    """One scheduler construction. `kind` is the torch class name, "hf:<function>" for a
    transformers schedule function, or a custom class's name (`custom`)."""

    kind: str
    line: int
    args: list[Any]
    kwargs: dict[str, Any]
    target: str = ""  # the variable it was assigned to
    custom: bool = False
    consumed: bool = False  # part of a SequentialLR or ChainedScheduler
    steps: list[StepSite] = field(default_factory=list)


@dataclass(eq=False)
class Function:
    """A `def` or `lambda` of the snippet, with the scope it closes over and the values
    `functools.partial` bound."""

    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    scope: Scope
    bound: dict[str, Any] = field(default_factory=dict)
    bound_args: tuple[Any, ...] = ()
    called: bool = False

    @property
    def name(self) -> str:
        return "lambda" if isinstance(self.node, ast.Lambda) else self.node.name


@dataclass(frozen=True)
class UserClass:
    name: str
    line: int
    scheduler: bool


@dataclass(eq=False)
class ArgParser:
    """An argparse parser; `defaults` maps each option's dest to its default."""

    defaults: dict[str, tuple[Any, int]] = field(default_factory=dict)


@dataclass(eq=False)
class Namespace:
    parser: ArgParser


class Scope:
    def __init__(self, parent: Scope | None = None) -> None:
        self.names: dict[str, Any] = {}
        self.parent = parent

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return _MISSING


_MISSING = object()


class _Returned(NamedTuple):
    value: Any


class NotImportable(ValueError):
    """An lr_lambda that cannot become an expression; the message says why, for the user."""


class _Cannot(Exception):
    """An lr_lambda or number that cannot become an expression; the message says why."""


class SnippetReader:
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
        self._budget = _MAX_LAMBDA_NODES  # expression nodes left for the current conversion
        self._sizes: dict[int, tuple[ast.AST, int]] = {}  # id(tree) -> (tree, size)

    def problem(self, line: int, message: str) -> None:
        if Finding(line, message) not in self.problems:
            self.problems.append(Finding(line, message))

    def note(self, line: int, message: str) -> None:
        if Finding(line, message) not in self.notes:
            self.notes.append(Finding(line, message))

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

    def _run(self, statements: list[ast.stmt], scope: Scope) -> _Returned | None:
        for statement in statements:
            self._statements += 1
            if self._statements > _MAX_STATEMENTS:
                self.problem(statement.lineno, "the snippet is too long to read completely")
                return _Returned(Unknown("the snippet is too long"))
            returned = self._statement(statement, scope)
            if returned is not None:
                return returned
        return None

    def _statement(self, node: ast.stmt, scope: Scope) -> _Returned | None:
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
            name = _dotted(node.target)
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
            return _Returned(None if node.value is None else self.value(node.value, scope))
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
                        else Unknown(f"`{ast.unparse(target)}` is only known when the script "
                                     "runs"))
                self._assign(element, part, scope, line, hint)
            return
        name = _dotted(target)
        if not name:
            return
        scope.names[name] = value
        if isinstance(value, SchedulerCall) and not value.target:
            value.target = name
        if hint and (_is_number(value) or isinstance(value, Unknown)):
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

    def _if(self, node: ast.If, scope: Scope) -> _Returned | None:
        truth = self.truth(node.test, scope)
        if truth is None:
            if _builds_something(node.body) or _builds_something(node.orelse):
                self.problem(node.lineno, f"`{_short(node.test)}` is only known when the "
                             "script runs; the import follows the first branch")
            self._conditions.append(node.test)
            try:
                return self._run(node.body, scope)
            finally:
                self._conditions.pop()
        return self._run(node.body if truth else node.orelse, scope)

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While, scope: Scope) -> _Returned | None:
        count, variable = None, ""
        if isinstance(node, (ast.For, ast.AsyncFor)):
            count = self._range_length(node.iter, scope)
            target = node.target.elts[0] if isinstance(node.target, ast.Tuple) else node.target
            variable = _dotted(target) or ""
            self._assign(node.target, Unknown(f"`{variable}` is the loop variable"), scope,
                         node.lineno, hint=False)
        self._loops.append((variable, count))
        try:
            # The body is read once: enough to see what it builds and steps.
            return self._run(node.body, scope)
        finally:
            self._loops.pop()

    def _range_length(self, node: ast.expr, scope: Scope) -> int | None:
        while isinstance(node, ast.Call) and _dotted(node.func) in ("tqdm", "tqdm.tqdm") \
                and len(node.args) == 1:
            node = node.args[0]
        if not (isinstance(node, ast.Call) and _dotted(node.func) in ("range", "trange",
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
                item = self.value(item, scope)  # read even when its key is odd: it may build
                if isinstance(key, str):
                    items[key] = item
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
        if found is not _MISSING:
            return found
        if name in _IMPLICIT:
            return Ref(_IMPLICIT[name])
        if name in _NUMERIC_BUILTINS or name in ("len", "range", "list", "print", "str"):
            return Ref(f"builtins.{name}")
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        return Unknown(f"`{name}` is not defined in the snippet")

    def _attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        dotted = _dotted(node)
        if dotted:
            found = scope.lookup(dotted)
            if found is not _MISSING:
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
        return Unknown(f"`{dotted or _short(node)}` is only known when the script runs")

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

    def number(self, node: ast.expr, scope: Scope) -> Any:
        """An arithmetic expression of the snippet's numbers, computed by the whitelist
        expression parser; Unknown if it needs anything else."""
        saved, self._budget = self._budget, _MAX_LAMBDA_NODES
        try:
            tree = self._expression(node, scope, {}, 0)
            if any(isinstance(n, ast.Name) and n.id == "step" for n in ast.walk(tree)):
                raise _Cannot(f"`{_short(node)}` is only known when the script runs")
            return parse_expression(ast.unparse(tree))(0)
        except _Cannot as exc:
            return Unknown(str(exc))
        except ExpressionError as exc:
            return Unknown(f"`{_short(node)}`: {exc}")
        except (RecursionError, MemoryError, ValueError):
            return Unknown(f"`{_short(node)}` is too complex to read")
        finally:
            self._budget = saved

    # Calls --------------------------------------------------------------------------------

    def _call(self, node: ast.Call, scope: Scope) -> Any:
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = self.value(func.value, scope)
            if isinstance(owner, SchedulerCall) and func.attr == "step":
                owner.steps.append(StepSite(node.lineno, tuple(self._loops),
                                            bool(node.args or node.keywords),
                                            self._conditions[-1] if self._conditions else None))
                return None
            if isinstance(owner, ArgParser):
                return self._argparse(owner, func.attr, node, scope)
            if isinstance(owner, str) and func.attr in ("lower", "upper", "strip") and not (
                    node.args or node.keywords):
                return getattr(owner, func.attr)()  # args.lr_scheduler.lower()
        callee = self.value(func, scope)
        if isinstance(callee, Function):
            args, kwargs = self._arguments(node, scope)
            return self._call_function(callee, args, kwargs, node.lineno)
        if isinstance(callee, UserClass):
            args, kwargs = self._arguments(node, scope)
            if callee.scheduler:
                return self._record(SchedulerCall(callee.name, node.lineno, args, kwargs,
                                                  custom=True))
            return Unknown(f"a `{callee.name}` object is only known when the script runs")
        if not isinstance(callee, Ref):
            self._arguments(node, scope)  # what the arguments build still counts
            return Unknown(f"`{_short(node)}` is only known when the script runs")
        path, name = callee.path, callee.name
        if path.startswith("builtins.") and name in _NUMERIC_BUILTINS:
            return self.number(node, scope)
        if path.startswith("math."):
            return self.number(node, scope)
        args, kwargs = self._arguments(node, scope)
        if path == f"{TORCH_SCHEDULERS}.{name}" or (
                path.startswith("torch.") and name in SCHEDULERS):
            return self._record(SchedulerCall(name, node.lineno, args, kwargs))
        if path.startswith("torch.optim.") and (name in OPTIMIZERS
                                                or name in OTHER_TORCH_OPTIMIZERS):
            return OptimizerCall(name, node.lineno, args, kwargs)
        if path.startswith("transformers.") and name.startswith("get_") and (
                "schedule" in name):
            return self._record(SchedulerCall(f"hf:{name}", node.lineno, args, kwargs))
        if path == "functools.partial" and args and isinstance(args[0], Function):
            target = args[0]
            return Function(target.node, target.scope, {**target.bound, **kwargs},
                            target.bound_args + tuple(args[1:]))
        if path == "argparse.ArgumentParser":
            return ArgParser()
        if path == "builtins.list" and len(args) == 1 and isinstance(args[0], (list, tuple)):
            return list(args[0])
        if _SCHEDULER_LIKE.search(name) and not path.startswith("builtins."):
            # timm's CosineLRScheduler, a project's WarmupLR: report it rather than ignore it.
            return self._record(SchedulerCall(name, node.lineno, args, kwargs, custom=True))
        return Unknown(f"`{_short(node)}` is only known when the script runs")

    def _record(self, call: SchedulerCall) -> SchedulerCall:
        self.schedulers.append(call)
        children = call.kwargs.get("schedulers")
        if children is None and call.kind == "SequentialLR" and len(call.args) >= 2:
            children = call.args[1]
        if children is None and call.kind == "ChainedScheduler" and call.args:
            children = call.args[0]
        if call.kind in ("SequentialLR", "ChainedScheduler") and isinstance(children,
                                                                            (list, tuple)):
            for child in children:
                if isinstance(child, SchedulerCall):
                    child.consumed = True
        return call

    def _arguments(self, node: ast.Call, scope: Scope) -> tuple[list[Any], dict[str, Any]]:
        args: list[Any] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                args.append(Unknown(f"`{_short(arg)}` unpacks arguments"))
            else:
                args.append(self.value(arg, scope))
        kwargs: dict[str, Any] = {}
        for keyword in node.keywords:
            value = self.value(keyword.value, scope)
            if keyword.arg is None:
                if isinstance(value, dict) and all(isinstance(k, str) for k in value):
                    kwargs.update(value)
                else:
                    kwargs["**"] = Unknown(f"`**{_short(keyword.value)}` is only known when "
                                           "the script runs")
            else:
                kwargs[keyword.arg] = value
        return args, kwargs

    def _call_function(self, function: Function, args: list[Any], kwargs: dict[str, Any],
                       line: int) -> Any:
        function.called = True
        if self._depth >= _MAX_CALL_DEPTH:
            return Unknown(f"`{function.name}()` calls nest too deeply to read")
        scope = Scope(function.scope)
        node = function.node
        parameters = _parameters(node.args)
        given = [*function.bound_args, *args]
        for index, parameter in enumerate(parameters):
            if index < len(given):
                scope.names[parameter.name] = given[index]
            elif parameter.name in kwargs or parameter.name in function.bound:
                scope.names[parameter.name] = kwargs.get(parameter.name,
                                                         function.bound.get(parameter.name))
            elif parameter.default is not None:
                scope.names[parameter.name] = self.value(parameter.default, function.scope)
            else:
                scope.names[parameter.name] = Unknown(
                    f"`{parameter.name}` is a parameter of {function.name}()")
        if isinstance(node, ast.Lambda):
            return self.value(node.body, scope)
        self._depth += 1
        try:
            returned = self._run(node.body, scope)
        finally:
            self._depth -= 1
        return None if returned is None else returned.value

    def _argparse(self, parser: ArgParser, method: str, node: ast.Call, scope: Scope) -> Any:
        if method in ("parse_args", "parse_known_args"):
            namespace = Namespace(parser)
            return namespace if method == "parse_args" else (namespace, [])
        if method == "add_argument":
            args, kwargs = self._arguments(node, scope)
            flags = [a for a in args if isinstance(a, str)]
            long = next((f for f in flags if f.startswith("--")), flags[0] if flags else "")
            dest = kwargs.get("dest") or long.lstrip("-").replace("-", "_")
            default = kwargs.get("default", {"store_true": False, "store_false": True}.get(
                kwargs.get("action"), _MISSING))
            convert = kwargs.get("type")
            if isinstance(default, str) and isinstance(convert, Ref) and convert.path in (
                    "builtins.int", "builtins.float"):
                # argparse passes a text default through `type`, as it does the command line.
                try:
                    default = {"builtins.int": int, "builtins.float": float}[convert.path](default)
                except ValueError:
                    default = _MISSING
            if isinstance(dest, str) and dest and default is not _MISSING:
                parser.defaults[dest] = (default, node.lineno)
                if _is_number(default):
                    self.hints.setdefault(dest, (default, node.lineno))
        return None

    # Expressions in `step` ----------------------------------------------------------------

    def lambda_text(self, value: Any) -> str:
        """The expression text of an lr_lambda; raises NotImportable saying why not."""
        if isinstance(value, Unknown):
            raise NotImportable(value.why)
        if not isinstance(value, Function):
            raise NotImportable("lr_lambda must be a lambda or a function of the step")
        self._budget, self._sizes = _MAX_LAMBDA_NODES, {}
        try:
            tree = self._inline(value, [ast.Name("step", ast.Load())], {}, 0)
            text = ast.unparse(tree)
            parse_expression(text)
        except _Cannot as exc:
            raise NotImportable(str(exc)) from None
        except ExpressionError as exc:
            raise NotImportable(f"its expression is not one the designer can run: {exc}") from None
        except (RecursionError, MemoryError):
            raise NotImportable("its expression is too complex") from None
        return text

    def _inline(self, function: Function, args: list[ast.expr], kwargs: dict[str, ast.expr],
                depth: int) -> ast.expr:
        """`function(*args, **kwargs)` as one expression tree."""
        if depth > _MAX_CALL_DEPTH:
            raise _Cannot(f"{function.name}() calls nest too deeply")
        node = function.node
        locals_: dict[str, ast.expr] = {}
        given = [*(_literal(v, function.name) for v in function.bound_args), *args]
        for index, parameter in enumerate(_parameters(node.args)):
            if index < len(given):
                locals_[parameter.name] = given[index]
            elif parameter.name in kwargs:
                locals_[parameter.name] = kwargs[parameter.name]
            elif parameter.name in function.bound:
                locals_[parameter.name] = _literal(function.bound[parameter.name],
                                                   parameter.name)
            elif parameter.default is not None:
                locals_[parameter.name] = self._expression(parameter.default, function.scope,
                                                           {}, depth + 1)
            else:
                raise _Cannot(f"{function.name}() needs `{parameter.name}`, which the snippet "
                              "does not give")
        if node.args.vararg or node.args.kwarg:
            raise _Cannot(f"{function.name}() takes *args or **kwargs")
        if isinstance(node, ast.Lambda):
            return self._expression(node.body, function.scope, locals_, depth)
        return self._body(node.body, function, locals_, depth)

    def _body(self, statements: list[ast.stmt], function: Function,
              locals_: dict[str, ast.expr], depth: int) -> ast.expr:
        """A function body of assignments, `if` and `return` as one expression: an `if`
        becomes `a if test else b`, each branch followed by the statements after it."""
        for index, statement in enumerate(statements):
            rest = statements[index + 1:]
            if isinstance(statement, ast.Return) and statement.value is not None:
                return self._expression(statement.value, function.scope, locals_, depth)
            if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and \
                    statement.value is not None:
                target = statement.targets[0] if isinstance(statement, ast.Assign) else \
                    statement.target
                if not isinstance(target, ast.Name) or (isinstance(statement, ast.Assign)
                                                        and len(statement.targets) != 1):
                    raise _Cannot(f"line {statement.lineno}: only simple assignments are "
                                  f"supported in {function.name}()")
                value = statement.value
                if isinstance(statement, ast.AugAssign):
                    value = ast.BinOp(ast.Name(target.id, ast.Load()), statement.op, value)
                locals_ = {**locals_, target.id: self._expression(
                    value, function.scope, locals_, depth)}
            elif isinstance(statement, ast.If):
                test = self._expression(statement.test, function.scope, locals_, depth)
                return ast.IfExp(test, self._body(statement.body + rest, function, locals_,
                                                  depth),
                                 self._body(statement.orelse + rest, function, locals_, depth))
            elif isinstance(statement, ast.Pass) or (
                    isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)):
                continue
            else:
                raise _Cannot(f"line {statement.lineno}: {function.name}() does more than "
                              "compute a number (only assignments, if and return are read)")
        raise _Cannot(f"{function.name}() can end without returning a number")

    def _expression(self, node: ast.expr, scope: Scope, locals_: dict[str, ast.expr],
                    depth: int) -> ast.expr:
        """A copy of `node` in which every name is the step, a local's expression or a
        number of the snippet; float() is dropped where it cannot change the value."""
        self._budget -= 1
        if self._budget < 0:
            raise _Cannot("the expression is too long")
        if isinstance(node, ast.Constant):
            if type(node.value) in (int, float):
                return _number_node(node.value)
            raise _Cannot(f"`{_short(node)}` is not a number")
        if isinstance(node, ast.Name):
            if node.id in locals_:
                # Trees are never changed once built, so a local's tree is shared, not
                # copied; its unparsed size still counts, or `x = x + x` would explode.
                tree = locals_[node.id]
                self._budget -= _size(tree, self._sizes)
                if self._budget < 0:
                    raise _Cannot("the expression is too long")
                return tree
            return self._outer(node, node.id, scope)
        if isinstance(node, ast.Attribute):
            owner = self.value(node.value, scope)
            if isinstance(owner, Ref) and owner.path == "math":
                # Kept as math.pi rather than its digits; the parser checks the name.
                return ast.Attribute(ast.Name("math", ast.Load()), node.attr, ast.Load())
            return self._outer(node, _dotted(node) or _short(node), scope)
        if isinstance(node, ast.BinOp):
            def side(child: ast.expr) -> ast.expr:
                if isinstance(node.op, ast.Div) and _is_float_call(child, scope, self):
                    inner = self._expression(child.args[0], scope, locals_, depth)
                    if _additive(inner):
                        # float(a) / float(b) == a / b while the integers stay below 2**53,
                        # which steps and their sums do: Python rounds int true division
                        # correctly, as it does float division.
                        return inner
                return self._expression(child, scope, locals_, depth)

            return ast.BinOp(side(node.left), node.op, side(node.right))
        if isinstance(node, ast.UnaryOp):
            return ast.UnaryOp(node.op, self._expression(node.operand, scope, locals_, depth))
        if isinstance(node, ast.BoolOp):
            return ast.BoolOp(node.op, [self._expression(v, scope, locals_, depth)
                                        for v in node.values])
        if isinstance(node, ast.Compare):
            return ast.Compare(self._expression(node.left, scope, locals_, depth), node.ops,
                               [self._expression(c, scope, locals_, depth)
                                for c in node.comparators])
        if isinstance(node, ast.IfExp):
            return ast.IfExp(*(self._expression(part, scope, locals_, depth)
                               for part in (node.test, node.body, node.orelse)))
        if isinstance(node, ast.Call):
            return self._call_expression(node, scope, locals_, depth)
        raise _Cannot(f"`{_short(node)}` is not arithmetic the designer can run")

    def _outer(self, node: ast.expr, name: str, scope: Scope) -> ast.expr:
        value = self.value(node, scope)
        if _is_number(value):
            return _number_node(value)
        if isinstance(value, Ref) and value.path.startswith("math."):
            return ast.Attribute(ast.Name("math", ast.Load()), value.name, ast.Load())
        if isinstance(value, Ref) and value.path.startswith("builtins."):
            return ast.Name(value.name, ast.Load())
        if isinstance(value, Unknown):
            raise _Cannot(value.why)
        raise _Cannot(f"`{name}` is not a number")

    def _call_expression(self, node: ast.Call, scope: Scope, locals_: dict[str, ast.expr],
                         depth: int) -> ast.expr:
        if not _dotted(node.func):
            raise _Cannot(f"`{_short(node)}` is not arithmetic the designer can run")
        callee = self.value(node.func, scope)
        if node.keywords and not isinstance(callee, Function):
            raise _Cannot(f"`{_short(node)}`: keyword arguments are not supported here")
        args = [self._expression(a, scope, locals_, depth) for a in node.args
                if not isinstance(a, ast.Starred)]
        if len(args) != len(node.args):
            raise _Cannot(f"`{_short(node)}` unpacks arguments")
        if isinstance(callee, Function):
            kwargs = {k.arg: self._expression(k.value, scope, locals_, depth)
                      for k in node.keywords if k.arg}
            return self._inline(callee, args, kwargs, depth + 1)
        if not isinstance(callee, Ref):
            raise _Cannot(f"`{_short(node)}` is not arithmetic the designer can run")
        if callee.path.startswith("math."):
            return ast.Call(ast.Attribute(ast.Name("math", ast.Load()), callee.name, ast.Load()),
                            args, [])
        name = callee.name if callee.path.startswith("builtins.") else ""
        if name in ("min", "max", "abs"):
            return ast.Call(ast.Name(name, ast.Load()), args, [])
        if name in ("int", "float", "round") and len(args) == 1:
            if not any(isinstance(n, ast.Name) and n.id == "step" for n in ast.walk(args[0])):
                number = parse_expression(ast.unparse(args[0]))(0)
                return _number_node({"int": int, "float": float, "round": round}[name](number))
            if name == "float":
                # float(x) == x + 0.0 for every int and float x (the sign of zero aside).
                return ast.BinOp(args[0], ast.Add(), ast.Constant(0.0))
            raise _Cannot(f"`{_short(node)}` rounds a value that changes with the step")
        raise _Cannot(f"`{_short(node)}` is not arithmetic the designer can run")


@dataclass(frozen=True)
class _Parameter:
    name: str
    default: ast.expr | None


def _parameters(arguments: ast.arguments) -> list[_Parameter]:
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
    defaults += list(arguments.defaults)
    result = [_Parameter(a.arg, d) for a, d in zip(positional, defaults)]
    result += [_Parameter(a.arg, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults)]
    return result


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _number_node(value: float) -> ast.expr:
    # A negative literal is unparsed without parentheses (`-2 ** 2`); a unary minus is not.
    if value < 0 or (value == 0 and math.copysign(1.0, value) < 0):
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def _size(tree: ast.AST, sizes: dict[int, tuple[ast.AST, int]]) -> int:
    """Nodes of `tree` with shared subtrees counted every time they occur (memoized; the
    memo keeps each tree alive so that its id is not reused)."""
    known = sizes.get(id(tree))
    if known is None:
        size = 1 + sum(_size(child, sizes) for child in ast.iter_child_nodes(tree))
        known = sizes[id(tree)] = (tree, size)
    return known[1]


def _literal(value: Any, name: str) -> ast.expr:
    if _is_number(value):
        return _number_node(value)
    raise _Cannot(f"`{name}` is not a number")


def _additive(tree: ast.expr) -> bool:
    """Whether `tree` only adds and subtracts the step and modest numbers (or takes min/max
    of them), so that its integer values stay far below 2**53."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if not abs(node.value) < 2**40:
                return False
        elif isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in ("min", "max")):
                return False
        elif not isinstance(node, (ast.Name, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub,
                                   ast.USub, ast.UAdd, ast.Load)):
            return False
    return True


def _is_float_call(node: ast.expr, scope: Scope, reader: SnippetReader) -> bool:
    if not (isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords):
        return False
    callee = reader.value(node.func, scope)
    return isinstance(callee, Ref) and callee.path == "builtins.float"


def _dotted(node: ast.expr) -> str:
    """`a.b.c` for names and attribute chains, else ""."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def _short(node: ast.AST) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _builds_something(statements: list[ast.stmt]) -> bool:
    """Whether a branch constructs an optimizer or scheduler (by the called name)."""
    names = {*SCHEDULERS, *OTHER_TORCH_SCHEDULERS, *OPTIMIZERS}
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                called = _dotted(node.func).rsplit(".", 1)[-1]
                if called in names or (called.startswith("get_") and "schedule" in called):
                    return True
    return False
