"""The edits of chained phases, without Qt: label, schedule, merge key, selection."""

from __future__ import annotations

from designer.core.schedule import member_edits
from designer.core.schedule.checks import check_design
from designer.core.schedule.edits import Edit
from designer.core.schedule.model import (
    CONTINUE,
    Member,
    OptimizerConfig,
    Phase,
    Schedule,
    chained_phase,
)

WARMUP = Phase("LinearLR", 100, {"start_factor": 0.01})
COSINE = Phase("CosineAnnealingLR", 900, {"eta_min": 1e-5}, CONTINUE)
DESIGN = Schedule((WARMUP, COSINE), OptimizerConfig("AdamW", 3e-4))


def test_chain_with_makes_a_plain_phase_chained_keeping_its_length_and_start():
    edit = member_edits.chain_with(DESIGN, 1, "StepLR")
    phase = edit.schedule.phases[1]
    assert edit.label == "Chain CosineAnnealingLR with StepLR" and edit.select == 1
    assert phase.is_chained and phase.params == {}
    assert phase.steps == 900 and phase.start == CONTINUE
    assert phase.color == DESIGN.phases[1].color  # the block keeps its colour
    assert phase.members == (Member("CosineAnnealingLR", {"eta_min": 1e-5}),
                             Member("StepLR", {"step_size": 30}))
    check_design(edit.schedule)
    again = member_edits.chain_with(edit.schedule, 1, "ExponentialLR")
    assert [m.scheduler for m in again.schedule.phases[1].members] == [
        "CosineAnnealingLR", "StepLR", "ExponentialLR"]
    assert member_edits.chain_with(DESIGN, 0, "ReduceLROnPlateau") is None
    assert member_edits.chain_with(DESIGN, 5, "StepLR") is None


def test_a_chain_holds_at_most_eight_members():
    full = DESIGN.replace_phase(0, chained_phase([Member("ConstantLR")] * 8, 100))
    assert member_edits.add_member(full, 0, "StepLR") is None
    assert member_edits.chain_with(full, 0, "StepLR") is None
    seven = member_edits.remove_member(full, 0, 3).schedule
    assert len(member_edits.add_member(seven, 0, "StepLR", at=0).schedule.phases[0].members) == 8


def _chained_design() -> Schedule:
    return member_edits.chain_with(DESIGN, 0, "CosineAnnealingLR").schedule


def test_add_remove_and_move_members():
    design = _chained_design()
    added = member_edits.add_member(design, 0, "ExponentialLR", at=1)
    assert added.label == "Add ExponentialLR to chain"
    assert [m.scheduler for m in added.schedule.phases[0].members] == [
        "LinearLR", "ExponentialLR", "CosineAnnealingLR"]
    assert added.schedule.phases[0].members[1].params == {"gamma": 0.95}
    moved = member_edits.move_member(added.schedule, 0, 0, 2)
    assert moved.label == "Move LinearLR in chain"
    assert [m.scheduler for m in moved.schedule.phases[0].members] == [
        "ExponentialLR", "CosineAnnealingLR", "LinearLR"]
    assert member_edits.move_member(added.schedule, 0, 1, 1) is None
    removed = member_edits.remove_member(design, 0, 0)
    assert removed.label == "Remove LinearLR from chain"
    assert [m.scheduler for m in removed.schedule.phases[0].members] == ["CosineAnnealingLR"]
    assert member_edits.remove_member(removed.schedule, 0, 0) is None  # unchain instead
    assert member_edits.add_member(DESIGN, 0, "StepLR") is None  # not a chained phase


def test_set_member_param_merges_typing_and_fits_the_duration():
    design = _chained_design()
    edit = member_edits.set_member_param(design, 0, 1, "T_max", 40)
    assert edit.label == "Set CosineAnnealingLR T_max"
    assert edit.merge_key == ("member_param", 0, 1, "T_max")
    assert edit.schedule.phases[0].members[1].resolved_params(100)["T_max"] == 40
    fitted = member_edits.set_member_param(edit.schedule, 0, 1, "T_max", None, merge=False)
    assert fitted == Edit("Fit CosineAnnealingLR T_max", design)
    assert member_edits.set_member_param(design, 0, 7, "T_max", 4) is None


def test_change_member_scheduler_keeps_shared_values_it_accepts():
    design = _chained_design()
    design = member_edits.set_member_param(design, 0, 1, "eta_min", 0.001).schedule
    edit = member_edits.change_member_scheduler(design, 0, 1, "CosineAnnealingWarmRestarts")
    assert edit.label == "Change CosineAnnealingLR to CosineAnnealingWarmRestarts"
    member = edit.schedule.phases[0].members[1]
    assert member.scheduler == "CosineAnnealingWarmRestarts"
    assert member.params["eta_min"] == 0.001 and "T_0" in member.params
    check_design(edit.schedule)
    assert member_edits.change_member_scheduler(design, 0, 1, "ReduceLROnPlateau") is None
    assert member_edits.change_member_scheduler(design, 0, 1, "CosineAnnealingLR") is None


def test_unchain_a_phase_with_one_member_left():
    design = member_edits.remove_member(_chained_design(), 0, 1).schedule
    edit = member_edits.unchain(design, 0)
    assert edit.label == "Unchain LinearLR"
    assert edit.schedule == DESIGN
    assert member_edits.unchain(_chained_design(), 0) is None
    assert member_edits.unchain(DESIGN, 0) is None
