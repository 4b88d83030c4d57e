"""Fuzzing what test_expressions.py and test_fileformat.py do not: random trees of the whole
Python expression grammar (not just the whitelist) into the expression parser, statements,
and bounded time for the loader on random bytes, mutated valid files and hostile lr_lambda
text inside valid files.

The oracle is the documented whitelist, written here independently of the validator: a
tree with anything outside it must be refused; what is accepted evaluates to a number or
an ExpressionError, and nothing takes more than a second.
"""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.core.curves.engine import compute_curve
from designer.core.schedule.expressions import ExpressionError, parse_expression
from designer.core.schedule.fileformat import load_schedule
from designer.core.schedule.model import ScheduleError

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "data" / "v1").glob("*.json"))
TIME_LIMIT = 1.0

# The whitelist, as the module docstring of designer.core.schedule.expressions states it.
FUNCTIONS = {"min", "max", "abs", "cos", "sin", "exp", "log", "sqrt", "floor", "ceil"}
MATH_FUNCTIONS = FUNCTIONS - {"min", "max", "abs"}
CONSTANTS = {"pi", "e"}
ALLOWED_NODES = (ast.Expression, ast.Constant, ast.Name, ast.Attribute, ast.BinOp, ast.UnaryOp,
                 ast.Compare, ast.BoolOp, ast.IfExp, ast.Call, ast.Load, ast.Add, ast.Sub,
                 ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.UAdd, ast.USub,
                 ast.Not, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq, ast.And, ast.Or)

NAMES = ["step", "pi", "e", "math", "x", "os", "__import__", "__builtins__", "open", "eval",
         "exec", "getattr", "globals", "type", "object", "True", "None", "print", *FUNCTIONS]
ATTRIBUTES = ["pi", "e", "cos", "log", "factorial", "__class__", "__dict__", "__globals__",
              "__subclasses__", "system", "real", "mro"]
LOAD = ast.Load()

constants = st.one_of(
    st.integers(-10**6, 10**6), st.integers(), st.floats(), st.booleans(), st.none(),
    st.complex_numbers(max_magnitude=1e6, allow_nan=False), st.text(max_size=6),
    st.binary(max_size=6), st.just(...),
).map(lambda value: ast.Constant(value))
names = st.sampled_from(NAMES).map(lambda name: ast.Name(name, LOAD))
operators = st.sampled_from([cls() for cls in ast.operator.__subclasses__()])
unary_operators = st.sampled_from([cls() for cls in ast.unaryop.__subclasses__()])
comparisons = st.sampled_from([cls() for cls in ast.cmpop.__subclasses__()])
bool_operators = st.sampled_from([ast.And(), ast.Or()])


def _target() -> ast.Name:
    return ast.Name("x", ast.Store())


def _comprehension(iterable: ast.expr, condition: ast.expr | None) -> ast.comprehension:
    return ast.comprehension(_target(), iterable, [condition] if condition else [], 0)


def _arguments() -> ast.arguments:
    return ast.arguments(posonlyargs=[], args=[ast.arg("x")], vararg=None, kwonlyargs=[],
                         kw_defaults=[], kwarg=None, defaults=[])


def _extend(children: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
    lists = st.lists(children, min_size=1, max_size=3)
    maybe = st.none() | children
    return st.one_of(
        st.builds(ast.BinOp, children, operators, children),
        st.builds(ast.UnaryOp, unary_operators, children),
        st.builds(lambda op, values: ast.BoolOp(op, values), bool_operators,
                  st.lists(children, min_size=2, max_size=3)),
        st.builds(lambda left, pairs: ast.Compare(left, [p[0] for p in pairs],
                                                  [p[1] for p in pairs]),
                  children, st.lists(st.tuples(comparisons, children), min_size=1,
                                     max_size=2)),
        st.builds(ast.IfExp, children, children, children),
        st.builds(lambda func, args, keyword: ast.Call(
            func, args, [ast.keyword(arg="key", value=keyword)] if keyword else []),
            names | st.builds(ast.Attribute, names, st.sampled_from(ATTRIBUTES), st.just(LOAD))
            | children, st.lists(children | st.builds(ast.Starred, children, st.just(LOAD)),
                                 max_size=3), maybe),
        st.builds(ast.Attribute, children | names, st.sampled_from(ATTRIBUTES), st.just(LOAD)),
        st.builds(ast.Subscript, children, children
                  | st.builds(ast.Slice, maybe, maybe, maybe), st.just(LOAD)),
        st.builds(lambda value: ast.NamedExpr(_target(), value), children),
        st.builds(lambda body: ast.Lambda(_arguments(), body), children),
        st.builds(ast.List, lists, st.just(LOAD)),
        st.builds(ast.Tuple, lists, st.just(LOAD)),
        st.builds(ast.Set, lists),
        st.builds(lambda keys, value: ast.Dict(keys, [value] * len(keys)), lists, children),
        st.builds(lambda elt, it, cond: ast.ListComp(elt, [_comprehension(it, cond)]),
                  children, children, maybe),
        st.builds(lambda elt, it, cond: ast.GeneratorExp(elt, [_comprehension(it, cond)]),
                  children, children, maybe),
        st.builds(lambda elt, it: ast.SetComp(elt, [_comprehension(it, None)]), children,
                  children),
        st.builds(lambda k, v, it: ast.DictComp(k, v, [_comprehension(it, None)]), children,
                  children, children),
        st.builds(ast.Await, children),
        st.builds(ast.Yield, maybe),
        st.builds(ast.YieldFrom, children),
        st.builds(lambda value, conversion: ast.JoinedStr([
            ast.Constant("v="), ast.FormattedValue(value, conversion, None)]),
            children, st.sampled_from([-1, 115, 114, 97])),
        st.builds(ast.Starred, children, st.just(LOAD)),
    )


python_trees = st.recursive(constants | names, _extend, max_leaves=12)


def source_text(tree: ast.expr) -> str | None:
    try:
        return ast.unparse(ast.fix_missing_locations(ast.Expression(tree)))
    except (ValueError, TypeError, AttributeError, RecursionError):
        return None  # a tree the unparser cannot print is no input anyone can type


def outside_whitelist(text: str) -> bool:
    """Whether the expression, as Python parses it, uses anything the whitelist lacks."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED_NODES):
            return True
        if isinstance(node, ast.Constant) and type(node.value) not in (int, float):
            return True
        if isinstance(node, ast.Name) and node.id not in {"step", "math"} | CONSTANTS \
                | FUNCTIONS:
            return True
        if isinstance(node, ast.Attribute) and not (
                isinstance(node.value, ast.Name) and node.value.id == "math"
                and node.attr in MATH_FUNCTIONS | CONSTANTS):
            return True
        if isinstance(node, ast.Call) and (node.keywords or not (
                isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
                or isinstance(node.func, ast.Attribute))):
            return True
    return False


def check_expression(text: str) -> None:
    started = time.perf_counter()
    try:
        expression = parse_expression(text)
    except ExpressionError as error:
        assert len(str(error).splitlines()) == 1
        assert time.perf_counter() - started < TIME_LIMIT
        return
    assert not outside_whitelist(text), f"accepted outside the whitelist: {text!r}"
    exported = ast.parse(expression.python_source, mode="eval")
    assert not outside_whitelist(expression.python_source)
    assert not any(isinstance(n, ast.Name) and n.id.startswith("_") for n in ast.walk(exported))
    for step in (0, 1, 7, 10_000):
        try:
            value = expression(step)
        except ExpressionError:
            continue
        assert type(value) in (int, float, bool)
    assert time.perf_counter() - started < TIME_LIMIT


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(python_trees)
def test_random_trees_of_the_python_grammar(tree):
    text = source_text(tree)
    if text is not None:
        check_expression(text)


STATEMENTS = ["import os", "from os import system", "x = {e}", "x += {e}", "del x",
              "def f():\n    return {e}", "class A: pass", "for x in {e}: pass",
              "while {e}: pass", "with {e} as x: pass", "global x", "assert {e}",
              "raise {e}", "try:\n    pass\nexcept Exception:\n    pass", "{e}; {e}",
              "async def f(): await {e}", "lambda: {e}", "return {e}", "pass",
              "if {e}: x = 1", "{e}\n{e}", "match {e}:\n    case 1: pass"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(STATEMENTS), python_trees)
def test_statements_are_refused(template, tree):
    text = source_text(tree)
    if text is None:
        return
    statement = template.replace("{e}", text)
    started = time.perf_counter()
    try:
        parse_expression(statement)
    except ExpressionError:
        assert time.perf_counter() - started < TIME_LIMIT
        return
    # Only the templates that are expressions themselves may pass, within the whitelist.
    assert not outside_whitelist(statement), statement


# The loader, against the clock ---------------------------------------------------------------

def _load_and_step(data: str | bytes) -> None:
    started = time.perf_counter()
    try:
        schedule = load_schedule(data)
        if schedule.total_steps <= 2000:
            compute_curve(schedule)
    except ScheduleError as error:
        assert len(str(error).splitlines()) <= 1
    assert time.perf_counter() - started < 2 * TIME_LIMIT


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_load_quickly(data):
    _load_and_step(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES), st.data())
def test_mutated_valid_files_load_quickly(path, data):
    """Byte-level damage to real files: flips, insertions, deletions, truncation."""
    content = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, max(0, len(content) - 1)))
        action = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip" and content:
            content[at] ^= 1 << data.draw(st.integers(0, 7))
        elif action == "insert":
            content[at:at] = data.draw(st.binary(min_size=1, max_size=4)
                                       | st.sampled_from([b"[", b"{", b"9" * 30, b"1e999",
                                                          b'"', b"\\u0000", b"NaN", b","]))
        elif action == "delete":
            del content[at:at + data.draw(st.integers(1, 10))]
        else:
            del content[at:]
    _load_and_step(bytes(content))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(python_trees, st.sampled_from(["LambdaLR", "MultiplicativeLR"]))
def test_hostile_lr_lambda_in_a_valid_file(tree, scheduler):
    text = source_text(tree)
    if text is None:
        return
    document = {"format": "lr-schedule-designer", "version": 1,
                "optimizer": {"name": "SGD", "lr": 0.1},
                "phases": [{"scheduler": scheduler, "steps": 50,
                            "params": {"lr_lambda": text}}]}
    _load_and_step(json.dumps(document))
