"""One real run per framework for the whole session: importing transformers and lightning
costs seconds, training them on the CPU a second more each."""

from __future__ import annotations

import pytest
from real_runs import (
    EPOCH_DESIGN,
    STEP_DESIGN,
    csv_loop,
    lightning_run,
    mlflow_loop,
    tensorboard_loop,
    trainer_run,
    write_design,
)


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="session")
def step_design(run_folder):
    return write_design(run_folder, STEP_DESIGN, "step-design.json")


@pytest.fixture(scope="session")
def epoch_design(run_folder):
    return write_design(run_folder, EPOCH_DESIGN, "epoch-design.json")


@pytest.fixture(scope="session")
def tensorboard_run(run_folder):
    return tensorboard_loop(run_folder / "tensorboard")


@pytest.fixture(scope="session")
def csv_run(run_folder):
    return csv_loop(run_folder / "loop.csv")


@pytest.fixture(scope="session")
def mlflow_run(run_folder):
    return mlflow_loop(run_folder / "mlflow-loop")


@pytest.fixture(scope="session")
def trainer_runs(run_folder):
    """(output folder, MLflow store) of one Trainer run."""
    return trainer_run(run_folder / "trainer")


@pytest.fixture(scope="session")
def lightning_step_run(run_folder):
    return lightning_run(run_folder / "lightning-step", "step")


@pytest.fixture(scope="session")
def lightning_epoch_run(run_folder):
    return lightning_run(run_folder / "lightning-epoch", "epoch")


@pytest.fixture(scope="session")
def mistake_runs(run_folder):
    """mistake -> TensorBoard folder of the plain loop making it."""
    mistakes = ("log-after", "accumulation-4", "per-epoch", "lr-x8", "resume-25")
    return {mistake: tensorboard_loop(run_folder / f"mistake-{mistake}", mistake)
            for mistake in mistakes}
