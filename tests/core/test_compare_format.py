"""Pinned variants (format version 2): saved with the design, validated like it, and a file
without pins stays a version 1 file."""

import json

import pytest

from designer.core.schedule.fileformat import dump_schedule, load_schedule, load_schedule_file
from designer.core.schedule.model import ScheduleError


def test_pins_round_trip_and_version_follows_need():
    base = load_schedule_file("designer/examples/step-exponential.json")
    assert json.loads(dump_schedule(base))["version"] == 1
    pinned = base.with_pin("restart", base.set_start(1, "restart"))
    text = dump_schedule(pinned)
    assert json.loads(text)["version"] == 2
    assert load_schedule(text) == pinned
    assert load_schedule(dump_schedule(pinned.without_pin(0))) == base


def test_a_pin_never_nests_pins_or_keeps_a_name():
    base = load_schedule_file("designer/examples/one-cycle.json")
    twice = base.with_pin("a", base.with_pin("inner", base))
    assert twice.pinned[0].schedule.pinned == () and twice.pinned[0].schedule.name == ""


@pytest.mark.parametrize(("compare", "field"), [
    ("x", "compare"),
    ([{"name": "", "design": {}}], "compare[0].name"),
    ([{"name": "a"}], "compare[0].design"),
    ([{"name": "a", "design": {"phases": [], "compare": []}}], "compare[0].design.compare"),
    ([{"name": "a", "design": {"optimizer": {"name": "SGD", "lr": -1}, "phases": []}}],
     "compare[0].design.optimizer.lr"),
    ([{"name": "a", "design": {"optimizer": {"name": "SGD", "lr": 0.1}, "phases": [
        {"scheduler": "StepLR", "steps": 5, "params": {"gamma": 0.5}}]}}],
     "compare[0].design.phases[0].params.step_size"),
])
def test_bad_pins_name_the_field(compare, field):
    base = load_schedule_file("designer/examples/step-exponential.json")
    document = json.loads(dump_schedule(base))
    document.update(version=2, compare=compare)
    with pytest.raises(ScheduleError) as info:
        load_schedule(json.dumps(document))
    assert info.value.field == field
