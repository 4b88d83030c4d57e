"""Format versions: every stored sample of every version loads and round-trips through the
migration chain, and the chain itself runs in order and hands its result to the validator."""

from __future__ import annotations

import copy
import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.core.schedule import json_document, migrations
from designer.core.schedule.fileformat import dump_schedule, load_schedule
from designer.core.schedule.json_document import FORMAT_VERSION
from designer.core.schedule.migrations import MIGRATIONS, migrate
from designer.core.schedule.model import OptimizerConfig, Phase, Schedule, ScheduleError

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLES = sorted(DATA.glob("v*/*.json"))


def _version_of(path: Path) -> int:
    return int(re.fullmatch(r"v(\d+)", path.parent.name).group(1))


def test_there_are_samples_for_every_version_and_migrations_for_every_older_one():
    versions = {_version_of(path) for path in SAMPLES}
    assert versions == set(range(1, FORMAT_VERSION + 1))
    for version in range(1, FORMAT_VERSION):
        assert version in MIGRATIONS, f"no migration from format version {version}"
    assert all(version < FORMAT_VERSION for version in MIGRATIONS)
    # Every example users can open is stored as a sample of the current version.
    stored = {path.name for path in DATA.glob(f"v{FORMAT_VERSION}/*.json")}
    examples = {path.name for path in (DATA.parent.parent / "designer" / "examples").glob("*.json")}
    assert examples <= stored


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stored_sample_loads_and_round_trips(path):
    raw = path.read_bytes()
    assert json.loads(raw.decode("utf-8-sig"))["version"] == _version_of(path)
    schedule = load_schedule(raw)
    text = dump_schedule(schedule)
    # Saving writes the lowest version that holds the design: 5 only with chained phases or
    # a logged metric, 4 only with runs, a training
    # setup or proportional lengths, 3 only with param groups, 2 only with pinned variants.
    proportional = schedule.training is not None or any(p.length for p in schedule.phases)
    chained = any(design.has_chained() or any("metric_run" in p.params for p in design.phases)
                  for design in (schedule, *(pin.schedule for pin in schedule.pinned)))
    expected = (5 if chained else 4 if schedule.runs or proportional else 3 if schedule.param_groups
                else 2 if schedule.pinned else 1)
    assert json.loads(text)["version"] == expected
    again = load_schedule(text)
    assert again == schedule
    assert dump_schedule(again) == text


def test_documents_the_chain_does_not_apply_to_come_back_untouched():
    current = json.loads((DATA / f"v{FORMAT_VERSION}" / "every-scheduler.json").read_text())
    for document in (current, {**current, "version": FORMAT_VERSION + 5},
                     {**current, "format": "other"}, {**current, "version": "1"},
                     {**current, "version": 0}, {**current, "version": True}, [], None, "x"):
        assert migrate(document) is document


# A fake history: version 0 called phases "blocks" and spelled the optimizer's lr
# "learning_rate"; version 1 (here: the one before the patched current version 2) wrote
# the interval in capitals. Each migration records what it saw.

V0 = {
    "format": "lr-schedule-designer", "version": 0,
    "optimizer": {"name": "SGD", "learning_rate": 0.1},
    "interval": "STEP",
    "blocks": [{"scheduler": "StepLR", "steps": 20, "params": {"step_size": 5, "gamma": 0.5}}],
}
EXPECTED = Schedule((Phase("StepLR", 20, {"step_size": 5, "gamma": 0.5}),),
                    OptimizerConfig("SGD", 0.1, {}), "step")


@pytest.fixture
def fake_history(monkeypatch):
    calls = []

    def v0_to_v1(document):
        calls.append((0, document["version"]))
        document["phases"] = document.pop("blocks")
        optimizer = document["optimizer"]
        optimizer["lr"] = optimizer.pop("learning_rate")
        return document

    def v1_to_v2(document):
        calls.append((1, document["version"]))
        # Written for what v0_to_v1 produces: fails if the chain ran out of order.
        assert "blocks" not in document and "lr" in document["optimizer"]
        return {**document, "interval": document["interval"].lower()}

    monkeypatch.setattr(json_document, "FORMAT_VERSION", 2)
    monkeypatch.setattr(migrations, "MIGRATIONS", {0: v0_to_v1, 1: v1_to_v2})
    return calls


def test_the_chain_runs_in_order_and_its_result_is_validated(fake_history):
    original = copy.deepcopy(V0)
    assert load_schedule(json.dumps(V0)) == EXPECTED
    assert fake_history == [(0, 0), (1, 1)]
    assert V0 == original  # the caller's document is never modified
    upgraded = migrate(V0)
    assert upgraded["version"] == 2 and "blocks" not in upgraded

    fake_history.clear()
    v1 = {**migrations.MIGRATIONS[0](copy.deepcopy(V0)), "version": 1}
    fake_history.clear()
    assert load_schedule(json.dumps(v1)) == EXPECTED
    assert fake_history == [(1, 1)]  # a version 1 file only takes the last step

    fake_history.clear()
    pinned = EXPECTED.with_pin("variant", EXPECTED)  # pins need the current version
    text = dump_schedule(pinned)
    assert json.loads(text)["version"] == 2
    assert load_schedule(text) == pinned and fake_history == []  # current: no migration


def test_what_a_migration_produces_goes_through_the_validator(fake_history):
    bad = copy.deepcopy(V0)
    bad["blocks"][0]["params"]["gamma"] = -1
    with pytest.raises(ScheduleError) as info:
        load_schedule(json.dumps(bad))
    assert str(info.value) == "phases[0].params.gamma: must be a finite number > 0"
    # A duplicate key in an old file is still reported after the upgrade.
    text = json.dumps(V0).replace('"steps": 20', '"steps": 20, "steps": 20')
    with pytest.raises(ScheduleError) as info:
        load_schedule(text)
    assert info.value.field == "phases[0].steps" and "duplicate key" in info.value.message


@pytest.mark.parametrize("document", [
    {"format": "lr-schedule-designer", "version": 0},
    {"format": "lr-schedule-designer", "version": 0, "blocks": [], "optimizer": []},
    {"format": "lr-schedule-designer", "version": 0, "blocks": 3, "optimizer": {}},
])
def test_a_migration_that_breaks_on_a_hostile_file_raises_a_schedule_error(fake_history,
                                                                           document):
    with pytest.raises(ScheduleError) as info:
        load_schedule(json.dumps(document))
    assert "format version 0" in str(info.value) or info.value.field
    assert len(str(info.value).splitlines()) == 1


def test_a_gap_in_the_chain_is_reported(monkeypatch):
    monkeypatch.setattr(json_document, "FORMAT_VERSION", 3)
    monkeypatch.setattr(migrations, "MIGRATIONS", {1: lambda document: document})
    document = json.loads((DATA / "v1" / "step-exponential.json").read_text())
    with pytest.raises(ScheduleError) as info:
        load_schedule(json.dumps(document))
    assert info.value.field == "version"
    assert "no migration from version 2" in info.value.message


def test_a_migration_must_return_an_object(monkeypatch):
    monkeypatch.setattr(json_document, "FORMAT_VERSION", 2)
    monkeypatch.setattr(migrations, "MIGRATIONS", {1: lambda document: [document]})
    text = (DATA / "v1" / "step-exponential.json").read_text()
    with pytest.raises(ScheduleError, match="not a JSON object"):
        load_schedule(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["blocks", "optimizer", "learning_rate", "interval",
                                       "phases", "x"]), children, max_size=4),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["blocks", "optimizer", "interval", "name", "x"]),
                       json_values, max_size=5))
def test_hostile_old_files_raise_only_schedule_errors_quickly(document):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(json_document, "FORMAT_VERSION", 2)
        calls = []
        patch.setattr(migrations, "MIGRATIONS", {
            0: lambda d: (calls.append(0), d.update(phases=d.pop("blocks")), d)[2],
            1: lambda d: {**d, "interval": d["interval"].lower()},
        })
        document = {"format": "lr-schedule-designer", "version": 0, **document}
        started = time.perf_counter()
        try:
            load_schedule(json.dumps(document))
        except ScheduleError as error:
            assert len(str(error).splitlines()) <= 1
        assert time.perf_counter() - started < 1.0
