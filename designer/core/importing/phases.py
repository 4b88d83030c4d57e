"""How long the imported run is and the phases it is cut into (`designer.core.importing.python`).

The run length comes from the `total_steps` given, the loops around `scheduler.step()`, the
last scheduler's own duration, or a `num_training_steps`-like variable; the drafts then
become checked phases, with notes where torch's SequentialLR differs from the design.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from designer.core.export.sequential_lr import (
    CLOSED_FORM_RESTART,
    MULTIPLIES_PREVIOUS,
    OVERWRITES_GROUP,
    sequential_lr_quirks,
)
from designer.core.importing.drafts import Draft
from designer.core.importing.reader import SchedulerCall, StepSite, Unknown
from designer.core.importing.values import EVALUATION_FAILURES, STEP_COUNT_NAMES, source_text
from designer.core.schedule.catalog import SCHEDULERS
from designer.core.schedule.checks import check_phase
from designer.core.schedule.expressions import parse_expression
from designer.core.schedule.members import Member
from designer.core.schedule.model import (
    CONTINUE,
    MAX_TOTAL_STEPS,
    Phase,
    ScheduleError,
    chained_phase,
    simulation_for_length,
)

_EPOCH_HINTS = ("num_epochs", "epochs", "max_epochs", "n_epochs", "total_epochs")


class PhaseBuilder:
    """The run-length and phase part of `_Assembler` (which provides `problem`, `note`,
    `reader`, `total_steps`, `interval`, `steps_per_epoch` and `param_groups`)."""

    def run_length(self, root: SchedulerCall, own: tuple[int, str] | None, default: int) -> int:
        """How many scheduler.step() calls the training makes (see the module docstring)."""
        takes_metric = root.kind in SCHEDULERS and SCHEDULERS[root.kind].simulated
        for site in root.steps:
            if takes_metric and not site.has_argument:
                self.problem(site.line, f"{root.kind}.step() needs the validation metric, and "
                             "torch raises without it")
            elif site.has_argument and not takes_metric:
                self.problem(site.line, "scheduler.step() with an argument sets the epoch "
                             "itself; the design assumes one step per call")
        # A step(epoch) call still counts the calls, even though its epochs are not steps.
        site = next((s for s in root.steps if not s.has_argument),
                    root.steps[0] if root.steps else None)
        if site is not None:
            self._interval(site)
            if site.condition is not None:
                self.problem(site.line, f"scheduler.step() is only called when "
                             f"`{source_text(site.condition)}`, which is only known when the "
                             "script runs; the design assumes it is called every time")
        counted = site is not None and site.loops and all(c is not None for _, c in site.loops)
        if self.total_steps is not None:
            run, source, line = self.total_steps, "the total_steps given", 0
        elif counted:
            # A loop the reader unrolled (`for phase in ['train', 'val']:`) records the call
            # once per item it makes it in.
            calls = sum(1 for s in root.steps if s.line == site.line and s.loops == site.loops)
            run = math.prod(c for _, c in site.loops) * calls
            loops = "the loops" if len(site.loops) > 1 else "the loop"
            source, line = f"{loops} around scheduler.step() on line {site.line}", site.line
        elif own is not None:
            (run, source), line = own, root.line
        else:
            hinted = self._hinted(site)
            if hinted is None or isinstance(hinted[1], Unknown):
                why = (f"`{hinted[0]}`: {hinted[1].why}" if hinted else "no loop with a range "
                       "around scheduler.step(), no num_training_steps")
                self.problem(root.line, f"how many times scheduler.step() is called is not "
                             f"known ({why}); the design assumes {default:,}, give total_steps "
                             "for yours")
                return default
            name, run, line = hinted
            source = f"`{name}`"
        if isinstance(run, float) and run.is_integer():
            run = int(run)  # total_steps = 1e4
        if not isinstance(run, int) or run < 1:
            self.problem(line, f"the run length from {source} is not a positive integer; the "
                         f"design assumes {default:,}")
            return default
        if run > MAX_TOTAL_STEPS:
            self.problem(line, f"the run of {run:,} steps is longer than the designer's limit "
                         f"of {MAX_TOTAL_STEPS:,}; the design stops there")
            run = MAX_TOTAL_STEPS
        self.note(line, f"the design lasts {run:,} steps: from {source}")
        return run

    def _hinted(self, site: StepSite | None) -> tuple[str, Any, int] | None:
        hints = self.reader.hints
        names = STEP_COUNT_NAMES
        inner = site.loops[-1][0] if site and site.loops else ""
        if (site is None and not any(n in hints for n in names)) or "epoch" in inner:
            names = names + _EPOCH_HINTS
        for name in names:
            if name in hints:
                value, line = hints[name]
                if name in _EPOCH_HINTS:
                    self.interval = "epoch"
                return name, value, line
        return None

    def _interval(self, site: StepSite) -> None:
        if not site.loops:
            return
        if "epoch" in site.loops[-1][0]:
            self.interval = "epoch"
        elif len(site.loops) >= 2 and "epoch" in site.loops[-2][0] and \
                0 < (site.loops[-1][1] or 0) <= MAX_TOTAL_STEPS:
            self.steps_per_epoch = site.loops[-1][1]

    def phases(self, drafts: list[Draft], run: int) -> list[Phase]:
        phases, at = [], 0
        self._phase_lines: list[int] = []
        for draft in drafts:
            if at >= run:
                self.note(draft.line, f"the run ends at step {run:,}, before this {draft.scheduler} "
                          "begins; it is left out")
                continue
            steps = run - at if draft.length is None else min(draft.length, run - at)
            if draft.members:
                # A OneCycleLR member stops the chain at its total_steps (torch raises past).
                steps = min((self._fitted(m, steps)[1] for m in draft.members
                             if m.scheduler == "OneCycleLR"), default=steps)
                members = [self._fitted(member, steps) for member in draft.members]
                phase = chained_phase([Member(m.scheduler, params) for m, (params, _) in
                                       zip(draft.members, members)], steps, draft.start)
            else:
                params, steps = self._fitted(draft, steps)
                phase = Phase(draft.scheduler, steps, params, draft.start)
            try:
                check_phase(phase, f"phases[{len(phases)}]", len(self.param_groups) or 1)
            except ScheduleError as exc:
                self.problem(draft.line, f"{draft.scheduler}: {exc.message}; it is left out")
                continue
            phases.append(phase)
            self._phase_lines.append(draft.line)
            at += steps
        return phases

    def _fitted(self, draft: Draft, steps: int) -> tuple[dict, int]:
        """A plain scheduler's parameters in a phase of `steps` steps (its duration fitted
        when equal to them), and the steps it can run (a OneCycleLR stops at its end)."""
        params = dict(draft.params)
        spec = SCHEDULERS[draft.scheduler]
        if spec.simulated:
            params.update(simulation_for_length(steps))  # as a newly inserted phase
        fit = spec.fit_param
        if draft.scheduler == "OneCycleLR" and draft.duration is not None and \
                steps > draft.duration:
            self.problem(draft.line, f"OneCycleLR runs {steps:,} steps here but its "
                         f"total_steps is {draft.duration:,}, and torch raises past it; "
                         "the design stops at total_steps")
            steps = draft.duration
        if fit and draft.duration is not None and draft.duration != steps:
            params[fit] = draft.duration  # an explicit duration that differs stays explicit
        if fit and params.get(fit) == steps:
            del params[fit]  # equal to the phase: fitted, so it follows a resize
        if spec.has_param("lr_lambda") and self.lambda_fails(
                draft, steps, f"the design uses {spec.param('lr_lambda').suggested!r} in its "
                "place"):
            params["lr_lambda"] = spec.param("lr_lambda").suggested
        return params, steps

    def quirks(self, phases: list[Phase], base_lrs: tuple[float, ...]) -> bool:
        """Notes where torch's SequentialLR differs from the per-phase semantics; True if
        the snippet's own curve (of any param group) therefore differs from the design's,
        False where torch raises on the snippet, which then has no curve of its own."""
        differs, raises = self._chained_quirks(phases)
        for index, quirk in sequential_lr_quirks(list(phases)):
            phase, line = phases[index], self._phase_lines[index]
            if quirk == OVERWRITES_GROUP:
                self.note(line, f"{phase.scheduler} inside SequentialLR: torch's constructor "
                          "overwrites the lr, initial_lr and momentum of the shared param "
                          "group, which corrupts neighbouring phases; the design uses per-phase "
                          "semantics, whose curve differs — see both curves")
                differs = True
            elif quirk == MULTIPLIES_PREVIOUS:
                phases[index] = replace(phase, start=CONTINUE)
                try:
                    factor = parse_expression(phase.params["lr_lambda"])(0)
                except EVALUATION_FAILURES as exc:
                    self.problem(line, "MultiplicativeLR inside SequentialLR: torch starts it "
                                 f"by multiplying the previous lr by lr_lambda(0), which fails "
                                 f"({exc}), so the snippet raises there; the design continues "
                                 "from the previous lr without it")
                    raises = True
                    continue
                if factor != 1:
                    self.note(line, "MultiplicativeLR inside SequentialLR: torch starts it by "
                              f"multiplying the previous lr by lr_lambda(0) = {factor!r}; the "
                              "design continues from the previous lr without it, so its curve "
                              "differs — see both curves")
                    differs = True
            elif quirk == CLOSED_FORM_RESTART:
                eta_min = phase.param_value("eta_min")
                # SequentialLR restarts it through its closed form at epoch 0:
                restarts = [(eta_min + (lr - eta_min) * (1 + math.cos(math.pi * 0 / 1)) / 2, lr)
                            for lr in base_lrs]
                restarted, base_lr = next(((r, lr) for r, lr in restarts if r != lr),
                                          restarts[0])
                if restarted != base_lr:
                    self.note(line, "CosineAnnealingLR with eta_min inside SequentialLR: torch "
                              f"restarts it at {restarted!r} instead of the base lr "
                              f"{base_lr!r} (a rounding of its closed form), so the snippet's "
                              "curve differs from the design's in the last bits")
                    differs = True
        return differs and not raises

    def _chained_quirks(self, phases: list[Phase]) -> tuple[bool, bool]:
        """(differs, raises) for the chained phases of a SequentialLR: torch's SequentialLR
        runs a ChainedScheduler as a plain scheduler only when it is alone; otherwise it
        cannot, and the design runs the chain as ChainedScheduler alone does."""
        differs = raises = False
        for index, phase in enumerate(phases):
            if not phase.is_chained:
                continue
            line = self._phase_lines[index]
            if index == 0:
                self.note(line, "ChainedScheduler inside SequentialLR: when SequentialLR is "
                          "built it resets the lr and steps the chain's schedulers once more "
                          "from their start, which shifts most of them by a step (a LambdaLR "
                          "first in the chain sets the lr afresh): for most chains the snippet's "
                          "curve differs from the chain's own; the design runs the chain as "
                          "ChainedScheduler alone does — see both curves")
                differs = True
            else:
                self.problem(line, f"ChainedScheduler inside SequentialLR: at its milestone "
                             f"(step {sum(p.steps for p in phases[:index]):,}) torch's "
                             "SequentialLR restarts it with _update_lr(0), which "
                             "ChainedScheduler does not implement, and the snippet raises "
                             "NotImplementedError there; the design runs the chain from there "
                             "as ChainedScheduler alone does")
                raises = True
        return differs, raises
