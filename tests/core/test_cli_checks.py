"""What `validate` and `export` check besides the design's own fields: pinned variants are
stepped like the design, curves near the float maximum, empty designs, a first phase that
"continues", and the CSV written as it is stepped."""

from __future__ import annotations

import json

import pytest

from designer.cli import main
from designer.core.schedule.expressions import MAX_INT_BITS

BOMB = f"min(1, (2**{MAX_INT_BITS // 2} * 2**{MAX_INT_BITS // 2}) // 3)"


def _write(tmp_path, document: dict, name: str = "design.json"):
    document = {"format": "lr-schedule-designer", "version": 2,
                "optimizer": {"name": "SGD", "lr": 0.1}, **document}
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


STEP = {"scheduler": "StepLR", "steps": 10, "params": {"step_size": 3}}


def test_a_pinned_variant_torch_refuses_fails_validate_and_export(tmp_path, capsys):
    path = _write(tmp_path, {"phases": [STEP], "compare": [
        {"name": "fine", "design": {"optimizer": {"name": "SGD", "lr": 0.1},
                                    "phases": [STEP]}},
        {"name": "bomb", "design": {"optimizer": {"name": "SGD", "lr": 0.1}, "phases": [
            STEP, {"scheduler": "LambdaLR", "steps": 5, "params": {"lr_lambda": BOMB}}]}}]})
    for command in (["validate"], ["export", "--to", "json"], ["export", "--to", "csv"]):
        assert main([command[0], str(path), *command[1:]]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err == (f"{path}: compare[1].design.phases[1].params.lr_lambda: integer "
                       "result too large at step 0\n")


def test_an_overflowing_area_is_inf_in_csv_null_in_json_with_a_note(tmp_path, capsys):
    path = _write(tmp_path, {"optimizer": {"name": "SGD", "lr": 1e308}, "phases": [
        {"scheduler": "ConstantLR", "steps": 4, "params": {"factor": 1.0}}]})
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr() == ("ok\n", "")
    assert main(["export", str(path), "--to", "csv", "--summary"]) == 0
    out, err = capsys.readouterr()
    assert "# mean: 1e+308\n" in out and "# area: inf\n" in out
    assert err == f"{path}: note: the curve's area exceeds the float range: inf in the CSV\n"
    assert main(["export", str(path), "--to", "json", "--summary"]) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out)["summary"]
    assert summary["area"] is None and summary["mean"] == 1e308 and summary["peak"] == 1e308
    assert "null in the JSON" in err


def test_an_empty_design_is_valid_with_a_warning(tmp_path, capsys):
    path = _write(tmp_path, {"phases": []})
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == "ok\n"
    assert err.startswith(f"{path}: warning: the design has no phases") and err.count("\n") == 1
    assert main(["export", str(path), "--to", "python"]) == 0
    out, err = capsys.readouterr()
    assert "TOTAL_STEPS = 0" in out and "warning: the design has no phases" in err


def test_a_first_phase_that_continues_is_said_to_start_from_the_base_lr(tmp_path, capsys):
    path = _write(tmp_path, {"phases": [{**STEP, "start": "continue"}]})
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == "ok\n"
    assert err == (f'{path}: warning: phases[0].start: "continue" on the first phase has no '
                   'previous phase to continue from: it starts from the base lr, as "restart" '
                   'does\n')


@pytest.mark.parametrize("output", [False, True])
def test_a_csv_refused_half_way_hands_out_nothing(tmp_path, capsys, output):
    path = _write(tmp_path, {"phases": [
        {"scheduler": "ConstantLR", "steps": 120_000, "params": {"factor": 1.0}},
        {"scheduler": "LambdaLR", "steps": 5, "params": {"lr_lambda": "1 / (step - 2)"}}]})
    target = tmp_path / "old.csv"
    target.write_text("the old file\n", encoding="utf-8")
    command = ["export", str(path), "--to", "csv"] + (["-o", str(target)] if output else [])
    assert main(command) == 2
    out, err = capsys.readouterr()
    assert out == ""  # on stdout too, although the rows stream as they are stepped
    assert "phases[1].params.lr_lambda: division by zero at step 2" in err
    assert target.read_text(encoding="utf-8") == "the old file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["design.json", "old.csv"]
