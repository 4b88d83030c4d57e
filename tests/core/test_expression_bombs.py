"""Expression CPU bombs: one evaluation costs bounded time whatever the text.

Big-integer arithmetic costs more the longer its operands, so an lr_lambda of 64 products
of 3**4096 took 0.1 s per step. The evaluator now refuses every integer longer than
MAX_INT_BITS (literals, products, powers), which bounds the cost of an evaluation by
construction. The oracle here is an independent interpreter that tracks the longest
integer a plain Python evaluation would build.
"""

from __future__ import annotations

import ast
import math
import operator

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from designer.core.schedule.expressions import (
    MAX_INT_BITS,
    MAX_LENGTH,
    MAX_NODES,
    ExpressionError,
    parse_expression,
)


def _product(count: int) -> str:
    """`count` factors of 3**4096 as a balanced tree (shallow enough for the parser)."""
    if count == 1:
        return "3**4096"
    return f"({_product(count // 2)}*{_product(count - count // 2)})"


def _bomb(factors: int, divisors: int) -> str:
    return f"min(1,{_product(factors)}//{_product(divisors)})"


def test_the_reported_bomb_is_refused_at_once():
    text = _bomb(64, 32)
    assert len(text) < 1000
    expression = parse_expression(text)
    with pytest.raises(ExpressionError, match="too large at step 0"):
        expression(0)


def test_products_are_refused_before_they_are_computed_at_the_exact_limit():
    half = MAX_INT_BITS // 2
    # 2**(half-1) * 2**half = 2**(MAX_INT_BITS-1): MAX_INT_BITS bits, allowed.
    assert parse_expression(f"2**{half - 1} * 2**{half} // 2**{MAX_INT_BITS - 2}")(0) == 2
    with pytest.raises(ExpressionError, match="integer result too large at step 0"):
        parse_expression(f"2**{half} * 2**{half}")(0)
    # Floats are not limited (they overflow on their own, and are refused as such).
    assert parse_expression("2.0**500 * 2.0**500 * 2.0**-1000")(0) == 1.0


def test_integer_literals_are_bounded_by_the_length_limit():
    # Even a literal of the whole length is far shorter than the limit.
    assert (16 ** (MAX_LENGTH - 2)).bit_length() < MAX_INT_BITS
    long = "0x" + "f" * (MAX_LENGTH // 2 - 8)
    assert parse_expression(f"{long} // {long}")(0) == 1
    with pytest.raises(ExpressionError, match="longer than"):
        parse_expression(hex(1 << MAX_INT_BITS))


def test_powers_with_results_over_the_limit_are_refused():
    with pytest.raises(ExpressionError, match="power result too large"):
        parse_expression("3 ** 4096")(0)
    assert parse_expression("3 ** 2000 // 3 ** 1999")(0) == 3


# -- an independent interpreter: the value plain Python computes, and its longest integer --

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
        ast.Div: operator.truediv}


def _plain(node: ast.AST, step: int, longest: list[int]) -> object:
    if isinstance(node, ast.Expression):
        return _plain(node.body, step, longest)
    if isinstance(node, ast.Constant):
        value = node.value
    elif isinstance(node, ast.Name):
        value = step
    elif isinstance(node, ast.UnaryOp):
        value = -_plain(node.operand, step, longest)
    elif isinstance(node, ast.Call):
        value = min(_plain(arg, step, longest) for arg in node.args)
    else:
        left = _plain(node.left, step, longest)
        right = _plain(node.right, step, longest)
        value = _OPS[type(node.op)](left, right)
    if isinstance(value, int):
        longest[0] = max(longest[0], value.bit_length())
    return value


_leaves = st.one_of(
    st.integers(0, 25).map(lambda k: f"3**{100 * k}"),  # up to 3,962 bits each
    st.just("step"),
    st.floats(0.5, 2.0).map(repr),
)


def _trees(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "//", "%", "/"]), children)
    return st.one_of(
        binary.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, st.integers(0, 3)).map(lambda t: f"({t[0]}) ** {t[1]}"),
        st.tuples(children, children).map(lambda t: f"min({t[0]}, {t[1]})"),
        children.map(lambda c: f"-({c})"),
    )


def _finite_number(value: object) -> bool:
    if isinstance(value, int):
        return value.bit_length() <= 1024  # what a float can hold
    return isinstance(value, float) and math.isfinite(value)


@settings(max_examples=300, deadline=None)
@given(st.recursive(_leaves, _trees, max_leaves=12), st.integers(0, 10))
@example("(3**2500 * 3**2500) // 3**4900", 0)
@example("(3**2500 * step) % 7 + (3**2000 * 3**2000) // (3**1999 * 3**2000)", 3)
def test_an_evaluation_never_builds_an_integer_over_the_limit(text, step):
    try:
        expression = parse_expression(text)
    except ExpressionError:
        return  # too many nodes or too deep: refused before any evaluation
    longest = [0]
    try:
        expected = _plain(ast.parse(text, mode="eval"), step, longest)
    except (ArithmeticError, ValueError):
        expected = None  # plain Python fails too (division by zero, overflow, ...)
    try:
        value = expression(step)
    except ExpressionError as exc:
        if "integer result too large" in str(exc) or "power result too large" in str(exc):
            assert longest[0] > MAX_INT_BITS  # never a false alarm
        else:
            assert not _finite_number(expected)  # plain Python has no usable number either
        return
    # Accepted: exactly what plain Python (and so the exported lambda) computes, and no
    # integer on the way was longer than the limit allows (sums add a bit per node).
    assert value == expected and type(value) is type(expected)
    assert longest[0] <= MAX_INT_BITS + MAX_NODES


def test_worst_case_evaluation_is_bounded_by_the_node_limit():
    """The longest accepted expression of near-limit products still evaluates: the cost
    bound is a property of the limits, not of this text (timing lives in bench/)."""
    term = f"(2**{MAX_INT_BITS // 2 - 1}*2**{MAX_INT_BITS // 2})//(2**{MAX_INT_BITS - 8})"
    text = "+".join([term] * 20)
    assert parse_expression(text)(0) == 20 * 2**7
    assert math.isfinite(parse_expression(text)(0))
