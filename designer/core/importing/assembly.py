"""From what `SnippetReader` read to designs (`designer.core.importing.python`).

The schedulers no `SequentialLR` or `ChainedScheduler` consumes are the roots. Each
optimizer the roots are built on gets a design of its own (a GAN's generator and
discriminator, schedulers built in a comprehension over optimizers), named after the
optimizer's variable; an optimizer's first root becomes its design's phases. A custom
scheduler class (defined in the snippet or third-party) cannot be imported: the import
says so at its line, and that the design's curve differs from the script's where it acts.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from designer.core.importing.combinations import CombinationReader
from designer.core.importing.drafts import DraftReader, call_argument, default_length
from designer.core.importing.groups import OptimizerReader
from designer.core.importing.hf_calls import TransformersReader
from designer.core.importing.phases import PhaseBuilder
from designer.core.importing.values import (
    Finding,
    FindingLog,
    OptimizerCall,
    SchedulerCall,
)
from designer.core.schedule.model import Schedule

if TYPE_CHECKING:
    import numpy as np

    from designer.core.importing.reader import SnippetReader

_NAME = re.compile(r"[^A-Za-z0-9_]+")


@dataclass
class ImportResult:
    """What `import_python` made of a snippet (for one of its optimizers).

    Attributes
    ----------
    schedule : the design (no phases when nothing could be imported).
    problems : what could not be imported, as (line, message); line 0 is the whole snippet.
    notes : facts worth knowing that are not failures (where the run length came from,
        argparse defaults used, torch quirks), as (line, message).
    original_curve_differs : the snippet's own curve differs from the design's, because
        torch's SequentialLR does something the per-phase semantics avoid.
    combination : "single", "SequentialLR", "ChainedScheduler", "transformers" or "".
    optimizer : the name of the optimizer the design is for (its variable in the snippet,
        `optimizers_0` for `optimizers[0]`; "" when the snippet names none).
    """

    schedule: Schedule
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    original_curve_differs: bool = False
    combination: str = ""
    optimizer: str = ""

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


@dataclass
class OptimizerRoots:
    """The unconsumed scheduler calls built on one optimizer."""

    name: str
    line: int
    calls: list[SchedulerCall] = field(default_factory=list)

    @property
    def importable(self) -> bool:
        return any(not call.custom for call in self.calls)


def assemble(reader: SnippetReader, total_steps: int | None, name: str) -> list[ImportResult]:
    """One result per optimizer with an importable scheduler (at least one result)."""
    owners = optimizer_roots(reader)
    designs = [owner for owner in owners if owner.importable] or owners[:1]
    results = []
    for owner in designs:
        # Custom schedulers of optimizers without a design are reported with the first.
        calls = list(owner.calls) + ([call for other in owners if other not in designs
                                       for call in other.calls] if owner is designs[0] else [])
        design_name = name if len(designs) == 1 or not owner.name else f"{name} ({owner.name})"
        assembler = DesignAssembler(reader, total_steps, design_name, calls)
        if len(designs) > 1:
            others = ", ".join(f"{o.name} (line {o.line})" for o in designs if o is not owner)
            assembler.note(owner.line, f"the snippet builds lr schedulers for {len(designs)} "
                           f"optimizers; this design is {owner.name}'s, the others' are "
                           f"{others} (`lr-designer import --optimizer NAME` imports one)")
        result = assembler.result()
        result.optimizer = owner.name
        results.append(result)
    return results


def optimizer_roots(reader: SnippetReader) -> list[OptimizerRoots]:
    """The unconsumed scheduler calls grouped by the optimizer they are built on, in the
    order the snippet builds them; each group named after the optimizer's variable."""
    groups: dict[Hashable, OptimizerRoots] = {}
    taken: set[str] = set()
    for call in reader.schedulers:
        if call.consumed:
            continue
        optimizer = call_argument(call, "optimizer")
        key: Hashable = id(optimizer) if isinstance(optimizer, OptimizerCall) else (
            call.optimizer_source)
        if key not in groups:
            text = optimizer.target if isinstance(optimizer, OptimizerCall) else (
                call.optimizer_source)
            line = optimizer.line if isinstance(optimizer, OptimizerCall) else call.line
            groups[key] = OptimizerRoots(_unique(optimizer_name(text, len(groups)), taken),
                                         line)
        groups[key].calls.append(call)
    return list(groups.values()) or [OptimizerRoots("", 0)]


def optimizer_name(text: str, index: int) -> str:
    """A file-name-safe name for an optimizer from its variable: `self.opt_g` is opt_g,
    `optimizers[0]` is optimizers_0, `opts['G']` is opts_G; unnamed: optimizer_<index>."""
    last = text.rsplit(".", 1)[-1] if "[" not in text else text.split(".")[-1]
    name = _NAME.sub("_", last).strip("_")
    return name or f"optimizer_{index}"


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}_{number}", number + 1
    taken.add(candidate)
    return candidate


class DesignAssembler(OptimizerReader, DraftReader, CombinationReader, PhaseBuilder,
                      TransformersReader, FindingLog):
    """Builds the design of one optimizer's scheduler calls (`calls`)."""

    def __init__(self, reader: SnippetReader, total_steps: int | None, name: str,
                 calls: list[SchedulerCall]) -> None:
        self.reader = reader
        self.total_steps = total_steps
        self.name = name
        self.calls = calls
        self.problems = list(reader.problems)
        self.notes = list(reader.notes)
        if reader.argparse_defaults:
            used = sorted(reader.argparse_defaults.items(), key=lambda item: item[1][1])
            self.note(used[0][1][1], "command-line options take their argparse defaults: "
                      + ", ".join(f"{dest}={value!r}" for dest, (value, _) in used))
        self.steps_per_epoch: int | None = None
        self.interval = "step"

    def result(self) -> ImportResult:
        roots = [call for call in self.calls if not call.custom]
        for call in self.calls:
            if call.custom:
                self.custom_left_out(call, roots)
        if not self.reader.schedulers:
            self.problem(0, "the snippet builds no torch lr scheduler")
        if not roots:
            return self._result(Schedule(name=self.name), "")
        root = roots[0]
        for other in roots[1:]:
            named = f" `{other.target}`" if other.target else ""
            self.problem(other.line, f"another scheduler ({other.kind}{named}) is built here; "
                         f"only the {root.kind} of line {root.line} was imported")
        optimizer = self.optimizer(call_argument(root, "optimizer"), root.line)
        if root.kind.startswith("hf:"):
            phases = self.transformers_phases(root, optimizer) or []
            return self._result(self._schedule(phases, optimizer),
                                "transformers" if phases else "")
        combination = root.kind if root.kind in ("SequentialLR", "ChainedScheduler") else "single"
        drafts = self.root_drafts(root)
        if not drafts:
            return self._result(self._schedule([], optimizer), "")
        last = drafts[-1]
        own = last.own_length()
        if own is not None:
            own = (last.offset + own[0], own[1] + (" after the milestones" if last.offset
                                                    else ""))
        run = self.run_length(root, own, default_length(last) + last.offset)
        phases = self.phases(drafts, run)
        schedule = self._schedule(phases, optimizer)
        differs = combination == "SequentialLR" and self.quirks(phases, schedule.base_lrs())
        if any(phase.spec.simulated for phase in phases):
            differs = False  # torch refuses the snippet: it has no curve of its own
        return self._result(self._schedule(phases, optimizer), combination, differs)

    def root_drafts(self, root: SchedulerCall) -> list:
        if root.kind == "SequentialLR":
            return self.sequential(root)
        if root.kind == "ChainedScheduler":
            draft = self.chained(root)
            return [draft] if draft else []
        draft = self.draft(root)
        return [draft] if draft else []

    def custom_left_out(self, call: SchedulerCall, roots: list[SchedulerCall]) -> None:
        """A custom scheduler's problem: not importable, and where the curves differ."""
        wrapped = [value for value in (*call.args, *call.kwargs.values())
                   if isinstance(value, SchedulerCall) and value in roots]
        where = (f"the design has the {wrapped[0].kind} it wraps (line {wrapped[0].line}) "
                 f"alone, so its curve differs from the script's wherever `{call.kind}` "
                 "changes that scheduler's lr" if wrapped else
                 f"it is left out, so the design's curve differs from the script's wherever "
                 f"`{call.kind}` sets the lr")
        self.problem(call.line, f"`{call.kind}` is not one of torch's schedulers: its curve "
                     f"is only known by running it; {where}")

    def _schedule(self, phases: list, optimizer) -> Schedule:
        return Schedule(tuple(phases), optimizer, self.interval, self.steps_per_epoch,
                        self.name, param_groups=self.param_groups)

    def _result(self, schedule: Schedule, combination: str, differs: bool = False) -> ImportResult:
        return ImportResult(schedule, sorted(self.problems), sorted(self.notes), differs,
                            combination)
