"""Safe ``lr_lambda`` expressions in the variable ``step``.

Schedule files are data, never code: an expression is parsed with ``ast`` and accepted only
if every node is on a small whitelist (numbers, ``step``, arithmetic, comparisons, boolean
logic, conditionals, ``min``/``max``/``abs`` and a few ``math`` functions and constants).

Promises:

* :func:`parse_expression` raises :class:`ExpressionError` (a one-line, user-facing message)
  for anything not allowed, and does bounded work for any input.
* :attr:`Expression.python_source` is the expression normalized to plain Python (math names
  written ``math.<name>``). The evaluator is compiled from that very source, so
  ``lambda step: <python_source>`` in exported code returns bit-identical values (same types,
  same floats) for every step the evaluator accepts.
* Calling an :class:`Expression` returns an int, float or bool, or raises
  :class:`ExpressionError` ("<reason> at step N"); results that explode (huge powers or
  products, float overflow, complex numbers, NaN, infinity) are refused. One evaluation
  costs a bounded time whatever the text: no integer in it grows past MAX_INT_BITS.
* Expressions are immutable and picklable (only the text travels; it is re-validated).
"""

from __future__ import annotations

import ast
import builtins
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_LENGTH", "Expression", "ExpressionError", "parse_expression"]

MAX_LENGTH = 1000  # characters
MAX_NODES = 500
MAX_DEPTH = 50
# No integer in an evaluation may be longer than this many bits: a product or a power that
# would be is refused, before it is computed where its length is known in advance. (A
# literal cannot be: MAX_LENGTH hex digits are under 4,000 bits.) Big-integer arithmetic
# costs more the longer its operands, so this bounds the cost of one evaluation by
# construction (sums only add a bit per node, and an expression has at most MAX_NODES);
# no learning-rate factor needs more (floats stop at 2**1024).
MAX_INT_BITS = 4096


class ExpressionError(ValueError):
    """Message is user-facing, one line, without field path, e.g. "unknown name 'foo'" or
    "division by zero at step 17"."""


_MATH_FUNCTIONS = frozenset({"cos", "sin", "exp", "log", "sqrt", "floor", "ceil"})
_MATH_CONSTANTS = frozenset({"pi", "e"})
_BUILTINS = {"min": min, "max": max, "abs": abs}
_CALLABLE = _MATH_FUNCTIONS | _BUILTINS.keys()
# Allowed positional argument counts (default: exactly one). min/max need two, because with
# one argument Python would iterate over it.
_ARITY = {
    "min": (2, MAX_NODES, "at least 2 arguments"),
    "max": (2, MAX_NODES, "at least 2 arguments"),
    "log": (1, 2, "1 or 2 arguments"),
}
_BINARY_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_UNARY_OPS = (ast.UAdd, ast.USub, ast.Not)
_COMPARE_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)
_OPERATOR_SYMBOLS = dict(
    zip(
        (ast.LShift, ast.RShift, ast.BitOr, ast.BitXor, ast.BitAnd, ast.MatMult, ast.Invert),
        ("<<", ">>", "|", "^", "&", "@", "~"),
    )
) | {ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_CONSTRUCTS = dict.fromkeys((ast.List, ast.Tuple, ast.Set, ast.Dict), "collections") | {
    **dict.fromkeys(_COMPREHENSIONS, "comprehensions"),
    ast.Lambda: "lambda expressions",
    ast.Subscript: "subscripts",
    ast.Starred: "'*' unpacking",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.JoinedStr: "f-strings",
}


class _Refused(ArithmeticError):
    """An operation the evaluator declines to perform; the message is the user-facing reason."""


def _pow(base: Any, exponent: Any) -> Any:
    """``base ** exponent``, exactly, unless the result would explode or be complex."""
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        # A lower bound on the result's bit length, known before paying for it; it is <= 0
        # for |base| <= 1 and for negative exponents, whose results never grow.
        and (abs(base).bit_length() - 1) * exponent > MAX_INT_BITS
    ):
        raise _Refused("power result too large")
    result = base**exponent
    if type(result) is complex:
        raise _Refused("complex result")
    if type(result) is int and result.bit_length() > MAX_INT_BITS:
        raise _Refused("power result too large")
    return result


def _mul(left: Any, right: Any) -> Any:
    """``left * right``, unless both are integers whose product is longer than MAX_INT_BITS
    (known from their lengths before it is computed)."""
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and left.bit_length() + right.bit_length() > MAX_INT_BITS + 1
    ):
        raise _Refused("integer result too large")
    return left * right


def _reason(exc: BaseException) -> str:
    if isinstance(exc, _Refused):
        return str(exc)
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, ArithmeticError):
        return "numeric overflow"
    if isinstance(exc, RecursionError):
        return "expression too deep"
    if isinstance(exc, ValueError):
        return " ".join(str(exc).split())[:80] or "invalid value"
    return "out of memory" if isinstance(exc, MemoryError) else "invalid operation"


_FAILURES = (ArithmeticError, ValueError, TypeError, RecursionError, MemoryError)
# Bare math names resolve here; math constants are inlined as literals with identical values.
_NAMESPACE = {
    "__builtins__": {},
    "_pow": _pow,
    "_mul": _mul,
    **_BUILTINS,
    **{name: getattr(math, name) for name in _MATH_FUNCTIONS},
}


class _Validator:
    """Checks a parsed tree against the whitelist; also bounds its size and depth."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.nodes = 0

    def snippet(self, node: ast.AST) -> str:
        # Source positions, not ast.unparse: unparsing an unchecked subtree could recurse deeply.
        segment = ast.get_source_segment(self.text, node) or type(node).__name__
        segment = " ".join(segment.split())
        return segment if len(segment) <= 40 else segment[:37] + "..."

    def check(self, node: ast.AST, depth: int = 0) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionError(f"expression is too long (more than {MAX_NODES} elements)")
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression is nested too deeply (over {MAX_DEPTH} levels)")
        if isinstance(node, ast.Constant):
            return self.check_constant(node)
        if isinstance(node, ast.Name):
            return self.check_name(node.id)
        if isinstance(node, ast.Attribute):
            return self.check_attribute(node, called=False)
        if isinstance(node, ast.BinOp):
            self.check_operator(node.op, _BINARY_OPS)
            children = [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            self.check_operator(node.op, _UNARY_OPS)
            children = [node.operand]
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                self.check_operator(op, _COMPARE_OPS)
            children = [node.left, *node.comparators]
        elif isinstance(node, ast.BoolOp):
            children = list(node.values)
        elif isinstance(node, ast.IfExp):
            children = [node.test, node.body, node.orelse]
        elif isinstance(node, ast.Call):
            self.check_call(node)
            children = list(node.args)
        else:
            what = _CONSTRUCTS.get(type(node))
            if what is None:
                raise ExpressionError(f"'{self.snippet(node)}' is not allowed")
            raise ExpressionError(f"{what} are not allowed: '{self.snippet(node)}'")
        for child in children:
            self.check(child, depth + 1)

    def check_constant(self, node: ast.Constant) -> None:
        value = node.value
        if type(value) in (int, float):
            return
        if isinstance(value, bool) or value is None:
            raise ExpressionError(f"'{value}' is not allowed; use a number")
        if isinstance(value, complex):
            raise ExpressionError(f"complex numbers are not allowed: '{self.snippet(node)}'")
        if isinstance(value, (str, bytes)):
            raise ExpressionError(f"strings are not allowed: '{self.snippet(node)}'")
        raise ExpressionError(f"'{self.snippet(node)}' is not allowed")

    def check_name(self, name: str) -> None:
        if name == "step" or name in _MATH_CONSTANTS:
            return
        if name in _CALLABLE:
            raise ExpressionError(f"'{name}' must be called, e.g. '{name}(step)'")
        if name == "math":
            raise ExpressionError("'math' can only be used as math.<name>, e.g. 'math.cos'")
        if name.startswith("_") or hasattr(builtins, name):
            raise ExpressionError(f"name '{name}' is not allowed")
        raise ExpressionError(f"unknown name '{name}'")

    def check_attribute(self, node: ast.Attribute, called: bool) -> None:
        if not (isinstance(node.value, ast.Name) and node.value.id == "math"):
            raise ExpressionError(f"attribute access is not allowed: '{self.snippet(node)}'")
        allowed = _MATH_FUNCTIONS if called else _MATH_CONSTANTS
        if node.attr in allowed:
            return
        if node.attr in _MATH_FUNCTIONS:
            raise ExpressionError(f"'math.{node.attr}' must be called")
        if called:
            raise ExpressionError(f"calls to 'math.{node.attr}' are not allowed")
        raise ExpressionError(f"attribute access is not allowed: '{self.snippet(node)}'")

    def check_operator(self, op: ast.AST, allowed: tuple[type, ...]) -> None:
        if not isinstance(op, allowed):
            symbol = _OPERATOR_SYMBOLS.get(type(op), type(op).__name__)
            raise ExpressionError(f"operator '{symbol}' is not allowed")

    def check_call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            self.check_attribute(func, called=True)
            name = func.attr
        elif isinstance(func, ast.Name):
            name = func.id
            if name not in _CALLABLE:
                raise ExpressionError(f"calls to '{name}' are not allowed")
        else:
            raise ExpressionError(f"only named functions can be called: '{self.snippet(node)}'")
        if node.keywords:
            raise ExpressionError(f"keyword arguments are not allowed in {name}()")
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise ExpressionError(f"'*' unpacking is not allowed in {name}()")
        low, high, wanted = _ARITY.get(name, (1, 1, "1 argument"))
        if not low <= len(node.args) <= high:
            raise ExpressionError(f"{name}() takes {wanted}, got {len(node.args)}")


class _ToSource(ast.NodeTransformer):
    """Spells every math function and constant as ``math.<name>``."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in _MATH_FUNCTIONS or node.id in _MATH_CONSTANTS:
            return ast.Attribute(ast.Name("math", ast.Load()), node.id, ast.Load())
        return node


_GUARDS = {ast.Pow: "_pow", ast.Mult: "_mul"}


class _ToEvaluator(ast.NodeTransformer):
    """Binds ``math.<name>`` to the namespace (or a literal) and guards every ``**`` and
    ``*`` (the operations whose integer results can grow without bound)."""

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if node.attr in _MATH_CONSTANTS:
            return ast.Constant(getattr(math, node.attr))
        return ast.Name(node.attr, ast.Load())

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        guard = _GUARDS.get(type(node.op))
        if guard is not None:
            return ast.Call(ast.Name(guard, ast.Load()), [node.left, node.right], [])
        return node


def _parse(text: str) -> ast.Expression:
    body = text.lstrip()  # leading blanks would be an "unexpected indent"
    skipped = text[: len(text) - len(body)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. invalid escapes in strings we reject anyway
            return ast.parse(body, mode="eval")
    except SyntaxError as exc:
        detail = " ".join(str(exc.msg).split())
        if not exc.offset or exc.offset < 1:  # the parser reports running out of input as 0
            where = ""
            detail = "unexpected end of expression" if detail == "invalid syntax" else detail
        else:
            line, column = (exc.lineno or 1), exc.offset
            if line == 1:
                column += len(skipped) - skipped.rfind("\n") - 1
            line += skipped.count("\n")
            multiline = "\n" in text.strip()
            where = f" at line {line}, column {column}" if multiline else f" at column {column}"
        detail = f": {detail}" if detail and detail != "invalid syntax" and len(detail) < 60 else ""
        raise ExpressionError(f"syntax error{where}{detail}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression is nested too deeply") from None
    except ValueError:
        raise ExpressionError("expression could not be parsed") from None


@dataclass(frozen=True)
class Expression:
    """A validated expression; calling it evaluates it at a step. Construction validates."""

    text: str
    source_text: str = field(init=False, repr=False, compare=False)
    _uses_math: bool = field(init=False, repr=False, compare=False)
    _function: Callable[[int], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        text = self.text
        if not isinstance(text, str):
            raise ExpressionError("expression must be text")
        if len(text) > MAX_LENGTH:
            raise ExpressionError(f"expression is longer than {MAX_LENGTH} characters")
        if "\x00" in text:
            raise ExpressionError("expression contains a null character")
        if not text.strip():
            raise ExpressionError("expression is empty")
        tree = _parse(text)
        _Validator(text.lstrip()).check(tree.body)
        normalized = _ToSource().visit(tree)
        source = ast.unparse(normalized)
        uses_math = any(isinstance(node, ast.Attribute) for node in ast.walk(normalized))
        # Compile the evaluator from the exported source itself, so the two cannot diverge.
        body = _ToEvaluator().visit(ast.parse(source, mode="eval")).body
        lambda_tree = ast.parse("lambda step: 0", mode="eval")
        lambda_tree.body.body = body
        ast.fix_missing_locations(lambda_tree)
        function = eval(compile(lambda_tree, "<lr_lambda>", "eval"), dict(_NAMESPACE))
        object.__setattr__(self, "source_text", source)
        object.__setattr__(self, "_uses_math", uses_math)
        object.__setattr__(self, "_function", function)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # Compiled code does not pickle; the text is re-validated on the other side.
        return (Expression, (self.text,))

    @property
    def python_source(self) -> str:
        """Normalized Python source for ``lambda step: (<source>)`` with ``import math``."""
        return self.source_text

    def uses_math(self) -> bool:
        """Whether :attr:`python_source` references ``math.``."""
        return self._uses_math

    def __call__(self, step: int) -> float | int:
        try:
            value = self._function(step)
        except _FAILURES as exc:
            raise ExpressionError(f"{_reason(exc)} at step {step}") from None
        if type(value) is float:
            if value - value == 0.0:  # false exactly for inf and nan
                return value
        elif isinstance(value, int):
            try:
                if math.isfinite(value):
                    return value
            except OverflowError:
                raise ExpressionError(f"result too large at step {step}") from None
        else:
            raise ExpressionError(f"result is not a number at step {step}")
        raise ExpressionError(f"not a finite number at step {step}")


def parse_expression(text: str) -> Expression:
    """Validate ``text`` and return the :class:`Expression`; raises :class:`ExpressionError`."""
    return Expression(text)
