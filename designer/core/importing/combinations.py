"""SequentialLR and ChainedScheduler as drafts (`designer.core.importing.assembly`).

`SequentialLR` gives one draft per scheduler with lengths from its milestones; a
`ChainedScheduler` (alone or one of SequentialLR's schedulers) gives one chained draft of its
members in order, each read as a plain scheduler. Members that multiply the lr by exactly 1
are left out (the floats are the same without them), and a chain left with one member is
that member. A member a chained phase cannot hold (ReduceLROnPlateau, a custom class, a
nested chain or SequentialLR) is a problem at its line; the rest of the chain is imported.
`lambda_failure` tells where an lr_lambda fails at a step torch evaluates it at.
"""

from __future__ import annotations

from typing import Any

from designer.core.importing.drafts import Draft, call_argument, whole
from designer.core.importing.values import EVALUATION_FAILURES, SchedulerCall, Unknown
from designer.core.schedule.catalog import CHAINED, MAX_MEMBERS, SCHEDULERS
from designer.core.schedule.expressions import parse_expression


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
        if child.kind == "SequentialLR":
            self.problem(child.line, "a SequentialLR inside SequentialLR is not imported")
            return None
        if child.kind == "ChainedScheduler":
            return self.chained(child, optimizer)
        if child.custom and length is not None and length > 0:
            self.problem(child.line, f"`{child.kind}` is not one of torch's schedulers: its "
                         f"curve is only known by running it; the design holds the lr constant "
                         f"for its {length:,} steps instead, so its curve differs from the "
                         "script's there")
            return Draft("ConstantLR", {"factor": 1.0}, child.line)
        return self.draft(child, optimizer, "SequentialLR")

    def chained(self, call: SchedulerCall, optimizer: Any = None) -> Draft | None:
        """A ChainedScheduler's draft: a chained phase of its members in order, or (not
        inside a SequentialLR, whose optimizer is `optimizer`) the one member that changes the
        lr when the others are true no-ops, which is exactly equal."""
        children = call_argument(call, "schedulers")
        if not isinstance(children, (list, tuple)) or not children:
            why = children.why if isinstance(children, Unknown) else (
                "an empty list, which torch refuses" if isinstance(children, (list, tuple))
                else "not a list of schedulers")
            self.problem(call.line, f"ChainedScheduler's schedulers: {why}")
            return None
        if optimizer is not None and call_argument(call, "optimizer") is not optimizer:
            self.problem(call.line, "ChainedScheduler is built on another optimizer than the "
                         "SequentialLR around it")
        own = call_argument(call, "optimizer")
        drafts = [self._member_draft(call, index, child, own)
                  for index, child in enumerate(children)]
        self._built_in_another_order(call, [(c, d) for c, d in zip(children, drafts) if d])
        # A member whose lr_lambda fails from the start makes the snippet raise; the chain is
        # read without it. A later failure is the phase's problem.
        drafts = [d for d in drafts if d is not None and not self.lambda_fails(
            d, 1, "it is left out of the ChainedScheduler")]
        if not drafts:
            return None
        # Inside SequentialLR torch runs the chain its own way (`PhaseBuilder.quirks`): the
        # chain is kept whole, so that the snippet's own curve can be rebuilt from it.
        active = drafts if optimizer is not None else (
            [d for d in drafts if not _leaves_lr_alone(d)] or drafts[:1])
        if len(active) < len(drafts):
            left = ", ".join(f"{d.scheduler} (line {d.line})" for d in drafts
                             if d not in active)
            verb, them = ("changes", "it") if len(drafts) - len(active) == 1 else (
                "change", "them")
            self.note(call.line, f"{left} of the ChainedScheduler never {verb} the lr "
                      f"(multiplying it by exactly 1), so the design leaves {them} out")
        if len(active) > MAX_MEMBERS:
            self.problem(call.line, f"a chained phase holds at most {MAX_MEMBERS} schedulers; "
                         f"the design keeps the first {MAX_MEMBERS}")
            active = active[:MAX_MEMBERS]
        if len(active) == 1 and optimizer is None:
            return active[0]
        return Draft(CHAINED, {}, call.line, members=tuple(active))

    def _member_draft(self, call: SchedulerCall, index: int, child: Any,
                      optimizer: Any) -> Draft | None:
        """The draft of ChainedScheduler's schedulers[index]; None, with a problem at its
        line, for one a chained phase cannot hold (the rest of the chain is imported)."""
        if not isinstance(child, SchedulerCall):
            why = child.why if isinstance(child, Unknown) else "not a scheduler"
            self.problem(call.line, f"ChainedScheduler's schedulers[{index}]: {why}; it is "
                         "left out, so the design's curve differs from the script's")
            return None
        if child.custom:
            self.problem(child.line, f"`{child.kind}` is not one of torch's schedulers: its "
                         "curve is only known by running it; it is left out of the "
                         "ChainedScheduler, so the design's curve differs from the script's "
                         f"wherever `{child.kind}` changes the lr")
            return None
        if child.kind in ("SequentialLR", "ChainedScheduler"):
            self.problem(child.line, f"a {child.kind} inside a ChainedScheduler is not "
                         "imported; it is left out, so the design's curve differs from the "
                         "script's")
            return None
        if not isinstance(optimizer, Unknown) and call_argument(child, "optimizer") \
                is not optimizer:
            self.problem(child.line, f"{child.kind} is built on another optimizer than the "
                         "ChainedScheduler around it, which torch refuses")
        return self.draft(child, combination="ChainedScheduler")

    def _built_in_another_order(self, call: SchedulerCall,
                                members: list[tuple[SchedulerCall, Draft]]) -> None:
        """A problem when members that change the lr as they are built were built in another
        order than the chain lists them: torch applies their first factors (or sets the lr)
        in the order built, the design in the chain's order."""
        order = {id(built): index for index, built in enumerate(self.reader.schedulers)}
        acting = [(c, d) for c, d in members if not _unchanged_when_built(d)]
        built = sorted(acting, key=lambda member: order.get(id(member[0]), 0))
        if [id(c) for c, _ in built] == [id(c) for c, _ in acting]:
            return
        listed = ", ".join(f"{d.scheduler} (line {d.line})" for _, d in acting)
        first = ", ".join(f"{d.scheduler} (line {d.line})" for _, d in built)
        self.problem(call.line, f"the ChainedScheduler lists {listed}, but the snippet builds "
                     f"them in the order {first}; each changes the lr as it is built, in the "
                     "order built, while the design builds them in the chain's order, so its "
                     "first steps can differ from the script's")

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
    """Whether a chain's member never changes the lr, whatever its length: every step it
    multiplies the lr by exactly 1.0, so the chain without it gives the same floats."""
    def value(name: str) -> Any:  # the snippet's value, else torch's default
        return draft.params.get(name, SCHEDULERS[draft.scheduler].param(name).default)

    if draft.scheduler == "ConstantLR":
        return value("factor") == 1
    if draft.scheduler == "LinearLR":
        return value("start_factor") == 1 and value("end_factor") == 1
    if draft.scheduler in ("StepLR", "MultiStepLR", "ExponentialLR"):
        return value("gamma") == 1
    # Not LambdaLR: it sets the lr to base_lr * lr_lambda, undoing the other members.
    if draft.scheduler == "MultiplicativeLR" and "lr_lambda" in draft.params:
        try:
            expression = parse_expression(draft.params["lr_lambda"])
            return "step" not in expression.python_source and expression(0) == 1
        except EVALUATION_FAILURES:
            return False  # not known to leave the lr alone
    return False


# Members whose constructor leaves the lr as it is (their first step is the lr they find).
UNCHANGED_WHEN_BUILT = ("StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
                         "MultiplicativeLR", "PolynomialLR")


def _unchanged_when_built(draft: Draft) -> bool:
    if draft.scheduler in UNCHANGED_WHEN_BUILT:
        return True
    if draft.scheduler == "ConstantLR":
        return draft.params.get("factor", SCHEDULERS["ConstantLR"].param("factor").default) == 1
    if draft.scheduler == "LinearLR":
        return draft.params.get("start_factor",
                                SCHEDULERS["LinearLR"].param("start_factor").default) == 1
    return False
