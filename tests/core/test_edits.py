"""Every undoable edit as a function of the schedule, without Qt: its label, the schedule it
gives, its merge key and the selection after it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from designer.core.schedule import edits
from designer.core.schedule.edits import Edit
from designer.core.schedule.model import (
    CONTINUE,
    MAX_GROUPS,
    RESTART,
    OptimizerConfig,
    ParamGroup,
    Phase,
    Schedule,
    new_phase,
)

WARMUP = Phase("LinearLR", 1000, {"start_factor": 0.01})
COSINE = Phase("CosineAnnealingLR", 6000, {"eta_min": 1e-5}, CONTINUE)
STEP = Phase("StepLR", 3000, {"step_size": 1000})
DESIGN = Schedule((WARMUP, COSINE, STEP), OptimizerConfig("AdamW", 3e-4, {"betas": (0.9, 0.95)}))
GROUPS = (ParamGroup("backbone", lr_scale=1.0), ParamGroup("head", lr=0.003))
GROUPED = Schedule((Phase("OneCycleLR", 100, {"max_lr": (0.1, 0.5)}),),
                   OptimizerConfig("SGD", 0.01), param_groups=GROUPS)


def test_an_edit_is_a_plain_frozen_value():
    edit = edits.rename_schedule(DESIGN, "run 7")
    assert edit == Edit("Rename schedule", DESIGN.with_settings(name="run 7"),
                        ("settings", "name"), None)
    with pytest.raises(AttributeError):
        edit.label = "x"  # type: ignore[misc]
    assert DESIGN.name == ""  # the schedule it was made from is untouched


# Phases --------------------------------------------------------------------------------------

def test_insert_scheduler_selects_the_new_phase_and_clamps_the_index():
    edit = edits.insert_scheduler(DESIGN, "ExponentialLR", 1, steps=500)
    assert edit == Edit("Insert ExponentialLR",
                        DESIGN.insert_phase(1, new_phase("ExponentialLR", 500)), None, 1)
    appended = edits.insert_scheduler(DESIGN, "StepLR")
    assert appended.select == 3 and appended.schedule.phases[3].scheduler == "StepLR"
    assert edits.insert_scheduler(DESIGN, "StepLR", 99).select == 3
    assert edits.insert_scheduler(DESIGN, "StepLR", -4).select == 0


def test_a_new_phase_is_a_round_quarter_of_the_design():
    assert edits.insert_scheduler(DESIGN, "StepLR").schedule.phases[3].steps == 2000
    assert edits.insert_scheduler(Schedule(), "StepLR").schedule.phases[0].steps == 1000
    epochs = Schedule(interval="epoch")
    assert edits.insert_scheduler(epochs, "StepLR").schedule.phases[0].steps == 100
    assert [edits.nice_steps(n) for n in (0, 1, 3, 7, 12, 18, 30, 240, 2600, 7000, 90_000)] \
        == [1, 1, 5, 10, 10, 20, 25, 200, 2500, 10_000, 100_000]
    assert edits.default_steps(DESIGN) == edits.nice_steps(10_000 / 4)


def test_delete_phase_selects_its_neighbour():
    assert edits.delete_phase(DESIGN, 1) == Edit("Delete CosineAnnealingLR",
                                                 DESIGN.remove_phase(1), None, 1)
    assert edits.delete_phase(DESIGN, 2).select == 1
    only = Schedule((WARMUP,))
    assert edits.delete_phase(only, 0).select == -1 and edits.delete_phase(only, 0).schedule \
        == Schedule()
    assert edits.delete_phase(DESIGN, 3) is None and edits.delete_phase(DESIGN, -1) is None


def test_duplicate_phase_selects_the_copy():
    edit = edits.duplicate_phase(DESIGN, 0)
    assert edit == Edit("Duplicate LinearLR", DESIGN.insert_phase(1, WARMUP), None, 1)
    assert edits.duplicate_phase(DESIGN, -1) is None and edits.duplicate_phase(DESIGN, 3) is None


def test_move_phase():
    assert edits.move_phase(DESIGN, 2, 0) == Edit("Move StepLR", DESIGN.move_phase(2, 0),
                                                  None, 0)
    assert edits.move_phase(DESIGN, 1, 1) is None


def test_resize_phase_merges_only_when_typed():
    dragged = edits.resize_phase(DESIGN, 1, 4000)
    assert dragged == Edit("Resize CosineAnnealingLR", DESIGN.resize_phase(1, 4000), None, 1)
    typed = edits.resize_phase(DESIGN, 1, 4000, merge=True)
    assert typed.merge_key == ("steps", 1) and typed.schedule == dragged.schedule
    assert edits.resize_phase(DESIGN, 0, 0).schedule.phases[0].steps == 1
    assert edits.resize_phase(DESIGN, 0, 12.7).schedule.phases[0].steps == 12


def test_split_phase_selects_the_second_half():
    edit = edits.split_phase(DESIGN, 2, 1000)
    assert edit == Edit("Split StepLR", DESIGN.split_phase(2, 1000), None, 3)
    assert [p.steps for p in edit.schedule.phases[2:]] == [1000, 2000]
    assert edits.split_phase(DESIGN, 2, 0) is None and edits.split_phase(DESIGN, 2, 3000) is None


def test_set_start_labels_each_mode_and_merges_a_typed_lr():
    assert edits.set_start(DESIGN, 1, RESTART) == Edit(
        "Restart CosineAnnealingLR", DESIGN.set_start(1, RESTART))
    assert edits.set_start(DESIGN, 0, CONTINUE).label == "Continue LinearLR"
    typed = edits.set_start(DESIGN, 2, 0.002)
    assert typed == Edit("Set start lr of StepLR", DESIGN.set_start(2, 0.002), ("start", 2))


def test_set_param_says_fit_for_the_fitted_duration():
    edit = edits.set_param(DESIGN, 2, "gamma", 0.5)
    assert edit == Edit("Set StepLR gamma", DESIGN.set_param(2, "gamma", 0.5),
                        ("param", 2, "gamma"))
    assert edit.schedule.phases[2].params == {"step_size": 1000, "gamma": 0.5}
    fitted = edits.set_param(DESIGN.set_param(1, "T_max", 500), 1, "T_max", None)
    assert fitted.label == "Fit CosineAnnealingLR T_max"
    assert "T_max" not in fitted.schedule.phases[1].params
    assert edits.set_param(DESIGN, 1, "eta_min", None).label == "Set CosineAnnealingLR eta_min"
    # A combo box or a check box is one step per change: no merge key.
    assert edits.set_param(DESIGN, 1, "eta_min", 0.0, merge=False).merge_key is None


# The design's settings ------------------------------------------------------------------------

def test_change_optimizer_keeps_the_lr_and_what_the_new_class_takes():
    edit = edits.change_optimizer(DESIGN, "Adam")
    assert edit.label == "Change optimizer to Adam" and edit.merge_key is None
    assert edit.schedule.optimizer == OptimizerConfig("Adam", 3e-4, {"betas": (0.9, 0.95)})
    assert edit.schedule.phases == DESIGN.phases
    sgd = edits.change_optimizer(DESIGN, "SGD").schedule.optimizer
    assert sgd == OptimizerConfig("SGD", 3e-4, {})  # SGD takes no betas
    rms = Schedule(optimizer=OptimizerConfig("RMSprop", 0.01, {"alpha": 0.9, "momentum": 0.9,
                                                               "centered": True}))
    assert edits.change_optimizer(rms, "SGD").schedule.optimizer == OptimizerConfig(
        "SGD", 0.01, {"momentum": 0.9})
    assert edits.change_optimizer(DESIGN, "AdamW") is None
    assert edits.change_optimizer(DESIGN, "Lion") is None


def test_optimizer_lr_and_keywords_merge_while_typed():
    assert edits.set_optimizer_lr(DESIGN, 0.001) == Edit(
        "Set optimizer lr", DESIGN.with_optimizer(OptimizerConfig(
            "AdamW", 0.001, {"betas": (0.9, 0.95)})), ("optimizer", "lr"))
    edit = edits.set_optimizer_param(DESIGN, "weight_decay", 0.05)
    assert edit.label == "Set AdamW weight_decay" and edit.merge_key == ("optimizer",
                                                                         "weight_decay")
    # Catalog order (betas, eps, weight_decay, ...), whatever order they were set in.
    assert list(edit.schedule.optimizer.params) == ["betas", "weight_decay"]
    cleared = edits.set_optimizer_param(edit.schedule, "betas", None, merge=False)
    assert cleared.schedule.optimizer.params == {"weight_decay": 0.05}
    assert cleared.merge_key is None
    assert edits.set_optimizer_param(DESIGN, "momentum", 0.9) is None  # not an AdamW keyword


def test_interval_steps_per_epoch_and_name():
    assert edits.set_interval(DESIGN, "epoch") == Edit(
        "Set interval to epoch", DESIGN.with_settings(interval="epoch"))
    assert edits.set_steps_per_epoch(DESIGN, 250) == Edit(
        "Set steps per epoch", DESIGN.with_settings(steps_per_epoch=250),
        ("settings", "steps_per_epoch"))
    assert edits.set_steps_per_epoch(DESIGN, 0).schedule.steps_per_epoch is None
    assert edits.rename_schedule(DESIGN, "wsd").schedule.name == "wsd"


def test_an_advice_fix_is_applied_under_its_own_label():
    fixed = DESIGN.set_param(1, "T_max", None)
    assert edits.apply_fix(fixed, "Fit T_max to the phase") == Edit("Fit T_max to the phase",
                                                                   fixed)


# Compare pins ---------------------------------------------------------------------------------

def test_pin_unpin_and_unpin_all():
    pinned = edits.pin(DESIGN, "A")
    assert pinned == Edit("Pin A", DESIGN.with_pin("A", DESIGN))
    both = edits.pin(pinned.schedule.resize_phase(0, 10), "B").schedule
    assert [p.name for p in both.pinned] == ["A", "B"]
    assert both.pinned[1].schedule.phases[0].steps == 10
    assert edits.unpin(both, 0) == Edit("Unpin A", both.without_pin(0))
    cleared = edits.unpin_all(both)
    assert cleared.label == "Unpin all" and cleared.schedule.pinned == ()
    assert cleared.schedule.phases == both.phases
    assert edits.unpin_all(DESIGN) is None


# Param groups --------------------------------------------------------------------------------

def test_the_first_add_makes_two_groups_then_one_at_a_time():
    first = edits.add_param_group(DESIGN)
    assert first == Edit("Add param groups", DESIGN.with_param_groups(edits.FIRST_GROUPS))
    assert [g.name for g in first.schedule.param_groups] == ["backbone", "head"]
    third = edits.add_param_group(first.schedule)
    assert third.label == "Add param group group3"
    assert third.schedule.param_groups[2] == ParamGroup("group3", lr_scale=1.0)
    taken = first.schedule.with_param_groups((ParamGroup("group3", lr_scale=1.0),
                                              ParamGroup("x", lr_scale=2.0)))
    assert edits.add_param_group(taken).schedule.param_groups[2].name == "group4"
    full = DESIGN.with_param_groups(tuple(ParamGroup(f"g{i}", lr_scale=1.0)
                                          for i in range(MAX_GROUPS)))
    assert edits.add_param_group(full) is None


def test_remove_and_move_groups_carry_the_per_group_values():
    removed = edits.remove_param_group(GROUPED, 0)
    assert removed.label == "Remove param group backbone"
    assert removed.schedule.param_groups == (GROUPS[1],)
    assert removed.schedule.phases[0].params["max_lr"] == 0.5
    assert edits.remove_param_group(GROUPED, 2) is None
    moved = edits.move_param_group(GROUPED, 1, 0)
    assert moved.label == "Move param group head up"
    assert moved.schedule.param_groups == (GROUPS[1], GROUPS[0])
    assert moved.schedule.phases[0].params["max_lr"] == (0.5, 0.1)
    assert edits.move_param_group(GROUPED, 0, 1).label == "Move param group backbone down"
    assert edits.move_param_group(GROUPED, 0, 0) is None
    assert edits.move_param_group(GROUPED, 0, 2) is None


def test_rename_and_lr_of_a_group_merge_while_typed():
    renamed = edits.rename_param_group(GROUPED, 1, "classifier")
    assert renamed.label == "Rename param group"
    assert renamed.merge_key == ("param group", 1, "name")
    assert renamed.schedule.group_names() == ("backbone", "classifier")
    assert renamed.schedule.phases[0].params["max_lr"] == (0.1, 0.5)
    scaled = edits.set_param_group_lr(GROUPED, 0, 2.0)  # backbone's lr is a multiple
    assert scaled == Edit("Set backbone lr", GROUPED.with_param_groups(
        (ParamGroup("backbone", lr_scale=2.0), GROUPS[1])), ("param group", 0, "lr"))
    absolute = edits.set_param_group_lr(GROUPED, 1, 0.004)
    assert absolute.schedule.param_groups[1] == ParamGroup("head", lr=0.004)


def test_switching_a_group_between_scaled_and_absolute_keeps_its_lr():
    absolute = edits.set_param_group_scaled(GROUPED, 0, False)
    assert absolute.label == "Give backbone an absolute lr" and absolute.merge_key is None
    assert absolute.schedule.param_groups[0] == ParamGroup("backbone", lr=0.01)
    scaled = edits.set_param_group_scaled(GROUPED, 1, True)
    assert scaled.label == "Scale head lr with the optimizer lr"
    # 0.003 / 0.01 is 0.30000000000000004 in floats; the group keeps what a person reads.
    assert scaled.schedule.param_groups[1] == ParamGroup("head", lr_scale=0.3)
    assert edits.set_param_group_scaled(GROUPED, 0, True) is None
    assert edits.set_param_group_scaled(GROUPED, 1, False) is None


# Fixes from a training run's diagnosis ---------------------------------------------------------


def test_fit_to_run_interval_switches_the_designs_stepping():
    per_epoch = edits.fit_to_run(DESIGN, {"kind": "interval", "steps_per_epoch": 50})
    assert per_epoch.schedule.interval == "epoch" and per_epoch.schedule.steps_per_epoch == 50
    assert per_epoch.schedule.phases == DESIGN.phases
    assert per_epoch.label == "Step per epoch of 50 batches, as the run"
    epoch_design = per_epoch.schedule
    # An epoch design told the wrong epoch length gets the run's.
    other = edits.fit_to_run(epoch_design, {"kind": "interval", "steps_per_epoch": 20})
    assert (other.schedule.interval, other.schedule.steps_per_epoch) == ("epoch", 20)
    # An epoch design whose run steps every batch of its epochs: the design steps per batch.
    batches = edits.fit_to_run(epoch_design, {"kind": "interval", "steps_per_epoch": 50})
    assert (batches.schedule.interval, batches.schedule.steps_per_epoch) == ("step", 50)


def test_fit_to_run_scale_multiplies_the_first_groups_base_lr():
    scaled = edits.fit_to_run(DESIGN, {"kind": "scale", "factor": 8.0})
    assert scaled.schedule.optimizer.lr == 2.4e-3 and scaled.schedule.phases == DESIGN.phases
    assert scaled.label == "Scale the base lr by 8, as the run"
    # A first group with a scale follows the optimizer's lr; one with its own lr is scaled.
    grouped = edits.fit_to_run(GROUPED, {"kind": "scale", "factor": 0.5})
    assert grouped.schedule.optimizer.lr == 0.005 and grouped.schedule.param_groups == GROUPS
    absolute = GROUPED.with_param_groups(tuple(reversed(GROUPS)))
    fixed = edits.fit_to_run(absolute, {"kind": "scale", "factor": 0.5})
    assert fixed.schedule.param_groups[0].lr == 0.0015
    assert fixed.schedule.optimizer.lr == 0.01 and fixed.schedule.param_groups[1] == GROUPS[0]


@pytest.mark.parametrize("diagnosis", [None, {"kind": "offset", "steps": 1},
                                       {"kind": "stretch", "factor": 4.0},
                                       {"kind": "restart", "step": 25}, {"kind": "unknown"}])
def test_fit_to_run_leaves_the_loops_mistakes_to_the_loop(diagnosis):
    assert edits.fit_to_run(DESIGN, diagnosis) is None


def test_runs_are_added_and_removed_by_reference():
    added = edits.add_run(DESIGN, "/logs/run-7/", "train/lr")
    assert added.label == "Open run run-7"
    assert [(r.path, r.tag) for r in added.schedule.runs] == [("/logs/run-7/", "train/lr")]
    assert edits.add_run(added.schedule, "/logs/run-7/", "train/lr") is None  # already there
    both = edits.add_run(added.schedule, "C:\\logs\\metrics.csv").schedule
    assert [r.tag for r in both.runs] == ["train/lr", None]
    removed = edits.remove_run(both, 0)
    assert removed.label == "Remove run run-7"
    assert [r.path for r in removed.schedule.runs] == ["C:\\logs\\metrics.csv"]
    assert edits.remove_all_runs(both).schedule == DESIGN
    assert edits.remove_all_runs(DESIGN) is None
    # A pin of a design keeps none of its runs.
    assert edits.pin(both, "v1").schedule.pinned[0].schedule.runs == ()


# Training setup and proportional lengths --------------------------------------------------

def _sized_design():
    from designer.core.schedule.fileformat import load_schedule

    return load_schedule(
        '{"format": "lr-schedule-designer", "version": 4, "optimizer": {"name": "SGD", "lr": 0.1},'
        ' "training": {"examples": 50000, "batch_size": 32, "devices": 4, "accumulation": 3,'
        ' "epochs": 3}, "phases": [{"scheduler": "LinearLR", "steps": {"fraction": 0.1}},'
        ' {"scheduler": "ConstantLR", "steps": 25}, {"scheduler": "CosineAnnealingLR",'
        ' "steps": "rest"}, {"scheduler": "ConstantLR", "steps": {"fraction": 0.2}}]}')


def test_stretch_keeps_every_fraction_and_fixed_phases():
    from designer.core.schedule.checks import check_design
    from designer.core.schedule.lengths import FRACTION, REST
    from designer.core.schedule.model import ScheduleError

    design = _sized_design()
    assert [phase.steps for phase in design.phases] == [39, 25, 250, 79]
    for total in (1000, 777, 12345, 200):
        edit = edits.stretch_to(design, total)
        assert edit.label == f"Stretch to {total:,} steps"
        stretched = edit.schedule
        assert stretched.total_steps == total
        assert [p.length.kind if p.length else None for p in stretched.phases] == [
            FRACTION, None, REST, FRACTION]
        assert stretched.phases[0].length.value == 0.1 and stretched.phases[1].steps == 25
        assert stretched.phases[0].steps == max(1, int(total * 0.1 + 0.5))
    assert edits.stretch_to(replace(design, training=None, phases=()), 100) is None
    # Too short for the fixed phase: the rest keeps a step, which the checks report.
    squeezed = edits.stretch_to(design, 7).schedule
    with pytest.raises(ScheduleError, match=r'^phases\[2\]\.steps: the other phases take'):
        check_design(squeezed)


def test_changing_the_setup_resizes_the_design_in_one_undoable_edit():
    from designer.core.schedule.training import TrainingSetup

    design = _sized_design()
    edit = edits.set_training(design, TrainingSetup(50000, 32, 4, 3, 6))
    assert edit.merge_key == ("settings", "training")
    assert [phase.steps for phase in edit.schedule.phases] == [79, 25, 525, 157]
    again = edits.set_training(edit.schedule, TrainingSetup(50000, 64, 4, 3, 6))
    assert again.merge_key == edit.merge_key  # typing in the fields merges into one step
    # Dropping the setup keeps every phase's steps, as fixed lengths.
    dropped = edits.set_training(design, None).schedule
    assert dropped.training is None
    assert [(p.steps, p.length) for p in dropped.phases] == [
        (39, None), (25, None), (250, None), (79, None)]
