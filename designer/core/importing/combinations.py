"""SequentialLR and ChainedScheduler as drafts (`designer.core.importing.assembly`).

`SequentialLR` gives one draft per scheduler with lengths from its milestones; a
`ChainedScheduler` whose members all but one leave the lr alone gives that one member (a
chain of several that change the lr needs a phase type of its own). `lambda_failure`
tells where an lr_lambda fails at a step torch evaluates it at.
"""

from __future__ import annotations

from typing import Any

from designer.core.importing.drafts import Draft, call_argument, whole
from designer.core.importing.values import EVALUATION_FAILURES, SchedulerCall, Unknown
from designer.core.schedule.catalog import SCHEDULERS
from designer.core.schedule.expressions import parse_expression

_CHAIN = ("ChainedScheduler applies all of its schedulers at every step, multiplying their "
          "effects; the timeline runs one scheduler at a time, so only a chain in which all "
          "but one scheduler leave the lr unchanged can be imported")


class CombinationReader:
    """The SequentialLR and ChainedScheduler part of the assembler (which provides `draft`,
    `problem` and `note`)."""

    def sequential(self, call: SchedulerCall) -> list[Draft]:
        children = call_argument(call, "schedulers")
        milestones = call_argument(call, "milestones")
        optimizer = call_argument(call, "optimizer")
        if isinstance(children, Unknown) or not isinstance(children, (list, tuple)):
            self.problem(call.line, "SequentialLR's schedulers are not a list the snippet "
                         "builds")
            return []
        milestones = whole(milestones)  # SequentialLR compares integral floats as ints
        if not (isinstance(milestones, (list, tuple)) and all(
                isinstance(m, int) and not isinstance(m, bool) for m in milestones)):
            why = milestones.why if isinstance(milestones, Unknown) else "not a list of integers"
            self.problem(call.line, f"SequentialLR's milestones: {why}")
            return []
        if len(milestones) != len(children) - 1:
            self.problem(call.line, "SequentialLR needs one milestone fewer than schedulers; "
                         "torch refuses this one")
            return []
        drafts, previous = [], 0
        for index, child in enumerate(children):
            end = milestones[index] if index < len(milestones) else None
            draft = self._sequential_child(call, index, child, optimizer,
                                           None if end is None else end - previous)
            if end is not None and end <= previous:
                if end < previous:
                    self.problem(call.line, "SequentialLR's milestones must increase")
                else:
                    self.note(call.line, f"schedulers[{index}] never runs (its milestones are "
                              "equal) and is left out")
                continue
            if draft is not None:
                draft.length = None if end is None else end - previous
                draft.offset = previous
                drafts.append(draft)
            if end is not None:
                previous = end
        return drafts

    def _sequential_child(self, call: SchedulerCall, index: int, child: Any, optimizer: Any,
                          length: int | None) -> Draft | None:
        """The draft of SequentialLR's schedulers[index], which runs `length` steps (None:
        to the end); a custom scheduler with a length keeps its place, holding the lr."""
        if not isinstance(child, SchedulerCall):
            why = child.why if isinstance(child, Unknown) else "not a scheduler"
            self.problem(call.line, f"SequentialLR's schedulers[{index}]: {why}")
            return None
        if child.kind in ("SequentialLR", "ChainedScheduler"):
            self.problem(child.line, f"a {child.kind} inside SequentialLR is not imported")
            return None
        if child.custom and length is not None and length > 0:
            self.problem(child.line, f"`{child.kind}` is not one of torch's schedulers: its "
                         f"curve is only known by running it; the design holds the lr constant "
                         f"for its {length:,} steps instead, so its curve differs from the "
                         "script's there")
            return Draft("ConstantLR", {"factor": 1.0}, child.line)
        return self.draft(child, optimizer, "SequentialLR")

    def chained(self, call: SchedulerCall) -> list[Draft]:
        children = call_argument(call, "schedulers")
        if not isinstance(children, (list, tuple)) or not children or not all(
                isinstance(c, SchedulerCall) for c in children):
            self.problem(call.line, "ChainedScheduler's schedulers are not a list of "
                         "schedulers the snippet builds")
            return []
        drafts = [self.draft(child, combination="ChainedScheduler") for child in children]
        if None in drafts:
            return []
        # A member whose lr_lambda fails from the start makes the snippet raise; the chain is
        # read without it (the suggested lambda in its place would change the lr, and make
        # the chain one the timeline cannot hold). A later failure is the phase's problem.
        drafts = [d for d in drafts if not self.lambda_fails(d, 1, "it is left out of the "
                                                               "ChainedScheduler")]
        if not drafts:
            return []
        active = [d for d in drafts if not _leaves_lr_alone(d)]
        if len(active) > 1:
            self.problem(call.line, _CHAIN)
            return []
        if len(drafts) > 1:
            self.note(call.line, "all but one scheduler of the ChainedScheduler leave the lr "
                      "unchanged, so the chain is that one scheduler")
        return active or drafts[:1]

    def lambda_fails(self, draft: Draft, steps: int, consequence: str) -> bool:
        """Whether the draft's lr_lambda fails at a step torch evaluates it at in `steps`
        steps; a problem says where, and `consequence`."""
        text = draft.params.get("lr_lambda")
        if text is None:
            return False
        failure = lambda_failure(draft.scheduler, text, steps)
        if failure is not None:
            self.problem(draft.line, f"{draft.scheduler}'s lr_lambda fails: {failure}, where "
                         f"torch evaluates it; {consequence}")
        return failure is not None


LAMBDA_CHECKS = 1_000


def lambda_failure(scheduler: str, text: str, steps: int) -> str | None:
    """Why an lr_lambda fails at a step torch evaluates it at in a `steps`-step phase (of
    its first LAMBDA_CHECKS and its last), or None. LambdaLR evaluates it at steps 0 to
    `steps` (0 in its constructor, `steps` at the scheduler.step() that ends the phase);
    MultiplicativeLR from step 1, as its first lr is the lr it starts from."""
    first = 1 if scheduler == "MultiplicativeLR" else 0
    try:
        expression = parse_expression(text)
        # Without the step, every step gives the same value: one evaluation tells.
        last = steps if "step" in expression.python_source else first
        # The window imports on its own thread: the first LAMBDA_CHECKS steps and the last
        # are checked here (a few ms at most, whatever the expression costs); a failure in
        # between is the engine's to find, as it steps the phase, naming the field.
        checked = range(first, min(last, first + LAMBDA_CHECKS) + 1)
        for step in (*checked, last) if last not in checked else checked:
            expression(step)
    except EVALUATION_FAILURES as exc:
        return str(exc)
    return None


def _leaves_lr_alone(draft: Draft) -> bool:
    """Whether a scheduler never changes the lr, whatever its length."""
    def value(name: str) -> Any:  # the snippet's value, else torch's default
        return draft.params.get(name, SCHEDULERS[draft.scheduler].param(name).default)

    if draft.scheduler == "ConstantLR":
        return value("factor") == 1
    if draft.scheduler == "LinearLR":
        return value("start_factor") == 1 and value("end_factor") == 1
    if draft.scheduler in ("StepLR", "MultiStepLR", "ExponentialLR"):
        return value("gamma") == 1
    if draft.scheduler in ("LambdaLR", "MultiplicativeLR") and "lr_lambda" in draft.params:
        try:
            expression = parse_expression(draft.params["lr_lambda"])
            return "step" not in expression.python_source and expression(0) == 1
        except EVALUATION_FAILURES:
            return False  # not known to leave the lr alone
    return False
