"""Where torch's `SequentialLR` differs from the designer's per-phase semantics, defined once.

The designer runs each phase's scheduler on an optimizer that starts from the phase's start
lr. A plain `SequentialLR` of the same schedulers does the same except where these quirks
apply. The exporter reads them to decide whether plain `SequentialLR` reproduces a design
(else it writes the PhasedLR helper and says why); the importer reads them to tell the user
where a snippet's own `SequentialLR` curve differs from the design it imports.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from designer.core.schedule.model import Phase

# torch's OneCycleLR / CyclicLR constructors overwrite the shared param group's lr,
# initial_lr and momentum, which corrupts the neighbouring phases.
OVERWRITES_GROUP = "overwrites_group"
# SequentialLR starts a later MultiplicativeLR by multiplying the previous phase's lr by
# lr_lambda(0), instead of from the base lr.
MULTIPLIES_PREVIOUS = "multiplies_previous"
# SequentialLR restarts a later CosineAnnealingLR through its closed form at epoch 0, which
# rounds differently from the base lr when eta_min > 0.
CLOSED_FORM_RESTART = "closed_form_restart"
# SequentialLR.step() takes no metric, so a ReduceLROnPlateau among other phases never
# sees one.
NEEDS_METRIC = "needs_metric"
# SequentialLR cannot run a ChainedScheduler among other phases: as its first scheduler it
# applies the members' initial factors twice (0.009 for 0.01), later it raises
# NotImplementedError at the milestone (torch 2.13).
CHAINED_INSIDE = "chained_inside"


def sequential_lr_quirks(phases: Sequence[Phase]) -> Iterator[tuple[int, str]]:
    """(phase index, quirk) for every quirk that applies to `phases` run by SequentialLR."""
    several = len(phases) > 1
    for index, phase in enumerate(phases):
        if several and phase.spec.absolute:
            yield index, OVERWRITES_GROUP
        if index and phase.scheduler == "MultiplicativeLR":
            yield index, MULTIPLIES_PREVIOUS
        if several and phase.spec.simulated:
            yield index, NEEDS_METRIC
        if several and phase.is_chained:
            yield index, CHAINED_INSIDE
        if index and phase.scheduler == "CosineAnnealingLR" and phase.param_value(
                "eta_min") != 0:
            yield index, CLOSED_FORM_RESTART


# Why a quirk keeps plain SequentialLR from reproducing a phase, as the exporter says it.
QUIRK_REASONS = {
    OVERWRITES_GROUP: "{label}: its constructor overwrites the lr, initial_lr and momentum of "
                      "the shared param group, which corrupts the other phases under "
                      "SequentialLR",
    MULTIPLIES_PREVIOUS: "{label}: SequentialLR's switch would multiply the previous phase's "
                         "lr instead of starting from the base lr",
    NEEDS_METRIC: "{label} steps with the validation metric, which SequentialLR's step() "
                  "cannot pass on",
    CHAINED_INSIDE: "{label}: SequentialLR cannot run a ChainedScheduler among other "
                    "phases (it re-applies the members' initial factors, or fails at the "
                    "milestone)",
    CLOSED_FORM_RESTART: "{label}: SequentialLR restarts it through its closed form, which "
                         "can differ from a fresh start in the last bit when eta_min > 0",
}
