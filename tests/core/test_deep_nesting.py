"""Deeply nested files: refused with a message naming where, never a RecursionError.

The JSON parser accepts about a thousand levels; migrating a version 1 or 2 file deep-copies
it and the validator recurses, so before this check 500 levels under any key (known or not)
escaped as a traceback from `validate`, `export` and the window's start.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.cli import main
from designer.core.schedule.fileformat import load_schedule
from designer.core.schedule.json_document import MAX_NESTING
from designer.core.schedule.migrations import migrate
from designer.core.schedule.model import ScheduleError

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = json.loads((DATA / "v1" / "step-exponential.json").read_text(encoding="utf-8"))


def _nested(levels: int, kind: str) -> object:
    value: object = 0
    for _ in range(levels):
        value = [value] if kind == "list" else {"k": value}
    return value


def _deep_document(version: int, where: str, levels: int = 500, kind: str = "list") -> dict:
    document = json.loads(json.dumps(SAMPLE))
    document["version"] = version
    deep = _nested(levels, kind)
    if where == "unknown key":
        document["zzz"] = deep
    elif where == "phase params":
        document["phases"][0]["params"]["milestones"] = deep
    else:  # inside a pinned variant (version 2 and later)
        document["compare"] = [{"name": "pin", "design": {
            "optimizer": document["optimizer"], "phases": [{"scheduler": "StepLR",
                                                            "steps": 5, "params": deep}]}}]
    return document


CASES = [(version, where, kind) for version in (1, 2, 3)
         for where in ("unknown key", "phase params", "pin")
         for kind in ("list", "object") if not (where == "pin" and version == 1)]


@pytest.mark.parametrize(("version", "where", "kind"), CASES)
def test_a_deep_document_is_refused_naming_where(version, where, kind):
    text = json.dumps(_deep_document(version, where, kind=kind))
    with pytest.raises(ScheduleError) as info:
        load_schedule(text)
    message = str(info.value)
    assert f"nested more than {MAX_NESTING} levels deep" in message
    expected = {"unknown key": "zzz", "phase params": "phases[0].params.milestones",
                "pin": "compare[0].design.phases[0].params"}[where]
    assert message.startswith(expected)
    assert len(message) < 200


def test_migrate_itself_refuses_before_copying():
    with pytest.raises(ScheduleError, match="nested more than"):
        migrate(_deep_document(1, "unknown key", levels=900))


def test_the_nesting_limit_leaves_real_files_alone():
    for path in sorted(DATA.glob("v*/*.json")):
        load_schedule(path.read_bytes())
    # MAX_NESTING levels are fine to measure (the validator then names the odd value).
    with pytest.raises(ScheduleError) as info:
        load_schedule(json.dumps(_deep_document(1, "unknown key", levels=MAX_NESTING - 2)))
    assert "nested" not in str(info.value) and "zzz" in str(info.value)


@pytest.mark.parametrize("command", [["validate"], ["export", "--to", "csv"],
                                     ["export", "--to", "python"]])
@pytest.mark.parametrize("version", [1, 2])
def test_the_cli_says_one_line_and_exits_2(tmp_path, capsys, command, version):
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(_deep_document(version, "unknown key")), encoding="utf-8")
    assert main([command[0], str(path), *command[1:]]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "nested more than" in err and "Traceback" not in err
