"""Constant folding for `designer.core.importing.reader`: values the snippet computes from
its literals, over a whitelist, never by running it.

Lists and tuples (with `*` unpacking), `+` and `*` of lists, subscripts and slices,
comprehensions over known lists and ranges, `len`, `range`, `list`, `tuple`, `sorted`,
`sum` of integers, `min`/`max` of a list, `round(x, digits)`, membership (`x in y`),
`append`/`extend`/`insert` on a list, and what a snippet may ask its optimizer
(`optimizer.defaults`, `optimizer.param_groups`), decided from the catalog: the class's
torch defaults and the arguments the snippet gave. Arithmetic on numbers is `number`'s.

Every list holds at most MAX_ITEMS items and the whole snippet computes at most
MAX_FOLD_STEPS items; past either, the value is an `Unknown` that says so.
"""

from __future__ import annotations

import ast
from typing import Any

from designer.core.importing.data import holds, is_data
from designer.core.importing.folded_builtins import FOLDED, SEQUENCES, is_int, length
from designer.core.importing.signatures import OPTIMIZER_POSITIONAL
from designer.core.importing.values import (
    FOLDED_BUILTINS,
    MAX_FOLD_STEPS,
    MAX_ITEMS,
    MISSING,
    MUTATORS,
    Function,
    GroupParams,
    OptimizerCall,
    Ref,
    Scope,
    Unknown,
    dotted_name,
    short_source,
)
from designer.core.schedule.catalog import OPTIMIZERS


class TooMuch(Exception):
    """The snippet computes more than MAX_FOLD_STEPS items."""


def optimizer_arguments(call: OptimizerCall) -> dict[str, Any]:
    """An optimizer call's arguments by torch's names (`params` and the rest)."""
    order = ("params", *OPTIMIZER_POSITIONAL.get(call.name, ()))
    given = dict(zip(order, call.args))
    given.update(call.kwargs)
    return given


class ConstantFolder:
    """The folding part of `SnippetReader` (which provides `value`, `truth`, `assign`,
    `loops`, `conditions` and `fold_steps`, the items it may still compute)."""

    def count(self, items: int, node: ast.AST) -> None:
        self.fold_steps -= items
        if self.fold_steps < 0:
            raise TooMuch(f"computing `{short_source(node)}` takes more than "
                          f"{MAX_FOLD_STEPS:,} steps")

    def fold_display(self, node: ast.List | ast.Tuple, scope: Scope) -> Any:
        items: list[Any] = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                inner = self.value(element.value, scope)
                if isinstance(inner, Unknown):
                    return inner
                if not isinstance(inner, (list, tuple, range)):
                    return Unknown(f"`{short_source(element)}` is only known when the script "
                                   "runs")
                if len(items) + length(inner) > MAX_ITEMS:
                    return _too_long(node)
                items.extend(inner)
            else:
                items.append(self.value(element, scope))
            if len(items) > MAX_ITEMS:
                return _too_long(node)
        return items if isinstance(node, ast.List) else tuple(items)

    def fold_subscript(self, node: ast.Subscript, scope: Scope) -> Any:
        container = self.value(node.value, scope)
        if isinstance(node.slice, ast.Slice):
            parts = [None if part is None else self.value(part, scope)
                     for part in (node.slice.lower, node.slice.upper, node.slice.step)]
            if not all(part is None or is_int(part) for part in parts):
                return _unknown_part(parts, node)
            key: Any = slice(*parts)
        else:
            key = self.value(node.slice, scope)
        if isinstance(container, Unknown):
            return container
        if isinstance(key, Unknown):
            return key
        try:
            if isinstance(container, dict) and isinstance(key, (str, int)):
                return container[key]
            if isinstance(container, SEQUENCES) and (is_int(key) or isinstance(key, slice)):
                return container[key]
        except (KeyError, IndexError, ValueError) as exc:
            return Unknown(f"`{short_source(node)}` fails: {type(exc).__name__} {exc}")
        return Unknown(f"`{short_source(node)}` is only known when the script runs")

    def fold_comprehension(self, node: ast.expr, scope: Scope) -> Any:
        if isinstance(node, ast.SetComp) or any(g.is_async for g in node.generators):
            return Unknown(f"`{short_source(node)}` is only known when the script runs")
        results: list[Any] = []
        try:
            undecided = self._comprehend(node, 0, Scope(scope), results)
        except TooMuch as exc:
            return Unknown(str(exc))
        if undecided is not None:
            return undecided
        if isinstance(node, ast.DictComp):
            return dict(results)
        return results

    def _comprehend(self, node: Any, level: int, scope: Scope,
                    results: list[Any]) -> Unknown | None:
        """Fill `results` with the comprehension's items; an Unknown when it depends on
        what only the running script knows."""
        if level == len(node.generators):
            if isinstance(node, ast.DictComp):
                results.append((self.value(node.key, scope), self.value(node.value, scope)))
            else:
                results.append(self.value(node.elt, scope))
            if len(results) > MAX_ITEMS:
                return _too_long(node)
            return None
        generator = node.generators[level]
        items = self.value(generator.iter, scope)
        if isinstance(items, dict):
            items = list(items)
        if not isinstance(items, SEQUENCES):
            return items if isinstance(items, Unknown) else Unknown(
                f"`{short_source(generator.iter)}` is only known when the script runs")
        for item in items:
            self.count(1, node)
            self.assign(generator.target, item, scope, node.lineno, hint=False)
            truths = [self.truth(test, scope) for test in generator.ifs]
            if None in truths:
                test = generator.ifs[truths.index(None)]
                return Unknown(f"`{short_source(test)}` is only known when the script runs")
            if all(truths):
                undecided = self._comprehend(node, level + 1, scope, results)
                if undecided is not None:
                    return undecided
        return None

    def fold_compare(self, node: ast.Compare, scope: Scope) -> bool | Unknown | None:
        """Membership (`'momentum' in optimizer.defaults`, `x in [1, 2]`; an Unknown when
        it is not decided) and comparisons of strings, None and booleans (`args.sched ==
        "cosine"`); None: not decided here (numbers are compared by `number`)."""
        if len(node.ops) != 1:
            return None
        left, right = self.value(node.left, scope), self.value(node.comparators[0], scope)
        op = node.ops[0]
        if isinstance(op, (ast.In, ast.NotIn)):
            found = _member(left, right)
            if found is None:  # `x in cfg.keys()`: say what is not known
                return _unknown_part([right, left], node)
            return found == isinstance(op, ast.In)
        plain = (str, bool, type(None))
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

    def fold_sequence_arithmetic(self, node: ast.BinOp, scope: Scope) -> Any:
        """`a + b` of lists or tuples and `a * n`; None when the operands are not
        sequences (numbers are `number`'s)."""
        if not isinstance(node.op, (ast.Add, ast.Mult)):
            return None
        left, right = (self._sequence_operand(side, scope) for side in (node.left, node.right))
        if not (isinstance(left, (list, tuple)) or isinstance(right, (list, tuple))):
            return None
        if left is MISSING:
            left = self.value(node.left, scope)
        if right is MISSING:
            right = self.value(node.right, scope)
        if isinstance(node.op, ast.Add):
            if type(left) is not type(right):
                return _unknown_part([left, right], node)
            if len(left) + len(right) > MAX_ITEMS:
                return _too_long(node)
            return left + right
        sequence, times = (left, right) if isinstance(left, (list, tuple)) else (right, left)
        if not is_int(times):
            return _unknown_part([times], node)
        if len(sequence) * max(times, 0) > MAX_ITEMS:
            return _too_long(node)
        try:
            self.count(len(sequence) * max(times, 0), node)
        except TooMuch as exc:
            return Unknown(str(exc))
        return sequence * times

    def _sequence_operand(self, node: ast.expr, scope: Scope) -> Any:
        """The operand's value where reading it has no side effects: displays, names,
        subscripts, comprehensions and sequence builtins; else MISSING."""
        if isinstance(node, (ast.List, ast.Tuple, ast.ListComp, ast.Name, ast.Attribute,
                             ast.Subscript)):
            return self.value(node, scope)
        if isinstance(node, ast.Call) and dotted_name(node.func) in ("list", "tuple", "range",
                                                                    "sorted"):
            return self.value(node, scope)
        return MISSING

    def fold_builtin(self, name: str, node: ast.Call, scope: Scope) -> Any:
        """A call of a builtin over collections, or MISSING for the numeric ones
        (`number` computes `int(x)`, `min(a, b)`, ...)."""
        one = len(node.args) == 1 and not isinstance(node.args[0], ast.Starred)
        if not (name in FOLDED_BUILTINS or (name in ("min", "max") and one)
                or (name == "round" and len(node.args) == 2)):
            return MISSING
        args = [self.value(arg, scope) for arg in node.args]
        kwargs = {k.arg: self.value(k.value, scope) for k in node.keywords}
        unknown = next((v for v in (*args, *kwargs.values()) if isinstance(v, Unknown)), None)
        if unknown is not None:
            return unknown
        try:
            return FOLDED[name](self, node, args, kwargs)
        except TooMuch as exc:
            return Unknown(str(exc))
        except (TypeError, ValueError, OverflowError, ArithmeticError) as exc:
            return Unknown(f"`{short_source(node)}` fails: {' '.join(str(exc).split())}")

    def loop_count(self, node: ast.expr, items: Any, scope: Scope) -> int | None:
        """How many times a `for` loop over `node` (whose value is `items`) runs, if known:
        the length of a known list or range, also inside tqdm(), trange() or enumerate()."""
        unwrapped = node
        while isinstance(unwrapped, ast.Call) and dotted_name(unwrapped.func) in (
                "tqdm", "tqdm.tqdm", "enumerate") and unwrapped.args:
            unwrapped = unwrapped.args[0]
        if isinstance(unwrapped, ast.Call) and dotted_name(unwrapped.func) in (
                "trange", "tqdm.trange"):
            unwrapped = ast.copy_location(ast.Call(ast.Name("range", ast.Load()),
                                                   unwrapped.args, []), unwrapped)
        if unwrapped is not node:
            items = self.value(unwrapped, scope)
        if isinstance(items, (*SEQUENCES, dict)):
            try:
                return len(items)
            except OverflowError:  # a range longer than any run
                return None
        return None

    def mutate(self, owner: list | dict, method: str, node: ast.Call, scope: Scope) -> Any:
        """`lst.append(x)`, `extend` and `insert` change a list the snippet built; other
        changes (`pop`, `sort`, `update`, ...) leave it unknown."""
        name = dotted_name(node.func.value)
        args = [self.value(arg, scope) for arg in node.args]
        grows = {"append": 1, "insert": 2}.get(method)
        if isinstance(owner, list) and not holds(args, owner) and (
                (grows is not None and len(args) == grows)
                or (method == "extend" and len(args) == 1
                    and isinstance(args[0], (list, tuple, range)))):
            added = 1 if grows is not None else length(args[0])
            if len(owner) + added <= MAX_ITEMS:
                if method == "append":
                    owner.append(args[0])
                elif method == "insert" and is_int(args[0]):
                    owner.insert(args[0], args[1])
                elif method == "extend":
                    owner.extend(args[0])
                return None
        if name and method in MUTATORS:
            scope.rebind(name, Unknown(f"`{name}` is changed by `{short_source(node)}`"))
        return Unknown(f"`{short_source(node)}` is only known when the script runs")

    def optimizer_attribute(self, optimizer: OptimizerCall, attr: str, text: str) -> Any:
        """`optimizer.defaults` and `optimizer.param_groups` of an optimizer the snippet
        built: torch's defaults for its class, with the arguments it was given."""
        if optimizer.name not in OPTIMIZERS or attr not in ("defaults", "param_groups"):
            return Unknown(f"`{text}` is only known when the script runs")
        spec = OPTIMIZERS[optimizer.name]
        given = optimizer_arguments(optimizer)
        defaults: dict[str, Any] = {"lr": spec.default_lr}
        defaults.update({p.name: p.default for p in spec.params})
        for key in (*spec.other_keywords, *spec.implicit):
            defaults[key] = Unknown(f"`{text}['{key}']` is only known when torch builds it")
        defaults.update({k: v for k, v in given.items() if k in defaults})
        if attr == "defaults":
            return defaults
        groups = given.get("params")
        if not (isinstance(groups, list) and groups and all(isinstance(g, dict)
                                                           for g in groups)):
            return [dict(defaults)]
        return [{**defaults, **{k: v for k, v in group.items() if k != "params"},
                 "params": group.get("params", GroupParams(""))} for group in groups]



def _too_long(node: ast.AST) -> Unknown:
    return Unknown(f"`{short_source(node)}` has more than {MAX_ITEMS:,} items")


def _unknown_part(parts: list[Any], node: ast.AST) -> Unknown:
    unknown = next((part for part in parts if isinstance(part, Unknown)), None)
    return unknown or Unknown(f"`{short_source(node)}` is not a value the designer computes")


def _member(item: Any, container: Any) -> bool | None:
    """`item in container` where both are known; None when it is not decided."""
    if isinstance(container, str):
        return item in container if isinstance(item, str) else None
    if isinstance(container, range):
        return item in container if isinstance(item, (int, float)) else None
    if isinstance(container, (dict, list, tuple)):
        keys = list(container)
    else:
        return None
    if not is_data(item) or isinstance(item, (list, dict)):
        return None
    known = [key for key in keys if is_data(key)]
    if item in known:
        return True
    return False if len(known) == len(keys) else None
