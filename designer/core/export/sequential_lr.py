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
        if index and phase.scheduler == "CosineAnnealingLR" and phase.param_value(
                "eta_min") != 0:
            yield index, CLOSED_FORM_RESTART
