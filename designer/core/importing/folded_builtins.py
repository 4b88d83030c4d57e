"""The builtins constant folding computes over lists (`designer.core.importing.folding`):
len, range, list, tuple, sorted, sum of integers, min and max of a list, round with digits.

Each takes the folder (its `count` bounds the items computed), the call, and the read
arguments; it raises TypeError or ValueError with the reason when it does not apply.
"""

from __future__ import annotations

import ast
from typing import Any

from designer.core.importing.data import is_data
from designer.core.importing.values import MAX_ITEMS, dotted_name

SEQUENCES = (list, tuple, range, str)
_MAX_DIGITS = 400  # round(x, digits): floats have no digits beyond 10**-324 or 10**308


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def length(value: Any) -> int:
    """len(), or more than MAX_ITEMS for a range too long for len() (over sys.maxsize)."""
    try:
        return len(value)
    except OverflowError:
        return MAX_ITEMS + 1


def _sequence(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value)
    if not isinstance(value, SEQUENCES):
        raise TypeError(f"{type(value).__name__} is not a list the designer knows")
    if isinstance(value, range) and length(value) > MAX_ITEMS:
        raise ValueError(f"it has more than {MAX_ITEMS:,} items")
    return list(value)


def _len(folder: Any, node: ast.Call, args: list[Any], kw: dict[str, Any]) -> Any:
    if len(args) != 1 or kw or not isinstance(args[0], (*SEQUENCES, dict)):
        raise TypeError("len() of a list the designer knows")
    return len(args[0])


def _range(folder: Any, node: ast.Call, args: list[Any], kw: dict[str, Any]) -> Any:
    if kw or not 1 <= len(args) <= 3 or not all(is_int(a) for a in args):
        raise TypeError("range() takes 1 to 3 integers")
    return range(*args)


def _list(folder: Any, node: ast.Call, args: list[Any], kw: dict[str, Any]) -> Any:
    if len(args) > 1 or kw:
        raise TypeError(f"{_called(node)}() takes one list")
    items = _sequence(args[0]) if args else []
    folder.count(len(items), node)
    return items if _called(node) == "list" else tuple(items)


def _sum(folder: Any, node: ast.Call, args: list[Any], kw: dict[str, Any]) -> Any:
    if not 1 <= len(args) <= 2 or set(kw) - {"start"}:
        raise TypeError("sum() takes a list and a start")
    items = _sequence(args[0])
    folder.count(len(items), node)
    start = args[1] if len(args) > 1 else kw.get("start", 0)
    if not all(is_int(item) for item in [*items, start]):
        # Python 3.12 sums floats with compensated summation, earlier versions do not.
        raise TypeError("only integers are summed here: a sum of floats depends on the "
                        "Python version")
    return sum(items, start)


def _sorted(folder: Any, node: ast.Call, args: list[Any], kw: dict[str, Any]) -> Any:
    if len(args) != 1 or set(kw) - {"reverse"} or not all(is_data(v) for v in _sequence(args[0])):
        raise TypeError("only lists of numbers or texts are sorted here")
    items = _sequence(args[0])
    folder.count(len(items), node)
    return sorted(items, reverse=bool(kw.get("reverse", False)))


def _extreme(folder: Any, node: ast.Call, args: list[Any], kw: dict[str, Any]) -> Any:
    items = _sequence(args[0])
    folder.count(len(items), node)
    if set(kw) - {"default"} or not all(isinstance(v, (int, float)) for v in items):
        raise TypeError("only lists of numbers are compared here")
    pick = min if _called(node) == "min" else max
    return pick(items, **kw)


def _round(folder: Any, node: ast.Call, args: list[Any], kw: dict[str, Any]) -> Any:
    number, digits = args
    if not (isinstance(number, (int, float)) and is_int(digits)
            and abs(digits) <= _MAX_DIGITS):
        raise TypeError("round() takes a number and a modest number of digits")
    return round(number, digits)


def _called(node: ast.Call) -> str:
    return dotted_name(node.func).rsplit(".", 1)[-1]


FOLDED = {"len": _len, "range": _range, "list": _list, "tuple": _list, "sum": _sum,
             "sorted": _sorted, "min": _extreme, "max": _extreme, "round": _round}
