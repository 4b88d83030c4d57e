"""Turning snippet code into one expression in `step`.

`lambda_text` turns an `lr_lambda` (a lambda, a `def` made of assignments, `if` and
`return`, or a `functools.partial` of one) into one expression in `step`, with the
snippet's constants substituted, which `designer.core.schedule.expressions` then validates.
`number` computes an arithmetic expression of the snippet's numbers the same way.
"""

from __future__ import annotations

import ast
import math
from typing import TYPE_CHECKING, Any

from designer.core.importing.values import (
    EVALUATION_FAILURES,
    FOLDED_BUILTINS,
    MAX_CALL_DEPTH,
    MAX_LAMBDA_NODES,
    Cannot,
    Function,
    Instance,
    NotImportable,
    Ref,
    Scope,
    Unknown,
    additive_terms,
    dotted_name,
    is_number_node,
    lambda_parameters,
    literal_value,
    node_size,
    number_node,
    short_source,
    too_large,
)
from designer.core.schedule.expressions import ExpressionError, parse_expression

MAX_COUNTED = 50  # milestones a counting lambda may compare the step with

if TYPE_CHECKING:
    from designer.core.importing.reader import SnippetReader


class ExpressionConverter:
    """The expression-building part of `SnippetReader` (which provides `value` and the
    `budget` and `sizes` state these methods use)."""

    def number(self, node: ast.expr, scope: Scope) -> Any:
        """An arithmetic expression of the snippet's numbers, computed by the whitelist
        expression parser; Unknown if it needs anything else."""
        saved, self.budget = self.budget, MAX_LAMBDA_NODES
        try:
            tree = self._expression(node, scope, {}, 0)
            if any(isinstance(n, ast.Name) and n.id == "step" for n in ast.walk(tree)):
                raise Cannot(f"`{short_source(node)}` is only known when the script runs")
            return parse_expression(ast.unparse(tree))(0)
        except Cannot as exc:
            return Unknown(str(exc))
        except ExpressionError as exc:
            # Evaluated at step 0, but a number of the snippet has no step to speak of.
            return Unknown(f"`{short_source(node)}`: {str(exc).removesuffix(' at step 0')}")
        except EVALUATION_FAILURES:
            return Unknown(f"`{short_source(node)}` is too complex to read")
        finally:
            self.budget = saved

    def lambda_text(self, value: Any) -> str:
        """The expression text of an lr_lambda; raises NotImportable saying why not."""
        if isinstance(value, Unknown):
            raise NotImportable(value.why)
        if not isinstance(value, Function):
            raise NotImportable("lr_lambda must be a lambda or a function of the step")
        self.budget, self.sizes = MAX_LAMBDA_NODES, {}
        try:
            tree = self._inline(value, [ast.Name("step", ast.Load())], {}, 0)
            text = ast.unparse(tree)
            parse_expression(text)
        except Cannot as exc:
            raise NotImportable(str(exc)) from None
        except ExpressionError as exc:
            raise NotImportable(f"its expression is not one the designer can run: {exc}") from None
        except EVALUATION_FAILURES:
            raise NotImportable("its expression is too complex") from None
        return text

    def _inline(self, function: Function, args: list[ast.expr], kwargs: dict[str, ast.expr],
                depth: int) -> ast.expr:
        """`function(*args, **kwargs)` as one expression tree."""
        if depth > MAX_CALL_DEPTH:
            raise Cannot(f"{function.name}() calls nest too deeply")
        node = function.node
        locals_: dict[str, ast.expr] = {}
        parameters, bound, scope = lambda_parameters(node.args), function.bound_args, \
            function.scope
        if bound and isinstance(bound[0], Instance):
            # A method bound to an object (`Decay(100, 50).step`): `self` reads its attributes.
            scope = Scope(function.scope)
            if parameters:
                scope.names[parameters[0].name] = bound[0]
            parameters, bound = parameters[1:], bound[1:]
        given = [*(literal_value(v, function.name) for v in bound), *args]
        for index, parameter in enumerate(parameters):
            if index < len(given):
                locals_[parameter.name] = given[index]
            elif parameter.name in kwargs:
                locals_[parameter.name] = kwargs[parameter.name]
            elif parameter.name in function.bound:
                locals_[parameter.name] = literal_value(function.bound[parameter.name],
                                                   parameter.name)
            elif parameter.default is not None:
                locals_[parameter.name] = self._expression(parameter.default, scope, {},
                                                           depth + 1)
            else:
                raise Cannot(f"{function.name}() needs `{parameter.name}`, which the snippet "
                              "does not give")
        if node.args.vararg or node.args.kwarg:
            raise Cannot(f"{function.name}() takes *args or **kwargs")
        if isinstance(node, ast.Lambda):
            return self._expression(node.body, scope, locals_, depth)
        return self._body(node.body, Function(node, scope), locals_, depth)

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
                    raise Cannot(f"line {statement.lineno}: only simple assignments are "
                                  f"supported in {function.name}()")
                value = statement.value
                if isinstance(statement, ast.AugAssign):
                    value = ast.BinOp(ast.Name(target.id, ast.Load()), statement.op, value)
                constant = self._constant_data(value, function.scope, locals_)
                if constant is not None:  # milestones = [30, 60, 80]: a list, not a number
                    scope = Scope(function.scope)
                    scope.names[target.id] = constant
                    function = Function(function.node, scope)
                    locals_ = {k: v for k, v in locals_.items() if k != target.id}
                    continue
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
                raise Cannot(f"line {statement.lineno}: {function.name}() does more than "
                              "compute a number (only assignments, if and return are read)")
        raise Cannot(f"{function.name}() can end without returning a number")

    def _expression(self, node: ast.expr, scope: Scope, locals_: dict[str, ast.expr],
                    depth: int) -> ast.expr:
        """A copy of `node` in which every name is the step, a local's expression or a
        number of the snippet; float() is dropped where it cannot change the value."""
        self.budget -= 1
        if self.budget < 0:
            raise Cannot("the expression is too long")
        computed = self._computed(node, scope, locals_, depth)
        if computed is not None:
            return computed
        if isinstance(node, ast.Constant):
            if too_large(node.value):
                raise Cannot(f"`{short_source(node)}` is larger than any number a schedule uses")
            if type(node.value) in (int, float):
                return number_node(node.value)
            raise Cannot(f"`{short_source(node)}` is not a number")
        if isinstance(node, ast.Name):
            if node.id in locals_:
                # Trees are never changed once built, so a local's tree is shared, not
                # copied; its unparsed size still counts, or `x = x + x` would explode.
                tree = locals_[node.id]
                self.budget -= node_size(tree, self.sizes)
                if self.budget < 0:
                    raise Cannot("the expression is too long")
                return tree
            return self._outer(node, node.id, scope)
        if isinstance(node, ast.Attribute):
            owner = self.value(node.value, scope)
            if isinstance(owner, Ref) and owner.path == "math":
                # Kept as math.pi rather than its digits; the parser checks the name.
                return ast.Attribute(ast.Name("math", ast.Load()), node.attr, ast.Load())
            return self._outer(node, dotted_name(node) or short_source(node), scope)
        if isinstance(node, ast.BinOp):
            def side(child: ast.expr) -> ast.expr:
                if isinstance(node.op, ast.Div) and _is_float_call(child, scope, self):
                    inner = self._expression(child.args[0], scope, locals_, depth)
                    if additive_terms(inner):
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
        raise Cannot(f"`{short_source(node)}` is not arithmetic the designer can run")

    def _computed(self, node: ast.expr, scope: Scope, locals_: dict[str, ast.expr],
                  depth: int) -> ast.expr | None:
        """What folding computes in an expression: milestones counted (`len([m for m in
        ms if m <= step])`), subscripts, builtins over lists, membership; else None."""
        if isinstance(node, ast.Call) and _uses(node, locals_):
            counted = self._count(node, scope, locals_, depth)
            if counted is not None:
                return counted
        if isinstance(node, ast.Subscript) or (isinstance(node, ast.Call) and _folded_call(
                node, scope, self)) or (isinstance(node, ast.Compare) and any(
                isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)):
            return self._folded(node, scope, locals_)
        return None

    def _constant_data(self, node: ast.expr, scope: Scope,
                       locals_: dict[str, ast.expr]) -> Any:
        """The list, tuple or dict a function's assignment binds when it does not depend on
        the step or the function's arguments (else None: a number is an expression)."""
        if not isinstance(node, (ast.List, ast.Tuple, ast.Dict, ast.ListComp)) or _uses(
                node, locals_):
            return None
        value = self.value(node, scope)
        return value if isinstance(value, (list, tuple, dict)) else None

    def _count(self, node: ast.Call, scope: Scope, locals_: dict[str, ast.expr],
               depth: int) -> ast.expr | None:
        """How many milestones the step has passed, as warmup-then-multistep lambdas count
        them: `len([m for m in milestones if m <= step])` and `bisect_right(milestones,
        step)` (of a sorted list) become `0 + (30 <= step) + (60 <= step)`, the same int."""
        callee = self.value(node.func, scope) if dotted_name(node.func) else None
        path = callee.path if isinstance(callee, Ref) else ""
        if path == "builtins.len" and len(node.args) == 1 and isinstance(
                node.args[0], ast.ListComp) and len(node.args[0].generators) == 1:
            generator = node.args[0].generators[0]
            if not (isinstance(generator.target, ast.Name) and len(generator.ifs) == 1):
                return None
            items, variable = self.value(generator.iter, scope), generator.target.id
            test = generator.ifs[0]
        elif path in ("bisect.bisect_right", "bisect.bisect", "bisect.bisect_left") and len(
                node.args) == 2 and not node.keywords:
            items, variable = self.value(node.args[0], scope), "milestone"
            if not (isinstance(items, (list, tuple)) and list(items) == sorted(items)):
                return None
            op = ast.Lt() if path == "bisect.bisect_left" else ast.LtE()
            test = ast.Compare(ast.Name(variable, ast.Load()), [op], [node.args[1]])
        else:
            return None
        if not (isinstance(items, (list, tuple)) and len(items) <= MAX_COUNTED
                and all(is_number_node(item) for item in items)):
            return None
        total: ast.expr = ast.Constant(0)
        for item in items:
            term = self._expression(test, scope, {**locals_, variable: number_node(item)},
                                    depth)
            total = ast.BinOp(total, ast.Add(), term)
        return total

    def _folded(self, node: ast.expr, scope: Scope, locals_: dict[str, ast.expr]) -> ast.expr:
        """A subscript or a builtin over a list (`milestones[0]`, `len(milestones)`) of
        the snippet's values, as the number it is; one of the step is not folded."""
        if _uses(node, locals_):
            raise Cannot(f"`{short_source(node)}` changes with the step in a way the "
                         "designer cannot write as an expression")
        value = self.value(node, scope)
        if isinstance(value, bool):
            # `'momentum' in opt.defaults`: True and False compute as 1 and 0, exactly.
            value = int(value)
        if is_number_node(value):
            return number_node(value)
        raise Cannot(value.why if isinstance(value, Unknown) else
                     f"`{short_source(node)}` is not a number")

    def _outer(self, node: ast.expr, name: str, scope: Scope) -> ast.expr:
        value = self.value(node, scope)
        if is_number_node(value):
            return number_node(value)
        if isinstance(value, Ref) and value.path.startswith("math."):
            return ast.Attribute(ast.Name("math", ast.Load()), value.name, ast.Load())
        if isinstance(value, Ref) and value.path.startswith("builtins."):
            return ast.Name(value.name, ast.Load())
        if isinstance(value, Unknown):
            raise Cannot(value.why)
        raise Cannot(f"`{name}` is not a number")

    def _call_expression(self, node: ast.Call, scope: Scope, locals_: dict[str, ast.expr],
                         depth: int) -> ast.expr:
        if not dotted_name(node.func):
            raise Cannot(f"`{short_source(node)}` is not arithmetic the designer can run")
        callee = self.value(node.func, scope)
        if node.keywords and not isinstance(callee, Function):
            raise Cannot(f"`{short_source(node)}`: keyword arguments are not supported here")
        if (isinstance(callee, Ref) and callee.path in ("builtins.float", "builtins.int")
                and len(node.args) == 1):
            text = self.value(node.args[0], scope)
            if isinstance(text, str):  # float("1e-6"), as configs read from text give
                return number_node(number_from_text(callee.name, text, node))
        args = [self._expression(a, scope, locals_, depth) for a in node.args
                if not isinstance(a, ast.Starred)]
        if len(args) != len(node.args):
            raise Cannot(f"`{short_source(node)}` unpacks arguments")
        if isinstance(callee, Function):
            kwargs = {k.arg: self._expression(k.value, scope, locals_, depth)
                      for k in node.keywords if k.arg}
            return self._inline(callee, args, kwargs, depth + 1)
        if not isinstance(callee, Ref):
            raise Cannot(f"`{short_source(node)}` is not arithmetic the designer can run")
        if callee.path.startswith("math."):
            return ast.Call(ast.Attribute(ast.Name("math", ast.Load()), callee.name, ast.Load()),
                            args, [])
        name = callee.name if callee.path.startswith("builtins.") else ""
        if name in ("min", "max", "abs"):
            return ast.Call(ast.Name(name, ast.Load()), args, [])
        if name in ("int", "float", "round") and len(args) == 1:
            if not any(isinstance(n, ast.Name) and n.id == "step" for n in ast.walk(args[0])):
                number = parse_expression(ast.unparse(args[0]))(0)
                return number_node({"int": int, "float": float, "round": round}[name](number))
            if name == "float":
                # float(x) == x + 0.0 for every int and float x (the sign of zero aside).
                return ast.BinOp(args[0], ast.Add(), ast.Constant(0.0))
            raise Cannot(f"`{short_source(node)}` rounds a value that changes with the step")
        raise Cannot(f"`{short_source(node)}` is not arithmetic the designer can run")


def number_from_text(name: str, text: str, node: ast.Call) -> float | int:
    """What `float(text)` or `int(text)` gives, when that is a finite number."""
    try:
        if len(text) > 100:
            raise ValueError
        number = float(text) if name == "float" else int(text)
    except ValueError:
        raise Cannot(f"`{short_source(node)}` is not a number") from None
    if math.isnan(number):
        raise Cannot(f"`{short_source(node)}` is not a number")
    if math.isinf(number):
        raise Cannot(f"`{short_source(node)}` is not a finite number")
    return number


def _uses(node: ast.expr, locals_: dict[str, ast.expr]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in locals_ for n in ast.walk(node))


def _folded_call(node: ast.Call, scope: Scope, reader: SnippetReader) -> bool:
    """Whether a call is one of the builtins over lists that folding computes."""
    if not dotted_name(node.func):
        return False
    callee = reader.value(node.func, scope)
    if not (isinstance(callee, Ref) and callee.path.startswith("builtins.")):
        return False
    name = callee.name
    return name in FOLDED_BUILTINS or (name in ("min", "max") and len(node.args) == 1) or (
        name == "round" and len(node.args) == 2)


def _is_float_call(node: ast.expr, scope: Scope, reader: SnippetReader) -> bool:
    if not (isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords):
        return False
    callee = reader.value(node.func, scope)
    return isinstance(callee, Ref) and callee.path == "builtins.float"

