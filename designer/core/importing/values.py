"""What `designer.core.importing.reader.SnippetReader` reads a snippet into, and small helpers.

The values a read expression can have besides plain numbers, strings and lists (`Unknown`,
`Ref`, the recorded optimizer and scheduler calls, the snippet's own functions and classes,
argparse parsers), the scopes names live in, and the ast helpers the reader and the
expression converter share.
"""

from __future__ import annotations

import ast
import copy
import math
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from designer.core.schedule.catalog import OPTIMIZERS, SCHEDULERS
from designer.core.schedule.kinds import MAX_LIST_LENGTH

TORCH_SCHEDULERS = "torch.optim.lr_scheduler"
OTHER_TORCH_SCHEDULERS = ("SequentialLR", "ChainedScheduler", "ReduceLROnPlateau",
                          "LRScheduler", "_LRScheduler")
OTHER_TORCH_OPTIMIZERS = ("ASGD", "Adadelta", "Adafactor", "LBFGS", "Muon", "Rprop",
                          "SparseAdam")
# Names a pasted fragment uses without importing them, and what they mean.
IMPLICIT = {"torch": "torch", "optim": "torch.optim", "lr_scheduler": TORCH_SCHEDULERS,
             "math": "math", "functools": "functools", "argparse": "argparse",
             "partial": "functools.partial",
             **{name: f"{TORCH_SCHEDULERS}.{name}" for name in (*SCHEDULERS,
                                                                *OTHER_TORCH_SCHEDULERS)},
             **{name: f"torch.optim.{name}" for name in (*OPTIMIZERS, *OTHER_TORCH_OPTIMIZERS)}}
NUMERIC_BUILTINS = ("int", "float", "round", "min", "max", "abs")
# Builtins over lists that constant folding computes (min, max of one list and round with
# digits too); `designer.core.importing.folding`.
FOLDED_BUILTINS = ("len", "range", "list", "tuple", "sum", "sorted")
SCHEDULER_LIKE = re.compile(r"(LR|Scheduler|Schedule)$", re.IGNORECASE)
MAX_STATEMENTS = 20_000
MAX_CALL_DEPTH = 12
MAX_LAMBDA_NODES = 4_000
# Constant folding: no list the snippet builds holds more items than a file's (milestones),
# and comprehensions, ranges walked and repetitions compute at most MAX_FOLD_STEPS items in
# all, so that a hostile snippet costs a bounded time (about a second at worst: an item
# computed by arithmetic costs about 0.1 ms).
MAX_ITEMS = MAX_LIST_LENGTH
MAX_FOLD_STEPS = 10_000
MAX_DISPATCH = 16  # a loop over at most this many schedulers or optimizers is unrolled
# Names a script gives the number of scheduler steps of its run (for the run length, and for
# the `total_steps` a user gives when the snippet computes it from its data loader).
STEP_COUNT_NAMES = ("num_training_steps", "total_steps", "max_steps", "num_steps",
                    "training_steps", "total_iters", "max_iters", "num_iters",
                    "total_iterations", "num_iterations", "t_total", "num_train_steps",
                    "total_training_steps", "num_train_optimization_steps")
# Methods that change a list or dict in place.
MUTATORS = ("append", "extend", "insert", "pop", "remove", "sort", "reverse", "clear",
            "update", "setdefault", "popitem")
# What evaluating a snippet's expression, or writing its syntax back as text, can raise:
# ExpressionError (a ValueError), arithmetic failures, ValueError for an int over Python's
# 4,300-digit int-to-str limit, and the depth and size limits of the interpreter.
EVALUATION_FAILURES = (ArithmeticError, ValueError, RecursionError, MemoryError)


class Finding(NamedTuple):
    """A problem or note about the snippet: 1-based line (0: the snippet as a whole)."""

    line: int
    message: str


class FindingLog:
    """Mixin for the reader and the assembler: problems and notes, each recorded once.
    The class using it sets `self.problems` and `self.notes` (lists of Finding)."""

    problems: list[Finding]
    notes: list[Finding]

    def problem(self, line: int, message: str) -> None:
        if Finding(line, message) not in self.problems:
            self.problems.append(Finding(line, message))

    def note(self, line: int, message: str) -> None:
        if Finding(line, message) not in self.notes:
            self.notes.append(Finding(line, message))


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
    """`torch.optim.<name>(params, lr, ...)` as written: arguments are read values;
    `target` the name it was first assigned to (`opt_g`, `optimizers[0]`), if any."""

    name: str
    line: int
    args: list[Any]
    kwargs: dict[str, Any]
    target: str = ""


@dataclass(frozen=True)
class GroupParams:
    """The "params" of a param group dict: tensors only the running script has, known by
    the name the snippet gives them (`model.backbone.parameters()`: "backbone"), or ""."""

    name: str


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
    optimizer_source: str = ""  # the snippet's code of its optimizer argument
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
    """A class the snippet defines; `scheduler`: an lr scheduler (its curve is its own
    code's); `methods` and class `attributes` (`LLM_LR = 2e-4` in its body) of any other,
    for itself and its objects (`Instance`)."""

    name: str
    line: int
    scheduler: bool
    methods: dict[str, Function] = field(default_factory=dict, compare=False, hash=False)
    attributes: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(eq=False)
class Instance:
    """An object of a class the snippet defines, with the attributes its methods set
    (`self.decay_start = decay_start`); its methods are functions bound to it."""

    cls: UserClass
    attrs: dict[str, Any] = field(default_factory=dict)


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
        return MISSING

    def rebind(self, name: str, value: Any) -> None:
        """Set `name` where it is bound (here if nowhere)."""
        scope: Scope | None = self
        while scope is not None and name not in scope.names:
            scope = scope.parent
        (scope or self).names[name] = value


MISSING = object()


class Returned(NamedTuple):
    value: Any


class NotImportable(ValueError):
    """An lr_lambda that cannot become an expression; the message says why, for the user."""


class Cannot(Exception):
    """An lr_lambda or number that cannot become an expression; the message says why."""


@dataclass(frozen=True)
class _Parameter:
    name: str
    default: ast.expr | None


def lambda_parameters(arguments: ast.arguments) -> list[_Parameter]:
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
    defaults += list(arguments.defaults)
    result = [_Parameter(a.arg, d) for a, d in zip(positional, defaults)]
    result += [_Parameter(a.arg, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults)]
    return result


def is_number_node(value: Any) -> bool:
    return type(value) in (int, float) and not too_large(value) and math.isfinite(value)


def too_large(value: Any) -> bool:
    """Whether `value` is an int beyond the float range. No schedule value can be one (torch
    takes floats, step counts are far smaller), math.isfinite raises on it, and str() of one
    over 4,300 digits raises (Python's int-to-str limit), so the reader never passes it on."""
    if type(value) is not int:
        return False
    try:
        float(value)
    except OverflowError:
        return True
    return False


def number_node(value: float) -> ast.expr:
    # A negative literal is unparsed without parentheses (`-2 ** 2`); a unary minus is not.
    if value < 0 or (value == 0 and math.copysign(1.0, value) < 0):
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def node_size(tree: ast.AST, sizes: dict[int, tuple[ast.AST, int]]) -> int:
    """Nodes of `tree` with shared subtrees counted every time they occur (memoized; the
    memo keeps each tree alive so that its id is not reused)."""
    known = sizes.get(id(tree))
    if known is None:
        size = 1 + sum(node_size(child, sizes) for child in ast.iter_child_nodes(tree))
        known = sizes[id(tree)] = (tree, size)
    return known[1]


def literal_value(value: Any, name: str) -> ast.expr:
    if is_number_node(value):
        return number_node(value)
    raise Cannot(value.why if isinstance(value, Unknown) else f"`{name}` is not a number")


def additive_terms(tree: ast.expr) -> bool:
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


def dotted_name(node: ast.expr) -> str:
    """`a.b.c` for names and attribute chains, else ""."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def params_name(node: ast.expr) -> str:
    """The name a param group's "params" goes by in the snippet: `backbone_params`,
    `model.head.parameters()` and `filter(f, model.head.parameters())` name theirs
    ("backbone_params", "head"); a comprehension or anything else is unnamed ("")."""
    while isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr in (
                "parameters", "named_parameters"):
            node = node.func.value
        elif dotted_name(node.func) in ("list", "tuple", "filter", "iter") and node.args:
            node = node.args[-1]
        else:
            return ""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def source_text(node: ast.AST) -> str:
    """The snippet's code of `node`, for messages. Never raises: an integer literal too
    long for str() is shown by its size, a tree too deep to unparse by a placeholder."""
    try:
        try:
            return ast.unparse(node)
        except ValueError:  # an integer over the int-to-str limit
            return ast.unparse(_HugeIntegers().visit(copy.deepcopy(node)))
    except EVALUATION_FAILURES:
        return "<an expression too large to show>"


def short_source(node: ast.AST) -> str:
    text = " ".join(source_text(node).split())
    return text if len(text) <= 60 else text[:57] + "..."


class _HugeIntegers(ast.NodeTransformer):
    """Integer literals beyond the float range, replaced by a name that says how big."""

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        if too_large(node.value):
            return ast.Name(f"<a {node.value.bit_length():,}-bit integer>", ast.Load())
        return node


def builds_something(statements: list[ast.stmt]) -> bool:
    """Whether a branch constructs an optimizer or scheduler (by the called name)."""
    names = {*SCHEDULERS, *OTHER_TORCH_SCHEDULERS, *OPTIMIZERS}
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                called = dotted_name(node.func).rsplit(".", 1)[-1]
                if called in names or (called.startswith("get_") and "schedule" in called):
                    return True
    return False
