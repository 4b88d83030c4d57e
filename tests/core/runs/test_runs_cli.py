"""`lr-designer check-run DESIGN RUN [--tag NAME] [--json]`: exit 0 when the run matches, 1
when it differs (verdict and diagnosis), 2 and one line naming the file on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from real_runs import STEP_TOTAL

from designer.cli import main

JSON_KEYS = ["verdict", "source", "tag", "points", "logged_steps", "design_steps",
             "max_rel_error", "first_difference", "diagnosis"]


def _run(capsys, *args):
    code = main(["check-run", *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _one_line_error(capsys, *args) -> str:
    code, out, err = _run(capsys, *args)
    assert (code, out) == (2, ""), (code, out, err)
    assert err.count("\n") == 1, err
    return err.rstrip("\n")


def _lines(rows) -> str:
    return "".join(",".join(map(str, row)) + "\n" for row in rows)


@pytest.fixture
def two_groups(tmp_path, csv_run):
    """A CSV of two groups' lrs (Lightning's names), the second at half the first's."""
    rows = [line.split(",") for line in csv_run.read_text().splitlines()[1:]]
    path = tmp_path / "groups.csv"
    path.write_text(_lines([("step", "lr-SGD/pg1", "lr-SGD/pg2", "lr-SGD/pg1-momentum")]
                           + [(step, lr, float(lr) / 2, 0.9) for step, _, lr in rows]))
    return path


def test_a_matching_run_prints_one_verdict_line(capsys, step_design, tensorboard_run):
    code, out, err = _run(capsys, step_design, tensorboard_run)
    assert code == 0 and err == ""
    assert out.startswith(f"matches: {STEP_TOTAL} logged steps of {STEP_TOTAL}, max "
                          "relative error ")
    assert out.count("\n") == 1


def test_a_differing_run_prints_the_verdict_and_the_diagnosis(capsys, step_design,
                                                             mistake_runs):
    code, out, err = _run(capsys, step_design, mistake_runs["lr-x8"])
    assert code == 1 and err == ""
    verdict, diagnosis = out.splitlines()
    assert verdict.startswith("differs from step 0: logged 0.08, designed 0.01")
    assert diagnosis.startswith("The run's lr is 8x the design's")


def test_json_has_exactly_the_issue_s_keys(capsys, step_design, mistake_runs, csv_run):
    code, out, _ = _run(capsys, step_design, mistake_runs["log-after"], "--json")
    result = json.loads(out)
    assert code == 1 and list(result) == JSON_KEYS
    assert result["verdict"] == "differs" and result["source"] == "tensorboard"
    assert result["tag"] == "train/lr" and result["points"] == STEP_TOTAL
    assert result["logged_steps"] == [0, STEP_TOTAL - 1]
    assert result["design_steps"] == STEP_TOTAL
    assert isinstance(result["max_rel_error"], float)
    assert list(result["first_difference"]) == ["step", "logged", "designed"]
    assert result["diagnosis"]["kind"] == "offset" and result["diagnosis"]["steps"] == 1
    assert result["diagnosis"]["message"]
    code, out, _ = _run(capsys, step_design, csv_run, "--json")
    assert code == 0 and json.loads(out)["first_difference"] is None


def test_tag_picks_a_series_and_the_default_is_the_first_group(capsys, step_design,
                                                               two_groups):
    code, out, _ = _run(capsys, step_design, two_groups, "--json")
    assert code == 0 and json.loads(out)["tag"] == "lr-SGD/pg1"
    code, out, _ = _run(capsys, step_design, two_groups, "--tag", "lr-SGD/pg2", "--json")
    result = json.loads(out)
    assert code == 1 and result["tag"] == "lr-SGD/pg2"
    assert (result["diagnosis"]["kind"], result["diagnosis"]["factor"]) == ("scale", 0.5)
    message = _one_line_error(capsys, step_design, two_groups, "--tag", "lr")
    assert message == (f"{two_groups}: no series 'lr' (lr series: lr-SGD/pg1, lr-SGD/pg2)")


def test_a_run_that_stopped_early_matches_so_far(capsys, step_design, tmp_path, csv_run):
    early = tmp_path / "early.csv"
    early.write_text("".join(csv_run.read_text().splitlines(keepends=True)[:21]))
    code, out, _ = _run(capsys, step_design, early)
    assert code == 0
    assert out.startswith(f"matches: 20 logged steps of {STEP_TOTAL} (steps 0-19), max ")
    code, out, _ = _run(capsys, step_design, early, "--json")
    assert json.loads(out)["logged_steps"] == [0, 19]


BAD_RUNS = {
    "script.py": ("print('hi')\n", "not a run: expected a TensorBoard event file"),
    "no-lr.csv": ("step,loss,accuracy\n0,1.0,0.5\n", "no lr series (series: accuracy, loss)"),
    "no-step.csv": ("epoch,lr\n0,0.1\n", "the CSV has no 'step' column (columns: epoch, lr)"),
    "bad-step.csv": ("step,lr\n0,0.1\nten,0.1\n", "line 3: step 'ten' is not an integer"),
    "binary.csv": (b"\x89PNG\r\n\x1a\n\xff\xfe\x00", "not a CSV file: the file is not UTF-8"),
    "empty.csv": ("", "the CSV file is empty"),
    "trainer_state.json": ('{"log_history": 3}', "it has no log_history list"),
    "events.out.tfevents.1.garbage": (os.urandom(3000), "no scalars in the TensorBoard"),
}


@pytest.mark.parametrize("name", sorted(BAD_RUNS))
def test_bad_runs_are_one_line_naming_the_file(capsys, tmp_path, step_design, name):
    content, expected = BAD_RUNS[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    message = _one_line_error(capsys, step_design, path)
    assert message.startswith(f"{path}: ") and expected in message


def test_folders_that_are_not_runs(capsys, tmp_path, step_design):
    (tmp_path / "notes.txt").write_text("x")
    message = _one_line_error(capsys, step_design, tmp_path)
    assert message == (f"{tmp_path}: not a run: the folder holds no TensorBoard event files, "
                       "metrics.csv, trainer_state.json or MLflow metrics")
    assert _one_line_error(capsys, step_design, tmp_path / "missing") == (
        f"{tmp_path / 'missing'}: cannot read it: No such file or directory")
    assert "not a regular file" in _one_line_error(capsys, step_design, "/dev/zero")
    assert _one_line_error(capsys, step_design, "") == (
        "lr-designer check-run: no run given (the path is empty)")


def test_a_huge_log_is_refused_before_reading(capsys, tmp_path, step_design):
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as stream:
        stream.truncate(300 * 1024 * 1024)  # sparse: no disk used
    assert "is too large" in _one_line_error(capsys, step_design, huge)


def test_a_bad_design_names_the_design(capsys, tmp_path, csv_run):
    design = tmp_path / "design.json"
    design.write_text('{"format": "lr-schedule-designer", "version": 1, "phases": 3}')
    message = _one_line_error(capsys, design, csv_run)
    assert message.startswith(f"{design}: ")


def test_fifos_are_refused_without_blocking(tmp_path, step_design, subprocess_env):
    """In a child with a time limit: a read that blocked on a FIFO would hang the suite."""
    fifo_run = tmp_path / "fifo-run"
    fifo_run.mkdir()
    os.mkfifo(fifo_run / "events.out.tfevents.1.host")
    os.mkfifo(tmp_path / "metrics.csv")
    for run, expected in ((fifo_run, "it is a named pipe"),
                          (tmp_path / "metrics.csv", "not a run: it is not a regular file")):
        child = subprocess.run(
            [sys.executable, "-m", "designer", "check-run", str(step_design), str(run)],
            capture_output=True, text=True, timeout=60, env=subprocess_env, check=False)
        assert child.returncode == 2 and child.stdout == "", child.stderr
        assert child.stderr.count("\n") == 1 and expected in child.stderr, child.stderr


def test_the_example_runs(capsys, repo_root):
    """examples/runs: a good run that matches its design and one that steps its scheduler on
    every micro-batch, as the README shows them."""
    design = repo_root / "examples" / "runs" / "warmup-cosine.json"
    code, out, _ = _run(capsys, design, repo_root / "examples" / "runs" / "good")
    assert code == 0 and out.startswith("matches: 300 logged steps of 300, ")
    code, out, _ = _run(capsys, design, repo_root / "examples" / "runs" / "accumulation",
                        "--json")
    diagnosis = json.loads(out)["diagnosis"]
    assert code == 1 and (diagnosis["kind"], diagnosis["factor"]) == ("stretch", 4)


def test_a_folder_named_with_a_trailing_slash_gives_the_tags_as_written(capsys, repo_root):
    """`RUN/` (as shell completion types it) names the same run as `RUN`: the tag is the
    one the loop wrote, without a "./" folder prefix."""
    design = repo_root / "examples" / "runs" / "warmup-cosine.json"
    for run in ("good", "good/"):
        code, out, _ = _run(capsys, design, f"{repo_root / 'examples' / 'runs' / run}",
                            "--json")
        assert code == 0 and json.loads(out)["tag"] == "train/lr", out
