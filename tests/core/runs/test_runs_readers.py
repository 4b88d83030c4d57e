"""The readers' rules: which series are lrs and which is the default, TensorBoard's tensor
scalars and sub-folders, repeated steps, MLflow's nested keys, the newest CSVLogger version,
and what reading imports (the window reads runs without torch)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

from designer.core.runs.series import RunError, clean_series, is_lr_name, pick_tag
from designer.core.runs.sources import read_run


@pytest.mark.parametrize("name", ["lr", "LR", "learning_rate", "train/learning_rate",
                                  "lr-SGD", "lr-AdamW/pg2", "optimizer/lr", "lr/group0",
                                  "lr_pg1", "base_learning_rate"])
def test_lr_names(name):
    assert is_lr_name(name)


@pytest.mark.parametrize("name", ["loss", "lr-SGD-momentum", "lr-AdamW/pg1-weight_decay",
                                  "flr", "lrs_seen", "epoch", "step"])
def test_not_lr_names(name):
    assert not is_lr_name(name)


def test_the_default_is_the_first_group_in_natural_order():
    names = ["loss", "lr-AdamW/pg10", "lr-AdamW/pg2", "lr-AdamW/pg1"]
    assert pick_tag("run", names, None) == (
        "lr-AdamW/pg1", ("lr-AdamW/pg1", "lr-AdamW/pg2", "lr-AdamW/pg10"))
    assert pick_tag("run", names, "loss")[0] == "loss"  # any series by name
    with pytest.raises(RunError, match=r"^run: no lr series \(series: acc, loss\); pick one"):
        pick_tag("run", ["loss", "acc"], None)


def test_a_step_logged_twice_keeps_its_last_value():
    steps, values = clean_series([0, 1, 2, 1, 3], [0.1, 0.2, 0.3, 0.25, float("nan")])
    assert steps.tolist() == [0, 1, 2] and values.tolist() == [0.1, 0.25, 0.3]
    assert steps.dtype == np.int64 and values.dtype == np.float64


def test_tensorboard_tensor_scalars_and_sub_folders(tmp_path):
    """TF2-style scalars (tensors with the scalars plugin, as tensorboard's own Writer
    writes them) and SummaryWriter.add_scalars' one folder per series."""
    from tensorboard.summary import Writer
    from torch.utils.tensorboard import SummaryWriter

    writer = Writer(str(tmp_path / "v2"))
    for step in range(5):
        writer.add_scalar("learning_rate", 0.1 / (step + 1), step)
    writer.close()
    run = read_run(str(tmp_path / "v2"))
    assert (run.source, run.tag, run.steps.tolist()) == ("tensorboard", "learning_rate",
                                                         [0, 1, 2, 3, 4])
    np.testing.assert_allclose(run.lrs, [0.1 / (step + 1) for step in range(5)], rtol=1e-7)

    grouped = SummaryWriter(str(tmp_path / "groups"))
    for step in range(3):
        grouped.add_scalars("lr", {"pg1": 0.1 * step, "pg2": 0.2 * step}, step)
    grouped.close()
    run = read_run(str(tmp_path / "groups"))
    assert run.candidates == ("lr_pg1/lr", "lr_pg2/lr") and run.tag == "lr_pg1/lr"
    assert read_run(str(tmp_path / "groups"), "lr_pg2/lr").lrs[2] == pytest.approx(0.4)


def test_mlflow_nested_keys(tmp_path):
    run_folder = tmp_path / "mlruns" / "0" / "abc"
    (run_folder / "metrics" / "lr-AdamW").mkdir(parents=True)
    (run_folder / "meta.yaml").write_text("run_id: abc\n")
    (run_folder / "metrics" / "lr-AdamW" / "pg1").write_text("1 0.1 0\n2 0.05 1\n")
    (run_folder / "metrics" / "lr-AdamW" / "pg2").write_text("1 0.2 0\n")
    (run_folder / "metrics" / "loss").write_text("1 3.5 0\n")
    run = read_run(str(run_folder))
    assert (run.source, run.tag, run.candidates) == ("mlflow", "lr-AdamW/pg1",
                                                     ("lr-AdamW/pg1", "lr-AdamW/pg2"))
    assert run.lrs.tolist() == [0.1, 0.05]
    (run_folder / "metrics" / "loss").write_text("1 3.5 0\nnot a metric line\n")
    with pytest.raises(RunError, match="loss: line 2: not a 'timestamp value step' line"):
        read_run(str(run_folder))


def test_the_newest_csvlogger_version(tmp_path):
    logs = tmp_path / "save" / "lightning_logs"
    for version, lr in ((0, 0.1), (1, 0.2), (10, 0.3)):
        (logs / f"version_{version}").mkdir(parents=True)
        (logs / f"version_{version}" / "metrics.csv").write_text(f"lr-SGD,step\n{lr},0\n")
    for path in (logs, tmp_path / "save"):
        run = read_run(str(path))
        assert run.source == "lightning-csv" and run.lrs.tolist() == [0.3]
        assert run.path.endswith("version_10/metrics.csv")
    shutil.rmtree(logs / "version_10")
    assert read_run(str(logs)).lrs.tolist() == [0.2]


def test_reading_runs_imports_neither_torch_nor_tensorboard_until_it_must(
        subprocess_env, tensorboard_run, csv_run, step_design):
    script = f"""
import sys
from designer.core.runs.check import DesignFacts, check_logged
from designer.core.runs.sources import read_run
assert "tensorboard" not in sys.modules and "torch" not in sys.modules
read_run({str(csv_run)!r})
assert "tensorboard" not in sys.modules and "torch" not in sys.modules
read_run({str(tensorboard_run)!r})
assert "tensorboard" in sys.modules and "torch" not in sys.modules, "a run read imports torch"
print("ok")
"""
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           timeout=120, env=subprocess_env, check=False)
    assert child.returncode == 0 and child.stdout.strip() == "ok", child.stderr


def test_an_event_file_being_written_reads_up_to_its_last_whole_record(tmp_path, repo_root):
    """A live run's file ends mid-record, or in bytes that are not a record yet."""
    whole = (repo_root / "examples" / "runs" / "good" / "events.out.tfevents.example"
             ).read_bytes()
    for name, data in (("cut", whole[:-100]), ("tail", whole + b"\x07" * 40)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "events.out.tfevents.live").write_bytes(data)
        run = read_run(str(tmp_path / name))
        count = 300 if name == "tail" else len(run.steps)
        assert 250 < count <= 300 and run.steps.tolist() == list(range(count))
