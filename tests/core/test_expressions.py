"""Tests for designer.core.schedule.expressions: whitelist, exact export round trip, bounded failure."""

import math
import pickle
import time
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.core.schedule.expressions import (
    MAX_LENGTH,
    Expression,
    ExpressionError,
    parse_expression,
)

WARMUP_INV_SQRT = "min((step + 1) / 200, (200 / max(step + 1, 200)) ** 0.5)"

REALISTIC = [
    WARMUP_INV_SQRT,
    "min(1.0, (step + 1) / 100)",
    "0.1 ** (step // 30)",
    "1.0 if step < 100 else 0.1 if step < 200 else 0.01",
    "(step < 10) * 0.5 + 0.5",
    "0.5 * (1 + cos(pi * step / 1000))",
    "0.5 * (1 + math.cos(math.pi * min(step, 1000) / 1000))",
    "exp(-step / 300)",
    "math.sqrt(1 / max(step, 1))",
    "log(step + 2, 2) / log(2002, 2)",
    "max(0.0, 1 - step / 1500) ** 2",
    "floor(step / 100) % 3 + ceil(step / 700)",
    "step // 7 - step % 5",
    "abs(sin(step / 50)) + e ** -3",
    "0.95 if step % 2 and not step > 1000 or step == 0 else 1",
    "1 <= step < 500 != 7",
    "-step ** 2 / 4000000 + 1",
    "1e-3 * 10 ** (step / 1000)",
]


def exported(expr: Expression):
    """The lambda the code exporter writes, with only what it imports available."""
    namespace = {"math": math, "__builtins__": {"min": min, "max": max, "abs": abs}}
    return eval("lambda step: (" + expr.python_source + ")", namespace)


def exported_module(expr: Expression):
    """The same lambda as it appears in a generated training script (full builtins)."""
    return eval(f"lambda step: ({expr.python_source})", {"math": math})


def identical(a, b) -> bool:
    # repr distinguishes -0.0 from 0.0 and prints floats exactly; type catches int vs float.
    return type(a) is type(b) and repr(a) == repr(b)


def assert_refused(text: str) -> ExpressionError:
    start = time.perf_counter()
    with pytest.raises(ExpressionError) as info:
        expr = parse_expression(text)
        for step in (0, 1, 1000):
            expr(step)
    assert time.perf_counter() - start < 1.0
    message = str(info.value)
    assert message and "\n" not in message
    return info.value


# -- realistic expressions ------------------------------------------------------------------


def test_warmup_inverse_sqrt():
    expr = parse_expression(WARMUP_INV_SQRT)
    assert expr(0) == 1 / 200
    assert expr(99) == 100 / 200
    assert expr(199) == 1.0
    assert expr(799) == (200 / 800) ** 0.5 == 0.5
    assert expr.text == WARMUP_INV_SQRT


def test_linear_warmup_and_step_functions():
    warmup = parse_expression("min(1.0, (step + 1) / 100)")
    assert [warmup(s) for s in (0, 49, 99, 500)] == [0.01, 0.5, 1.0, 1.0]
    staircase = parse_expression("1.0 if step < 100 else 0.1 if step < 200 else 0.01")
    assert [staircase(s) for s in (0, 99, 100, 199, 200)] == [1.0, 1.0, 0.1, 0.1, 0.01]
    decay = parse_expression("0.1 ** (step // 30)")
    assert decay(29) == 1.0 and decay(30) == 0.1 and decay(60) == 0.1**2
    gate = parse_expression("(step < 10) * 0.5 + 0.5")
    assert gate(0) == 1.0 and gate(10) == 0.5


def test_python_semantics_are_kept():
    assert type(parse_expression("step // 30")(95)) is int
    assert parse_expression("step // 30")(95) == 3
    assert parse_expression("step / 2")(4) == 2.0 and type(parse_expression("step / 2")(4)) is float
    assert parse_expression("step < 10")(3) is True
    assert parse_expression("step and 0.5")(0) == 0
    assert parse_expression("-7 % 3")(0) == 2
    assert parse_expression("2 ** -1")(0) == 0.5


@pytest.mark.parametrize(
    ("bare", "dotted"),
    [
        ("0.5 * (1 + cos(pi * step / 100))", "0.5 * (1 + math.cos(math.pi * step / 100))"),
        (
            "sin(step) + exp(-step) + sqrt(step)",
            "math.sin(step) + math.exp(-step) + math.sqrt(step)",
        ),
        ("log(step + 1) + log(step + 1, 10)", "math.log(step + 1) + math.log(step + 1, 10)"),
        (
            "floor(step / 3) + ceil(step / 3) + e",
            "math.floor(step / 3) + math.ceil(step / 3) + math.e",
        ),
    ],
)
def test_math_both_spellings(bare, dotted):
    a, b = parse_expression(bare), parse_expression(dotted)
    assert a.python_source == b.python_source == dotted
    assert a.uses_math() and b.uses_math()
    for step in (0, 1, 37, 99, 1000):
        assert identical(a(step), b(step))


def test_math_values():
    cosine = parse_expression("0.5 * (1 + cos(pi * step / 100))")
    assert cosine(0) == 1.0 and cosine(50) == 0.5 * (1 + math.cos(math.pi * 50 / 100))
    assert cosine(100) == 0.0
    assert parse_expression("log(100, 10) + math.e")(0) == math.log(100) / math.log(10) + math.e
    assert parse_expression("sqrt(step) + floor(2.5) + ceil(2.5)")(16) == 4.0 + 2 + 3
    assert not parse_expression("step * 2").uses_math()


def test_python_source_is_normalized():
    expr = parse_expression("  (step+1)/ 200 ")
    assert expr.python_source == "(step + 1) / 200"
    assert not expr.uses_math()
    assert parse_expression("(-8) ** 0.5").python_source == "(-8) ** 0.5"
    assert parse_expression("-2 ** 2")(0) == -4
    assert "\n" not in parse_expression("(1 +\n step)").python_source


# -- exact round trip through the exported lambda -------------------------------------------


@pytest.mark.parametrize("text", REALISTIC)
def test_exported_lambda_is_bit_identical(text):
    expr = parse_expression(text)
    again = parse_expression(expr.python_source)
    assert again.python_source == expr.python_source
    restricted, module_level = exported(expr), exported_module(expr)
    for step in range(2001):
        ours = expr(step)
        assert identical(ours, restricted(step)), step
        assert identical(ours, module_level(step)), step
        assert identical(ours, again(step)), step


# -- refused input --------------------------------------------------------------------------

ATTACKS = [
    "__import__('os')",
    "__import__('os').system('true')",
    "().__class__",
    "step.__class__",
    "(step).__class__.__bases__",
    "math.__dict__",
    "math.__loader__",
    "math.factorial(5)",
    "math",
    "open('x')",
    "eval('1')",
    "exec('1')",
    "getattr(step, 'real')",
    "lambda: 1",
    "[1, 2]",
    "(1, 2)",
    "{1: 2}",
    "'a'",
    "b'a'",
    "f'{step}'",
    "1j",
    "...",
    "None",
    "step if True else 0",
    "False",
    "max(1, 2, key=abs)",
    "max(*[1, 2])",
    "min(**{})",
    "(x := 1)",
    "[s for s in range(3)]",
    "(s for s in range(3))",
    "{s for s in range(3)}",
    "range(3)[0]",
    "step[0]",
    "step << 2",
    "step | 1",
    "~step",
    "step is 1",
    "step in step",
    "(1)(2)",
    "pi(1)",
    "min(step)",
    "cos(1, 2)",
    "log(1, 2, 3)",
    "abs()",
    "cos",
    "foo",
    "step = 1",
    "import os",
    "step; 1",
    "9 ** 9 ** 9",
    "2 ** 100000",
    "10.0 ** 400",
    "(-8) ** 0.5",
    "(-8.0) ** (1 / 3)",
    "1 / 0",
    "1 % (step - step)",
    "sqrt(-1)",
    "exp(1000)",
    "1e308 * 10",
    "1e400 - 1e400",
    "floor(1e308) * floor(1e308)",
    "floor(1e308 * 10)",
    "0 ** -1",
    "(" * 10_000 + "1" + ")" * 10_000,
    "(" * 300 + "1" + ")" * 300,
    "-" * 900 + "1",
    "1" + "+1" * 400,
    "min(" + "1+1," * 200 + "1)",
    "1" * 100_000,
    "'" + "a" * 100_000 + "'",
    "1 + \x00",
    "\x00",
    "",
    "   \n\t",
]


@pytest.mark.parametrize("text", ATTACKS, ids=lambda t: repr(t)[:40])
def test_attacks_are_refused(text):
    assert_refused(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo + 1", "unknown name 'foo'"),
        ("__import__('os')", "calls to '__import__' are not allowed"),
        ("__builtins__", "name '__builtins__' is not allowed"),
        ("eval('1')", "calls to 'eval' are not allowed"),
        ("step.__class__", "attribute access is not allowed: 'step.__class__'"),
        ("max(1, 2, key=abs)", "keyword arguments are not allowed in max()"),
        ("", "expression is empty"),
        ("1 + * 2", "syntax error at column 5"),
        ("x" * (MAX_LENGTH + 1), f"expression is longer than {MAX_LENGTH} characters"),
    ],
)
def test_parse_messages(text, message):
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "step", "message"),
    [
        ("1 / (step - 17)", 17, "division by zero at step 17"),
        ("2 ** (step * 10000)", 3, "power result too large at step 3"),
        ("(-8) ** (step / 2)", 1, "complex result at step 1"),
        ("10.0 ** (step * 100)", 4, "numeric overflow at step 4"),
        ("1e308 * step", 2, "not a finite number at step 2"),
        ("log(step)", 0, "math domain error at step 0"),
        ("floor(1e300) ** 5", 0, "power result too large at step 0"),
        ("floor(1e300) ** 3", 0, "result too large at step 0"),
    ],
)
def test_evaluation_messages(text, step, message):
    expr = parse_expression(text)
    with pytest.raises(ExpressionError) as info:
        expr(step)
    assert str(info.value) == message


def test_error_is_a_value_error():
    assert issubclass(ExpressionError, ValueError)
    with pytest.raises(ValueError):
        parse_expression("foo")
    with pytest.raises(ExpressionError):
        parse_expression(42)  # type: ignore[arg-type]


def test_exact_power_limits():
    assert parse_expression("2 ** 1000")(0) == 2**1000
    assert type(parse_expression("2 ** 1000")(0)) is int
    assert parse_expression("2 ** 2000 / 2 ** 1990")(0) == 1024.0
    assert parse_expression("1 ** (10 ** 1000)")(0) == 1
    assert parse_expression("(-1) ** (10 ** 1000 + 1)")(0) == -1
    assert parse_expression("2 ** -100000")(0) == 0.0


# -- object behaviour -----------------------------------------------------------------------


def test_pickle_round_trip():
    expr = parse_expression(WARMUP_INV_SQRT)
    clone = pickle.loads(pickle.dumps(expr))
    assert clone(5) == expr(5)
    assert clone == expr and hash(clone) == hash(expr)
    assert clone.python_source == expr.python_source


def test_immutable_and_validated_on_construction():
    expr = parse_expression("step")
    with pytest.raises(FrozenInstanceError):
        expr.text = "__import__('os')"  # type: ignore[misc]
    with pytest.raises(ExpressionError):
        Expression("__import__('os')")
    assert Expression("step + 1")(1) == 2


def test_evaluation_is_fast():
    expr = parse_expression(WARMUP_INV_SQRT)
    start = time.perf_counter()
    for step in range(100_000):
        expr(step)
    # A few microseconds per call is the target; this bound only catches gross regressions.
    assert time.perf_counter() - start < 2.0


# -- fuzzing --------------------------------------------------------------------------------

FUZZ_STEPS = (0, 1, 17, 1999)


def run_everywhere(text: str) -> None:
    """Parse and evaluate; only ExpressionError may escape, and it must come quickly."""
    start = time.perf_counter()
    try:
        expr = parse_expression(text)
    except ExpressionError:
        assert time.perf_counter() - start < 1.0
        return
    for step in FUZZ_STEPS:
        try:
            expr(step)
        except ExpressionError:
            pass
    assert time.perf_counter() - start < 1.0


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_random_text(text):
    run_everywhere(text)


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet="0123456789.e+-*/%()<>=! ,stepifandornotmaxinlogcosqrabsmath_:[]'", max_size=60
    )
)
def test_fuzz_expression_like_text(text):
    run_everywhere(text)


def _grammar():
    leaves = st.one_of(
        st.integers(-3, 3000).map(lambda n: f"({n})"),
        st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"({x!r})"),
        st.sampled_from(["step", "step", "pi", "e", "math.pi", "math.e", "0", "0.5", "1e308", "9"]),
    )

    def extend(children):
        return st.one_of(
            st.tuples(
                children, st.sampled_from(["+", "-", "*", "/", "//", "%", "**"]), children
            ).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["-", "+", "not "]), children).map(
                lambda t: f"({t[0]}{t[1]})"
            ),
            st.tuples(children, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), children).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(children, st.sampled_from(["and", "or"]), children).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(children, children, children).map(
                lambda t: f"({t[0]} if {t[1]} else {t[2]})"
            ),
            st.tuples(
                st.sampled_from(
                    [
                        "abs",
                        "cos",
                        "sin",
                        "exp",
                        "log",
                        "sqrt",
                        "floor",
                        "ceil",
                        "math.log",
                        "math.floor",
                        "math.exp",
                    ]
                ),
                children,
            ).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(st.sampled_from(["min", "max", "log", "math.log"]), children, children).map(
                lambda t: f"{t[0]}({t[1]}, {t[2]})"
            ),
        )

    return st.recursive(leaves, extend, max_leaves=20)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_grammar())
def test_fuzz_grammar_matches_export(text):
    start = time.perf_counter()
    try:
        expr = parse_expression(text)
    except ExpressionError as exc:
        # Generated trees are valid Python in the whitelist; only the size limits may refuse.
        assert "too long" in str(exc) or "longer than" in str(exc) or "too deeply" in str(exc)
        return
    assert parse_expression(expr.python_source).python_source == expr.python_source
    export = exported(expr)
    for step in FUZZ_STEPS:
        try:
            ours = expr(step)
        except ExpressionError:
            continue
        # Same operations on the same path as ours, so this cannot explode where ours did not.
        assert identical(ours, export(step)), (expr.python_source, step)
    assert time.perf_counter() - start < 1.0
