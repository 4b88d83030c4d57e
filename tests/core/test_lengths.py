"""Proportional phase lengths: resolved against the training setup, saved as given, kept by
the model's edits (resize, split) and refused with the field named when they cannot count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.core.curves.engine import compute_curve
from designer.core.export.formats import export_chunks
from designer.core.schedule import edits
from designer.core.schedule.checks import check_design
from designer.core.schedule.fileformat import dump_schedule, load_schedule
from designer.core.schedule.lengths import EPOCHS, FRACTION, REST, Length
from designer.core.schedule.model import ScheduleError, new_phase
from designer.core.schedule.training import TrainingSetup, count_steps

V4 = Path(__file__).parent.parent / "data" / "v4"
# 12500 examples per device -> 391 batches -> 131 optimizer steps per epoch -> 393 in total
SETUP = {"examples": 50000, "batch_size": 32, "devices": 4, "accumulation": 3, "epochs": 3}


def _doc(phase_steps, training=SETUP, interval="step"):
    document = {"format": "lr-schedule-designer", "version": 4,
                "optimizer": {"name": "SGD", "lr": 0.1}, "interval": interval,
                "phases": [{"scheduler": "ConstantLR", "steps": steps,
                            "params": {"factor": 1.0}} for steps in phase_steps]}
    if training is not None:
        document["training"] = training
    return json.dumps(document)


def test_fractions_round_to_nearest_and_rest_absorbs_the_rounding():
    counted = count_steps(TrainingSetup(**SETUP))
    assert (counted.steps_per_epoch, counted.total_steps) == (131, 393)
    schedule = load_schedule(_doc([{"fraction": 0.03}, 50, {"epochs": 1.5}, "rest",
                                   {"fraction": 0.125}]))
    # 0.03 * 393 = 11.79 -> 12; 1.5 * 131 = 196.5 -> 197; 0.125 * 393 = 49.125 -> 49
    assert [phase.steps for phase in schedule.phases] == [12, 50, 197, 85, 49]
    assert schedule.total_steps == 393
    assert [phase.length for phase in schedule.phases] == [
        Length(FRACTION, 0.03), None, Length(EPOCHS, 1.5), Length(REST), Length(FRACTION, 0.125)]


def test_epoch_interval_counts_in_epochs():
    schedule = load_schedule(_doc([{"fraction": 0.5}, "rest"], interval="epoch",
                                  training={**SETUP, "epochs": 9}))
    assert [phase.steps for phase in schedule.phases] == [5, 4]  # 4.5 rounds half up


def test_file_keeps_the_lengths_as_given_and_curves_use_the_resolved_steps():
    text = _doc([{"fraction": 0.03}, "rest"])
    schedule = load_schedule(text)
    saved = json.loads(dump_schedule(schedule))
    assert saved["version"] == 4
    assert saved["training"] == SETUP
    assert [phase["steps"] for phase in saved["phases"]] == [{"fraction": 0.03}, "rest"]
    exported = json.loads("".join(export_chunks(schedule, "json", summary=True)))
    assert exported["phases"][0]["steps"] == {"fraction": 0.03}
    assert exported["version"] == 4
    assert len(compute_curve(schedule)) == 393
    csv_rows = "".join(export_chunks(schedule, "csv")).strip().splitlines()
    assert len(csv_rows) == 1 + 393
    assert load_schedule(dump_schedule(schedule)) == schedule


def test_a_design_without_lengths_or_setup_still_saves_an_older_version():
    schedule = load_schedule(_doc([10, 20], training=None))
    assert json.loads(dump_schedule(schedule))["version"] == 1


@pytest.mark.parametrize(("steps", "training", "message"), [
    ([10, {"fraction": 0.5}], None, "phases[1].steps: 50% of total needs a training setup"),
    (["rest"], None, 'phases[0].steps: rest needs a training setup'),
    (["rest", 5, "rest"], SETUP, 'phases[2].steps: only one phase can be "rest" (phases[0]'),
    ([{"fraction": 1.5}], SETUP, "phases[0].steps: a fraction must be > 0 and <= 1, got 1.5"),
    ([{"fraction": 0}], SETUP, "phases[0].steps: a fraction must be > 0 and <= 1, got 0"),
    ([{"epochs": -1}], SETUP, "phases[0].steps: epochs must be a number > 0, got -1"),
    ([{"epochs": True}], SETUP, "phases[0].steps: epochs must be a number > 0"),
    ([{"steps": 3}], SETUP, 'phases[0].steps: must be a positive integer, {"fraction": x}'),
    ([2.5], SETUP, "phases[0].steps: must be a positive integer"),
    ([{"fraction": 0.9}, 100, "rest"], SETUP, ('phases[2].steps: the other phases take 454 of '
     'the 393 steps, leaving nothing for "rest"')),
    ([10], {**SETUP, "epochs": "3"}, "training.epochs: must be a number > 0, got '3'"),
    ([10], {**SETUP, "examples": 10**12}, None),
    ([{"fraction": 0.1}], {**SETUP, "examples": 10**12},
     "training: implies 7,812,500,001 steps; the limit is 10,000,000"),
    ([10], [1], "training: must be an object, got list"),
])
def test_bad_lengths_name_the_field(steps, training, message):
    text = _doc(steps, training=training)
    if message is None:
        assert load_schedule(text).training.examples == 10**12  # a fixed design is not counted
        return
    with pytest.raises(ScheduleError) as caught:
        load_schedule(text)
    assert str(caught.value).startswith(message), str(caught.value)


def test_resize_keeps_the_kind_of_length():
    schedule = load_schedule(_doc([{"fraction": 0.03}, {"epochs": 1}, "rest", 7]))
    resized = edits.resize_phase(schedule, 0, 40).schedule
    assert resized.phases[0].length == Length(FRACTION, 40 / 393)
    assert resized.phases[0].steps == 40 and resized.total_steps == 393
    again = load_schedule(dump_schedule(resized))
    assert again.phases[0].steps == 40 and again.phases[0].length.kind == FRACTION
    resized = edits.resize_phase(resized, 1, 262).schedule
    assert resized.phases[1].length == Length(EPOCHS, 2.0)
    # Growing past what the rest leaves stops at one step of rest.
    squeezed = edits.resize_phase(schedule, 0, 10_000).schedule
    assert squeezed.phases[2].steps == 1 and squeezed.total_steps == 393
    # The rest phase keeps what the others leave; a fixed phase stays fixed.
    assert edits.resize_phase(schedule, 2, 5).schedule == schedule
    assert edits.resize_phase(schedule, 3, 9).schedule.phases[3].length is None


def test_split_keeps_fractions_and_the_rest():
    schedule = load_schedule(_doc([{"fraction": 0.5}, "rest"]))
    split = edits.split_phase(schedule, 0, 100).schedule
    assert [phase.length.kind for phase in split.phases] == [FRACTION, FRACTION, REST]
    assert [phase.steps for phase in split.phases] == [100, 97, 196]
    split_rest = edits.split_phase(schedule, 1, 50).schedule
    assert [phase.length for phase in split_rest.phases][1:] == [None, Length(REST)]
    assert [phase.steps for phase in split_rest.phases] == [197, 50, 146]


def test_inserting_into_a_full_design_squeezes_the_rest_which_checks_report():
    schedule = load_schedule(_doc([{"fraction": 0.5}, "rest"]))
    crowded = schedule.insert_phase(0, new_phase("ConstantLR", 300))
    assert crowded.phases[2].steps == 1  # an edited design never fails to build
    with pytest.raises(ScheduleError, match=r'^phases\[2\]\.steps: the other phases take 497'):
        check_design(crowded)


def test_interval_change_counts_the_lengths_in_the_new_unit():
    schedule = load_schedule(_doc([{"epochs": 1}, "rest"], training={**SETUP, "epochs": 1.5}))
    assert [phase.steps for phase in schedule.phases] == [131, 66]
    by_epoch = edits.set_interval(schedule, "epoch").schedule
    assert [phase.steps for phase in by_epoch.phases] == [1, 1]
    assert by_epoch.phases[0].length == Length(EPOCHS, 1.0)
    one_epoch = by_epoch.with_settings(training=TrainingSetup(**{**SETUP, "epochs": 1}))
    assert [phase.steps for phase in one_epoch.phases] == [1, 1]
    with pytest.raises(ScheduleError, match=r'^phases\[1\]\.steps: the other phases take 1 of '):
        check_design(one_epoch)


@pytest.mark.parametrize("name", ["training-warmup-ratio-rest.json", "training-wsd-epochs.json"])
def test_samples_resolve_as_counted(name):
    schedule = load_schedule((V4 / name).read_bytes())
    assert schedule.total_steps == count_steps(schedule.training).total_steps


def test_cache_keys_follow_the_resolved_steps_not_the_fraction():
    from designer.core.curves.phase_curve import phase_key

    short = load_schedule(_doc([{"fraction": 0.5}, "rest"]))
    long = load_schedule(_doc([{"fraction": 0.5}, "rest"], training={**SETUP, "epochs": 6}))
    keys = [phase_key(design.phases[0], design.optimizer, (0.1,), False)
            for design in (short, long)]
    assert keys[0] != keys[1]
    assert len(compute_curve(long)) == 2 * len(compute_curve(short))


def test_edited_designs_always_build_and_the_checks_name_what_is_wrong():
    from dataclasses import replace

    schedule = load_schedule(_doc([{"fraction": 0.5}, "rest"]))
    duplicated = edits.duplicate_phase(schedule, 1).schedule
    assert [phase.length for phase in duplicated.phases][1:] == [Length(REST), None]
    assert [phase.steps for phase in duplicated.phases] == [197, 1, 196]  # the rest squeezed
    with pytest.raises(ScheduleError, match=r'^phases\[1\]\.steps: the other phases take 393'):
        check_design(duplicated)
    two_rests = schedule.insert_phase(2, schedule.phases[1])
    assert [phase.steps for phase in two_rests.phases] == [197, 195, 1]
    with pytest.raises(ScheduleError, match=r'^phases\[2\]\.steps: only one phase can be "rest"'):
        check_design(two_rests)
    no_setup = replace(schedule, training=None)
    assert [phase.steps for phase in no_setup.phases] == [197, 196]
    with pytest.raises(ScheduleError, match=r"^phases\[0\]\.steps: 50% of total needs a training"):
        check_design(no_setup)
