"""Import from Python: a snippet that builds torch lr schedulers becomes a design.

The snippet is read, never run (`designer.core.importing.reader.SnippetReader`). The scheduler it
ends up with (the one no `SequentialLR` or `ChainedScheduler` consumes) becomes the phases:
a single scheduler is one phase, `SequentialLR` one phase per scheduler with lengths from its
milestones, a `ChainedScheduler` whose members all but one leave the lr alone is that one
phase, and a transformers `get_*_schedule*` call goes through `designer.core.importing.hf`.
A `ReduceLROnPlateau` becomes a phase stepped with the catalog's synthetic metric (the
snippet's own metric only exists while it trains), and an optimizer built from param group
dicts gives the design's param groups (`designer.core.importing.groups`).
How long the run is comes, in this order, from the `total_steps` argument, the loops around
`scheduler.step()`, the last scheduler's own duration (`T_max`, `total_iters`,
`total_steps`), a `num_training_steps`-like variable, or else a default that is reported.

For a snippet imported without problems, the design's curve equals what the snippet's
schedulers produce, exactly, for every param group; where torch's SequentialLR does
something the per-phase semantics avoid (see README "What the curve is"),
`original_curve_differs` says so, a note explains it, and `original_curve()` gives what the
snippet itself would produce. A ReduceLROnPlateau design equals the snippet's scheduler fed
the design's synthetic metric; with the snippet's real metric it is not known before training.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import numpy as np

from designer.core.importing.drafts import (
    HF_FUNCTIONS,
    POSITIONAL_ORDER,  # noqa: F401 - importable from here, as before the split
    DraftReader,
    default_length,
)
from designer.core.importing.groups import OptimizerReader
from designer.core.importing.hf import PLATEAU, hf_phases
from designer.core.importing.phases import PhaseBuilder
from designer.core.importing.reader import (
    Finding,
    FindingLog,
    SchedulerCall,
    SnippetReader,
    Unknown,
)
from designer.core.importing.values import EVALUATION_FAILURES
from designer.core.schedule.catalog import SCHEDULERS
from designer.core.schedule.model import (
    OptimizerConfig,
    Schedule,
    ScheduleError,
)


@dataclass
class ImportResult:
    """What `import_python` made of a snippet.

    Attributes
    ----------
    schedule : the design (no phases when nothing could be imported).
    problems : what could not be imported, as (line, message); line 0 is the whole snippet.
    notes : facts worth knowing that are not failures (where the run length came from,
        argparse defaults used, torch quirks), as (line, message).
    original_curve_differs : the snippet's own curve differs from the design's, because
        torch's SequentialLR does something the per-phase semantics avoid.
    combination : "single", "SequentialLR", "ChainedScheduler", "transformers" or "".
    """

    schedule: Schedule
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    original_curve_differs: bool = False
    combination: str = ""

    @property
    def imported(self) -> bool:
        return bool(self.schedule.phases)

    def original_curve(self) -> np.ndarray:
        """The lr per step the snippet's own schedulers produce (real torch, built from the
        imported phases as the snippet combines them), of the first param group."""
        return self.original_group_lrs()[0]

    def original_group_lrs(self) -> np.ndarray:
        """`original_curve` of every param group, shape (groups, steps)."""
        from designer.core.curves.engine import compute_curves, sequential_lr_curves

        if not self.original_curve_differs:
            return compute_curves(self.schedule).group_lrs()
        return sequential_lr_curves(self.schedule)


def import_python(source: str, total_steps: int | None = None, name: str = "") -> ImportResult:
    """Import the lr schedule a Python snippet builds, without running it.

    `total_steps` is how many times the training calls scheduler.step(), when the snippet
    does not say; `name` becomes the design's name.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return ImportResult(Schedule(name=name), [Finding(exc.lineno or 0,
                                                          f"not valid Python: {exc.msg}")])
    except (RecursionError, MemoryError):
        return ImportResult(Schedule(name=name), [Finding(
            _too_deep_line(source), "the snippet nests too deeply for Python to read, so "
            "Python cannot run it either")])
    except ValueError:
        return ImportResult(Schedule(name=name), [Finding(0, "the snippet cannot be parsed")])
    reader = SnippetReader()
    try:
        reader.read(tree)
    except RecursionError:
        reader.problem(0, "the snippet nests too deeply to read")
    return _Assembler(reader, total_steps, name).result()


def _too_deep_line(source: str) -> int:
    """The first line that is too deep for Python's parser on its own (0: none is, the
    depth spans lines). Each line is parsed once, so the work stays linear."""
    for number, line in enumerate(source.splitlines(), 1):
        try:
            ast.parse(line.strip())
        except (RecursionError, MemoryError):
            return number
        except (SyntaxError, ValueError):
            continue  # a line that is not a statement by itself (`if x:`, a continuation)
    return 0


class _Assembler(OptimizerReader, DraftReader, PhaseBuilder, FindingLog):
    def __init__(self, reader: SnippetReader, total_steps: int | None, name: str) -> None:
        self.reader = reader
        self.total_steps = total_steps
        self.name = name
        self.problems = list(reader.problems)
        self.notes = list(reader.notes)
        if reader.argparse_defaults:
            used = sorted(reader.argparse_defaults.items(), key=lambda item: item[1][1])
            self.note(used[0][1][1], "command-line options take their argparse defaults: "
                      + ", ".join(f"{dest}={value!r}" for dest, (value, _) in used))
        self.steps_per_epoch: int | None = None
        self.interval = "step"

    def result(self) -> ImportResult:
        roots = []
        for call in self.reader.schedulers:
            if call.consumed:
                continue
            if call.custom:
                self.problem(call.line, f"`{call.kind}` is not one of torch's timeline "
                             "schedulers: its curve is only known by running it")
            else:
                roots.append(call)
        if not self.reader.schedulers:
            self.problem(0, "the snippet builds no torch lr scheduler")
        if not roots:
            return self._result(Schedule(name=self.name), "")
        root = roots[0]
        for other in roots[1:]:
            named = f" `{other.target}`" if other.target else ""
            self.problem(other.line, f"another scheduler ({other.kind}{named}) is built here; "
                         f"only the {root.kind} of line {root.line} was imported")
        optimizer = self.optimizer(self.argument(root, "optimizer"), root.line)
        if root.kind.startswith("hf:"):
            return self.transformers(root, optimizer)
        combination = root.kind if root.kind in ("SequentialLR", "ChainedScheduler") else "single"
        if root.kind == "SequentialLR":
            drafts = self.sequential(root)
        elif root.kind == "ChainedScheduler":
            drafts = self.chained(root)
        else:
            draft = self.draft(root)
            drafts = [draft] if draft else []
        if not drafts:
            return self._result(Schedule(optimizer=optimizer, name=self.name,
                                         param_groups=self.param_groups), "")
        last = drafts[-1]
        fixed = last.offset
        own = None
        if last.duration is not None:
            fit = SCHEDULERS[last.scheduler].fit_param
            own = (fixed + last.duration, f"{last.scheduler}'s {fit}={last.duration}"
                   + (" after the milestones" if fixed else ""))
        run = self.run_length(root, own, default_length(last) + fixed)
        phases = self.phases(drafts, run)
        base_lrs = Schedule(optimizer=optimizer, param_groups=self.param_groups).base_lrs()
        differs = combination == "SequentialLR" and self.quirks(phases, base_lrs)
        if any(phase.spec.simulated for phase in phases):
            differs = False  # torch refuses the snippet: it has no curve of its own
        schedule = Schedule(tuple(phases), optimizer, self.interval, self.steps_per_epoch,
                            self.name, param_groups=self.param_groups)
        return self._result(schedule, combination, differs)

    def _result(self, schedule: Schedule, combination: str, differs: bool = False) -> ImportResult:
        return ImportResult(schedule, sorted(self.problems), sorted(self.notes), differs,
                            combination)

    def transformers(self, call: SchedulerCall, optimizer: OptimizerConfig) -> ImportResult:
        function = call.kind[3:]
        kind, _ = HF_FUNCTIONS.get(function, (None, ()))
        empty = Schedule(optimizer=optimizer, name=self.name, param_groups=self.param_groups)
        if function not in HF_FUNCTIONS:
            self.problem(call.line, f"transformers' {function} is not one the designer imports")
            return self._result(empty, "")
        arguments = {k: self.argument(call, k) for k in (
            "name", "num_warmup_steps", "num_training_steps", "scheduler_specific_kwargs",
            "last_epoch")}
        extra = {k: v for k, v in call.kwargs.items() if k not in (*arguments, "optimizer")}
        if function == "get_scheduler":
            kind = arguments["name"]
            specific = arguments["scheduler_specific_kwargs"]
            extra = dict(specific) if isinstance(specific, dict) else {}
            if kind in ("constant", "constant_with_warmup", "inverse_sqrt"):
                arguments["num_training_steps"] = Unknown("")  # get_scheduler does not pass it
            if kind == "constant":
                extra, arguments["num_warmup_steps"] = {}, 0
        else:
            positional = HF_FUNCTIONS[function][1]
            extra.update({k: v for k, v in zip(positional, call.args[1:])
                          if k not in arguments})
        if not isinstance(kind, str):
            self.problem(call.line, "the schedule type is only known when the script runs")
            return self._result(empty, "")
        self.check_last_epoch(call, arguments["last_epoch"] if not isinstance(
            arguments["last_epoch"], Unknown) else -1)
        # transformers ignores num_warmup_steps for these two types.
        warmup = 0 if kind in ("constant", PLATEAU) else arguments["num_warmup_steps"]
        total = arguments["num_training_steps"]
        unknown = [v for v in (warmup, *extra.values()) if isinstance(v, Unknown)]
        if unknown or not isinstance(warmup, int):
            why = unknown[0].why if unknown else "num_warmup_steps is not an integer"
            self.problem(call.line, f"transformers' {function}: {why}")
            return self._result(empty, "")
        total = total if isinstance(total, int) and not isinstance(total, bool) else None
        own = None if total is None else (total, f"num_training_steps={total}")
        run = self.run_length(call, own, max(100, 2 * warmup))
        try:
            phases = hf_phases(kind, warmup, total or run, optimizer.lr, extra, run_steps=run)
        except ScheduleError as exc:
            self.problem(call.line, f"transformers' {function}: {exc}")
            return self._result(empty, "")
        except (*EVALUATION_FAILURES, TypeError) as exc:
            # The snippet's own values reach transformers' formulas (num_cycles=None, a
            # power too large for a float), which raise as transformers would.
            self.problem(call.line, f"transformers' {function} fails on the snippet's "
                         f"arguments: {' '.join(str(exc).split()) or type(exc).__name__}")
            return self._result(empty, "")
        schedule = Schedule(tuple(phases), optimizer, self.interval, self.steps_per_epoch,
                            self.name, param_groups=self.param_groups)
        return self._result(schedule, "transformers")


