"""Reading a training-script snippet without running it.

`SnippetReader` walks the snippet's syntax tree like a very small interpreter that knows
only what a schedule import needs: imports, numbers and the arithmetic of numbers, lists,
strings compared with strings (so `if args.sched == "cosine":` picks a branch), argparse
defaults, calls of the snippet's own functions, and the construction of torch optimizers
and lr schedulers, which it records instead of performing. Nothing is executed: numbers are
computed by the whitelist expression parser, other values are folded over a whitelist,
every other construct is either understood or becomes an `Unknown` that says why, and the
import reports it with its line number.

The reader lives in parts: statements (`statements`), values (`evaluation`), constant
folding (`folding`), calls (`calls`), the conversion of lr_lambdas to expressions and
`number` (`lambdas`), and the values it reads into (`values`), importable from here.
"""

from __future__ import annotations

import ast
from typing import Any

from designer.core.importing.calls import CallReader
from designer.core.importing.evaluation import ValueReader
from designer.core.importing.folding import ConstantFolder
from designer.core.importing.lambdas import ExpressionConverter
from designer.core.importing.statements import StatementReader
from designer.core.importing.values import (
    MAX_FOLD_STEPS,
    MAX_LAMBDA_NODES,
    OTHER_TORCH_OPTIMIZERS,
    OTHER_TORCH_SCHEDULERS,
    TORCH_SCHEDULERS,
    ArgParser,
    Finding,
    FindingLog,
    Function,
    GroupParams,
    Namespace,
    NotImportable,
    OptimizerCall,
    Ref,
    SchedulerCall,
    Scope,
    StepSite,
    Unknown,
    UserClass,
)

__all__ = [
    "OTHER_TORCH_OPTIMIZERS",
    "OTHER_TORCH_SCHEDULERS",
    "TORCH_SCHEDULERS",
    "ArgParser",
    "Finding",
    "Function",
    "GroupParams",
    "Namespace",
    "NotImportable",
    "OptimizerCall",
    "Ref",
    "SchedulerCall",
    "Scope",
    "SnippetReader",
    "StepSite",
    "Unknown",
    "UserClass",
]


class SnippetReader(StatementReader, ValueReader, ConstantFolder, CallReader,
                    ExpressionConverter, FindingLog):
    """Reads a parsed snippet; afterwards `schedulers`, `optimizers`, `problems`, `notes`
    and `hints` (numbers assigned to names anywhere, for run-length guesses) describe it."""

    def __init__(self, given_steps: int | None = None) -> None:
        """`given_steps`: the run length the user gave (`--total-steps`), which a
        `total_steps`-like variable only the running script knows stands for."""
        self.given_steps = given_steps
        self.schedulers: list[SchedulerCall] = []
        self.optimizers: list[OptimizerCall] = []
        self.problems: list[Finding] = []
        self.notes: list[Finding] = []
        self.hints: dict[str, tuple[int | float, int]] = {}
        self.functions: list[Function] = []
        self.loops: list[tuple[str, int | None]] = []
        self.conditions: list[ast.expr] = []
        self.argparse_defaults: dict[str, tuple[Any, int]] = {}  # the defaults used
        self.statement_count = 0
        self.fold_steps = MAX_FOLD_STEPS  # items constant folding may still compute
        self.depth = 0
        self.budget = MAX_LAMBDA_NODES  # expression nodes left for the current conversion
        self.sizes: dict[int, tuple[ast.AST, int]] = {}  # id(tree) -> (tree, size)

    def read(self, tree: ast.Module) -> None:
        module = Scope()
        module.names["__name__"] = "__main__"
        self.run_block(tree.body, module)
        if not self.schedulers:
            # Scripts often build their scheduler in a function nobody calls in the
            # snippet (Lightning's configure_optimizers, a main()): read those too.
            for function in list(self.functions):
                if not function.called and not self.schedulers:
                    self.call_function(function, [], {}, function.node.lineno)
