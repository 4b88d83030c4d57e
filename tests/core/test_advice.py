"""Design advice: the warnings a user would otherwise learn the hard way."""

from designer.core.curves.engine import compute_curve
from designer.core.export.advice import design_advice
from designer.core.schedule.fileformat import load_schedule_file
from designer.core.schedule.model import CONTINUE, OptimizerConfig, Phase, Schedule


def advice_for(schedule):
    return design_advice(schedule, compute_curve(schedule))


def test_restart_after_decay_warns_and_offers_continue():
    schedule = load_schedule_file("designer/examples/step-exponential.json").set_start(1, "restart")
    [item] = advice_for(schedule)
    assert item.phase == 1 and "jumps from 0.0125 to 0.1" in item.message
    assert item.fix == schedule.set_start(1, CONTINUE) and item.fix_label == "Continue instead"
    assert advice_for(item.fix) == []


def test_warmup_then_cosine_restart_is_not_a_jump():
    assert advice_for(load_schedule_file("designer/examples/warmup-cosine.json")) == []


def test_cosine_longer_than_t_max_climbs_again():
    schedule = Schedule((Phase("CosineAnnealingLR", 100, {"T_max": 60}),))
    [item] = advice_for(schedule)
    assert "climbs back up" in item.message and item.fix.phases[0].is_fitted()


def test_one_cycle_among_phases_and_momentum_without_momentum():
    schedule = Schedule((Phase("LinearLR", 10), Phase("OneCycleLR", 50, {"max_lr": 0.5})),
                        OptimizerConfig("SGD", 0.1))
    messages = [a.message for a in advice_for(schedule)]
    assert any("corrupts neighbouring phases" in m for m in messages)
    assert any("momentum 0" in m for m in messages)
    adagrad = schedule.with_optimizer(OptimizerConfig("Adagrad", 0.1))
    item = next(a for a in design_advice(adagrad) if "neither momentum nor betas" in a.message)
    assert item.fix.phases[1].params["cycle_momentum"] is False
    compute_curve(item.fix)  # the fix is a design torch accepts


def test_milestones_and_step_size_past_the_phase():
    schedule = Schedule((Phase("MultiStepLR", 50, {"milestones": (30, 60, 90)}),
                         Phase("StepLR", 20, {"step_size": 30})))
    messages = [a.message for a in advice_for(schedule)]
    assert any("60, 90 lie past" in m for m in messages)
    assert any("never decays" in m for m in messages)


def test_plateau_that_cannot_or_does_not_reduce_says_so():
    short = Schedule((Phase("ReduceLROnPlateau", 40, {"metric": "1", "eval_every": 4}),),
                     OptimizerConfig("SGD", 0.1))
    messages = [a.message for a in design_advice(short, compute_curve(short))]
    assert messages == [("Phase 1 (ReduceLROnPlateau) evaluates the metric 10 times (every 4 "
                         "steps), never more than its patience of 10: it cannot reduce the lr.")]
    improving = Schedule((Phase("ReduceLROnPlateau", 60, {"metric": "100 - step",
                                                         "patience": 2}),),
                         OptimizerConfig("SGD", 0.1))
    [advice] = design_advice(improving, compute_curve(improving))
    assert "never stalls for more than 2 evaluations" in advice.message
    flat = improving.set_param(0, "metric", "1")
    assert design_advice(flat, compute_curve(flat)) == []


def test_a_first_phase_that_continues_is_advised_to_restart():
    schedule = Schedule((Phase("StepLR", 10, {"step_size": 3}, start=CONTINUE),))
    [item] = advice_for(schedule)
    assert item.phase == 0 and "starts from the base lr" in item.message
    assert item.fix.phases[0].start == "restart" and item.fix_label == "Use restart"
    assert compute_curve(item.fix).tolist() == compute_curve(schedule).tolist()
    assert advice_for(item.fix) == []
