"""Schedule files: strict loading and normalized saving.

Format versions: 1 is the base format; 2 added "compare" (pinned variants); 3 added
"param_groups" (and per-group values such as OneCycleLR's max_lr as a list) and an optional
"summary" (the curve's facts, written by `export --to json --summary`; derived from the
design, so loading checks its shape and otherwise ignores it); 4 added "runs" (training runs
overlaid on the design: [{"path", "tag"}], read again when the design is opened), "training"
(the training setup, `designer.core.schedule.training`) and proportional phase lengths
(`"steps": {"fraction": x}`, `{"epochs": x}` or `"rest"`, `designer.core.schedule.lengths`);
5 added chained phases (`"scheduler": "ChainedScheduler"` with "members", several torch
schedulers stepped at once; `designer.core.schedule.file_phases`) and a plateau phase's
metric from a logged run (its params "metric_run", "metric_tag", "metric_steps"). A file
is saved with the lowest version that holds it, so designs that use none of these stay
readable by older versions.

Loading parses the JSON, upgrades files of older format versions through
`designer.core.schedule.migrations`, then validates the result as the current version.

Loading never raises anything but `ScheduleError`, whose message names the field
(``phases[1].params.gamma: must be a finite number > 0``), for any input bytes. Unknown keys
are errors because they are usually typos. Nothing in a file is executed: `lr_lambda`
expressions go through `designer.core.schedule.expressions`. A single value is checked by
its parameter kind (`kinds`), a phase, a param group and the design's base lrs by
`designer.core.schedule.checks`, which the window's editors and the importer call too.

`dump_schedule` writes the normalized file: keys in a fixed order, only the parameters the
user set, floats as `repr` so that every value round-trips exactly.
"""

from __future__ import annotations

import json
import math
from typing import Any

from designer.core.schedule import json_document, migrations, training
from designer.core.schedule.catalog import OPTIMIZERS
from designer.core.schedule.checks import (
    check_base_lrs,
    check_group,
    check_lengths,
    check_phase,
    did_you_mean,
    not_one_of,
    shown_value,
)
from designer.core.schedule.file_phases import (
    check_keys,
    expect_object,
    jsonable,
    phase_from_doc,
    phase_to_dict,
)
from designer.core.schedule.file_training import training_from_doc
from designer.core.schedule.json_document import FORMAT_NAME, key_path
from designer.core.schedule.kinds import NonFinite, check_number, check_value, is_int
from designer.core.schedule.model import (
    MAX_GROUPS,
    MAX_TOTAL_STEPS,
    OptimizerConfig,
    ParamGroup,
    PinnedDesign,
    RunReference,
    Schedule,
    ScheduleError,
)

MAX_PINS = 20
MAX_FILE_BYTES = 16 * 1024 * 1024

_TOP_KEYS = ("format", "version", "name", "optimizer", "param_groups", "interval",
             "steps_per_epoch", "training", "phases", "compare", "summary", "runs")
_PIN_KEYS = ("name", "design")
_DESIGN_KEYS = ("optimizer", "param_groups", "interval", "steps_per_epoch", "training",
                "phases")
_GROUP_KEYS = ("name", "lr", "lr_scale")
_OPTIMIZER_KEYS = ("name", "lr", "params")
INTERVALS = ("step", "epoch")


class _Object(dict):
    """A parsed JSON object that remembers its first duplicate key, so that the error can
    name the key's full path once validation reaches the object (the parser does not know
    where it is)."""

    duplicate: str | None = None


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = _Object()
    for key, value in pairs:
        if key in result and result.duplicate is None:
            result.duplicate = key
        result[key] = value
    return result


def load_schedule(data: str | bytes) -> Schedule:
    """Parse and validate a schedule file's contents."""
    if isinstance(data, (bytes, bytearray)):
        if len(data) > MAX_FILE_BYTES:
            raise ScheduleError("", f"file is too large ({len(data)} bytes) to be a schedule")
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ScheduleError("", "not a schedule file: the file is not UTF-8 text") from None
    if len(data) > MAX_FILE_BYTES:
        raise ScheduleError("", "file is too large to be a schedule")
    if not data.strip():
        raise ScheduleError("", "the file is empty; a schedule file is a JSON object")
    try:
        document = json.loads(data, object_pairs_hook=_pairs, parse_constant=NonFinite)
    except json.JSONDecodeError as exc:
        raise ScheduleError("", f"not valid JSON: {exc.msg} (line {exc.lineno}, "
                                f"column {exc.colno})") from None
    except RecursionError:
        raise ScheduleError("", "not valid JSON: nested too deeply") from None
    except MemoryError:
        raise ScheduleError("", "not valid JSON: too large to read") from None
    except ValueError:
        # Python refuses to convert integer literals of more than 4300 digits.
        raise ScheduleError("", "not valid JSON: a number has too many digits") from None
    return schedule_from_dict(migrations.migrate(document))


def load_schedule_file(path: str) -> Schedule:
    """Read and validate a schedule file; OS errors become a ScheduleError too."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScheduleError("", f"cannot read {path}: {exc.strerror or exc}") from None
    return load_schedule(data)


def schedule_from_dict(document: Any) -> Schedule:
    """Validate an already parsed JSON document of the current format version (older ones
    go through `migrations.migrate` first, as `load_schedule` does)."""
    expect_object(document, "", "the file must hold a JSON object")
    # Format and version come before the key check: a newer file's new keys are not typos.
    if document.get("format") != FORMAT_NAME:
        raise ScheduleError("format", f"must be {FORMAT_NAME!r} (is this a schedule file?)")
    version = document.get("version")
    if not is_int(version) or version < 1:
        raise ScheduleError("version", "must be a positive integer")
    if version > json_document.FORMAT_VERSION:
        raise ScheduleError("version", f"this file has format version {shown_value(version)}, "
                            "written by a newer LR Schedule Designer; this version reads up "
                            f"to {json_document.FORMAT_VERSION}")
    check_keys(document, _TOP_KEYS, "")
    name = document.get("name", "")
    if not isinstance(name, str):
        raise ScheduleError("name", "must be text")
    if not _encodable(name):
        # A lone surrogate (JSON "\ud800") cannot be saved or printed as UTF-8.
        raise ScheduleError("name", "must be valid Unicode text (it has a lone surrogate "
                            "escape such as \\ud800)")
    optimizer = _optimizer(document.get("optimizer"))
    interval = document.get("interval", "step")
    if interval not in INTERVALS:
        raise ScheduleError("interval", 'must be "step" or "epoch"')
    steps_per_epoch = document.get("steps_per_epoch")
    if steps_per_epoch is not None and (not is_int(steps_per_epoch) or steps_per_epoch < 1
                                        or steps_per_epoch > MAX_TOTAL_STEPS):
        raise ScheduleError("steps_per_epoch", "must be a positive integer")
    groups = _param_groups(document.get("param_groups", []))
    setup = training_from_doc(document.get("training"))
    phases_doc = document.get("phases")
    if not isinstance(phases_doc, list):
        raise ScheduleError("phases", "must be a list of phases")
    phases = [phase_from_doc(phase_doc, f"phases[{index}]") for index, phase_doc in enumerate(phases_doc)]
    pinned = _pinned(document.get("compare", []))
    _check_summary(document.get("summary", {}))
    schedule = Schedule(tuple(phases), optimizer, interval, steps_per_epoch, name, pinned,
                        groups, _runs(document.get("runs", [])),
                        training=setup)  # resolves proportional lengths into steps
    check_lengths(schedule)
    total = 0
    for index, phase in enumerate(schedule.phases):
        total += phase.steps
        if total > MAX_TOTAL_STEPS:
            raise ScheduleError(f"phases[{index}].steps", f"the schedule would have {total:,} "
                                f"steps; the limit is {MAX_TOTAL_STEPS:,}")
        check_phase(phase, f"phases[{index}]", max(1, len(groups)))
    check_base_lrs(schedule)
    return schedule


def _check_summary(doc: Any) -> None:
    """The optional "summary": facts about the curve, each a number or null (the peak of
    an empty design). Derived from the design, so nothing of it is kept."""
    expect_object(doc, "summary", "must be an object of the curve's facts")
    for key, value in doc.items():
        if value is not None and (isinstance(value, (bool, NonFinite)) or not isinstance(
                value, (int, float))):
            raise ScheduleError(key_path("summary", key), "must be a number or null")


def _runs(doc: Any) -> tuple[RunReference, ...]:
    """The optional "runs": training runs overlaid on the design, each a path and a tag."""
    if not isinstance(doc, list) or len(doc) > MAX_PINS:
        raise ScheduleError("runs", f"must be a list of at most {MAX_PINS} runs")
    for index, entry in enumerate(doc):
        expect_object(entry, f"runs[{index}]", "must be an object with path and tag")
        check_keys(entry, ("path", "tag"), f"runs[{index}]")
        tag = entry.get("tag")
        for key, value in (("path", entry.get("path")), ("tag", "" if tag is None else tag)):
            if not isinstance(value, str) or not _encodable(value) or "\0" in value or (
                    key == "path" and not value):
                raise ScheduleError(f"runs[{index}].{key}", "must be text" + (
                    " (the run's file or folder)" if key == "path" else ", or null"))
    return tuple(RunReference(e["path"], e.get("tag") or None) for e in doc)


def _param_groups(doc: Any) -> tuple[ParamGroup, ...]:
    """The optional "param_groups" list: named groups, each with an lr or an lr_scale."""
    if not isinstance(doc, list) or len(doc) > MAX_GROUPS:
        raise ScheduleError("param_groups", f"must be a list of at most {MAX_GROUPS} "
                            "param groups")
    groups: list[ParamGroup] = []
    for index, entry in enumerate(doc):
        path = f"param_groups[{index}]"
        expect_object(entry, path, "must be an object with a name and an lr or lr_scale")
        check_keys(entry, _GROUP_KEYS, path)
        groups.append(check_group(entry.get("name"), entry.get("lr"), entry.get("lr_scale"),
                                  path, [group.name for group in groups]))
    return tuple(groups)


def _pinned(doc: Any) -> tuple[PinnedDesign, ...]:
    """The "compare" list: named variants, each a design without name or pins of its own."""
    if not isinstance(doc, list) or len(doc) > MAX_PINS:
        raise ScheduleError("compare", f"must be a list of at most {MAX_PINS} pinned designs")
    pins = []
    for index, entry in enumerate(doc):
        path = f"compare[{index}]"
        expect_object(entry, path, "must be an object with name and design")
        check_keys(entry, _PIN_KEYS, path)
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip() or not _encodable(name):
            raise ScheduleError(f"{path}.name", "must be a non-empty name")
        design = entry.get("design")
        expect_object(design, f"{path}.design", "must be an object with optimizer and phases")
        check_keys(design, _DESIGN_KEYS, f"{path}.design")
        try:
            schedule = schedule_from_dict({"format": FORMAT_NAME,
                                           "version": json_document.FORMAT_VERSION,
                                           **design})
        except ScheduleError as exc:
            raise ScheduleError(f"{path}.design.{exc.field}".rstrip("."), exc.message) from None
        pins.append(PinnedDesign(name, schedule))
    return tuple(pins)


def _optimizer(doc: Any) -> OptimizerConfig:
    expect_object(doc, "optimizer", "must be an object with name and lr")
    check_keys(doc, _OPTIMIZER_KEYS, "optimizer")
    name = doc.get("name")
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise ScheduleError("optimizer.name",
                            not_one_of(name, "an optimizer the designer knows", OPTIMIZERS))
    lr = check_number(doc.get("lr"), "optimizer.lr", minimum=0.0, exclusive_min=True)
    params_doc = doc.get("params", {})
    expect_object(params_doc, "optimizer.params", "must be an object")
    spec = OPTIMIZERS[name]
    params = {}
    for key, value in params_doc.items():
        param = spec.param(key)
        path = key_path("optimizer.params", key)
        if param is None:
            known = ", ".join(p.name for p in spec.params)
            raise ScheduleError(path, f"not a parameter of {name} the designer supports "
                                f"(known: {known})" + did_you_mean(key, [p.name for p in
                                                                          spec.params]))
        params[key] = check_value(param, value, path)
    return OptimizerConfig(name, lr, params)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# Saving -----------------------------------------------------------------------------------

def schedule_to_dict(schedule: Schedule) -> dict[str, Any]:
    """The normalized JSON document of a schedule."""
    document: dict[str, Any] = {"format": FORMAT_NAME, "version": needed_version(schedule)}
    if schedule.name:
        document["name"] = schedule.name
    optimizer: dict[str, Any] = {"name": schedule.optimizer.name, "lr": schedule.optimizer.lr}
    if schedule.optimizer.params:
        optimizer["params"] = {k: jsonable(v) for k, v in schedule.optimizer.params.items()}
    document["optimizer"] = optimizer
    if schedule.param_groups:
        document["param_groups"] = [
            {"name": group.name, **({"lr": group.lr} if group.lr is not None
                                    else {"lr_scale": group.lr_scale})}
            for group in schedule.param_groups]
    document["interval"] = schedule.interval
    if schedule.steps_per_epoch is not None:
        document["steps_per_epoch"] = schedule.steps_per_epoch
    if schedule.training is not None:
        document["training"] = training.setup_to_json(schedule.training)
    document["phases"] = [phase_to_dict(phase) for phase in schedule.phases]
    if schedule.pinned:
        document["compare"] = [
            {"name": pin.name, "design": {key: value for key, value in
                                          schedule_to_dict(pin.schedule).items()
                                          if key in _DESIGN_KEYS}}
            for pin in schedule.pinned]
    if schedule.runs:
        document["runs"] = [{"path": run.path, "tag": run.tag} for run in schedule.runs]
    return document


# Version 5's plateau params: a version 4 reader refuses them as unknown.
LOGGED_METRIC_PARAMS = frozenset({"metric_run", "metric_tag", "metric_steps"})


def needed_version(schedule: Schedule) -> int:
    """The lowest format version that holds the design: older readers can open the rest."""
    designs = [schedule, *(pin.schedule for pin in schedule.pinned)]
    if any(design.has_chained() or any(phase.params.keys() & LOGGED_METRIC_PARAMS
                                       for phase in design.phases) for design in designs):
        return 5
    if schedule.runs or any(design.training is not None
                            or any(phase.length for phase in design.phases)
                            for design in designs):
        return 4
    if any(design.param_groups for design in designs):
        return 3
    return 2 if schedule.pinned else 1


def dump_schedule(schedule: Schedule, summary: list[tuple[str, Any]] | None = None) -> str:
    """The normalized file text (ends with a newline). With `summary` ((name, value) pairs
    of the curve's facts, `CurveSummary.items()`), the file carries them as "summary"
    (NaN and an overflowing area as null), which makes it version 3."""
    document = schedule_to_dict(schedule)
    if summary is not None:
        document["version"] = max(document["version"], 3)
        document["summary"] = {name: None if isinstance(value, float)
                               and not math.isfinite(value) else value
                               for name, value in summary}
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
