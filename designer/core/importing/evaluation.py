"""What an expression of the snippet evaluates to, for `designer.core.importing.reader`.

Literals, names bound earlier, attributes of imported modules and of argparse namespaces,
lists, tuples and dicts, calls (`designer.core.importing.calls`), comparisons, boolean
logic and conditional expressions; values computed from those (arithmetic, comprehensions,
subscripts, `len`, `range`, ...) are folded over a whitelist by
`designer.core.importing.folding` and `number`. Anything else is an `Unknown` that says why.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from designer.core.importing.values import (
    IMPLICIT,
    MISSING,
    NUMERIC_BUILTINS,
    Function,
    GroupParams,
    Instance,
    Namespace,
    OptimizerCall,
    Ref,
    SchedulerCall,
    Scope,
    Unknown,
    UserClass,
    dotted_name,
    params_name,
    short_source,
    too_large,
)

_COMPREHENSIONS = (ast.ListComp, ast.GeneratorExp, ast.DictComp, ast.SetComp)
# Builtins a snippet calls that the reader knows: numbers, collections, and harmless ones.
KNOWN_BUILTINS = (*NUMERIC_BUILTINS, "len", "range", "list", "tuple", "sum", "sorted",
                  "print", "str", "dict")


class ValueReader:
    """The expression-reading part of `SnippetReader` (which provides `call`, `number`,
    the folding methods and `argparse_defaults`)."""

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
            return self.fold_display(node, scope)
        if isinstance(node, ast.Dict):
            return self._dict(node, scope)
        if isinstance(node, ast.Lambda):
            return Function(node, scope)
        if isinstance(node, ast.Call):
            return self.call(node, scope)
        if isinstance(node, ast.Subscript):
            return self.fold_subscript(node, scope)
        if isinstance(node, _COMPREHENSIONS):
            return self.fold_comprehension(node, scope)
        if isinstance(node, ast.Compare):
            decided = self.fold_compare(node, scope)
            if decided is not None:
                return decided
        if isinstance(node, ast.BinOp):
            folded = self.fold_sequence_arithmetic(node, scope)
            if folded is not None:
                return folded
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

    def _dict(self, node: ast.Dict, scope: Scope) -> dict[str, Any]:
        items = {}
        for key, item in zip(node.keys, node.values):
            key = None if key is None else self.value(key, scope)
            value = self.value(item, scope)  # read even when its key is odd: it may build
            if key == "params":  # a param group: what matters is what it is called
                value = GroupParams(params_name(item))
            if isinstance(key, (str, int)) and not isinstance(key, bool):
                items[key] = value
        return items

    def _name(self, name: str, scope: Scope) -> Any:
        found = scope.lookup(name)
        if found is not MISSING:
            return found
        if name in IMPLICIT:
            return Ref(IMPLICIT[name])
        if name in KNOWN_BUILTINS:
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
        if isinstance(owner, OptimizerCall):
            return self.optimizer_attribute(owner, node.attr, dotted or short_source(node))
        if isinstance(owner, Instance):
            if node.attr in owner.attrs:
                return owner.attrs[node.attr]
            method = owner.cls.methods.get(node.attr)
            if method is not None:  # bound to the object, as Python binds it
                return Function(method.node, method.scope, {}, (owner,))
            owner = owner.cls
        if isinstance(owner, UserClass) and node.attr in owner.attributes:
            return owner.attributes[node.attr]  # Config.LLM_LR
        if isinstance(owner, UserClass) and node.attr in owner.methods:
            return owner.methods[node.attr]
        if isinstance(owner, Unknown):
            return owner
        return Unknown(f"`{dotted or short_source(node)}` is only known when the script runs")
