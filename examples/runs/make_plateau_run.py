"""Write small Lightning 2.6 trainings on the CPU beside this file: a linear model fitted to
noise whose ReduceLROnPlateau (factor 0.5) monitors `val_loss`, logged by CSVLogger with
LearningRateMonitor. The model stops improving after a few validations, so the lr halves.

    python examples/runs/make_plateau_run.py              # plateau/metrics.csv
    python examples/runs/make_plateau_run.py --per-batch  # plateau-batch/, plateau-batch5/

- `plateau/`: 10 epochs of 4 batches, the scheduler stepped once per epoch ("interval":
  "epoch", patience 1), after the epoch's validation.
- `plateau-batch/`: 3 epochs of 12 batches, validation every 5 batches
  (`val_check_interval=5`), the scheduler stepped per batch ("interval": "step",
  "frequency": 1, patience 2). Lightning steps it after every batch with the latest
  `val_loss` it has, so patience counts batches; before the first validation there is none,
  which stops the training with the default "strict": True, so this run has "strict": False
  (Lightning skips those steps with a warning).
- `plateau-batch5/`: the same with "frequency": 5 and the default strict: Lightning counts
  the frequency from each epoch's first batch, so it steps after batches 5 and 10 of every
  epoch, right after their validation (not after every 5th batch of the training).

`plateau-val-loss.json` and `plateau-batch-val-loss.json` are the designs driven by these
runs' `val_loss`; their preview is the lr each run logged (tests/core/runs/
test_metric_run.py and test_metric_run_batch.py check every logged point).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.callbacks import LearningRateMonitor
from lightning.pytorch.loggers import CSVLogger

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Setup:
    """One run: its folder, its data's shape, the plateau's patience and how Lightning
    steps it (the lr_scheduler config's keys beyond scheduler and monitor)."""

    folder: str
    epochs: int
    batches: int  # training batches per epoch: optimizer steps per epoch
    batch: int
    patience: int
    stepping: dict = field(default_factory=dict)
    trainer: dict = field(default_factory=dict)  # more L.Trainer arguments


PER_EPOCH = Setup("plateau", epochs=10, batches=4, batch=8, patience=1,
                  stepping={"interval": "epoch"})
PER_BATCH = (
    Setup("plateau-batch", epochs=3, batches=12, batch=4, patience=2,
          stepping={"interval": "step", "frequency": 1, "strict": False},
          trainer={"val_check_interval": 5}),
    Setup("plateau-batch5", epochs=3, batches=12, batch=4, patience=2,
          stepping={"interval": "step", "frequency": 5},
          trainer={"val_check_interval": 5}),
)


class NoiseModel(L.LightningModule):
    def __init__(self, setup: Setup) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)
        self.run = setup  # not `setup`: a LightningModule hook

    def loss(self, batch) -> torch.Tensor:
        x, y = batch
        return ((self.linear(x).squeeze(-1) - y) ** 2).mean()

    def training_step(self, batch, index):
        loss = self.loss(batch)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, index):
        self.log("val_loss", self.loss(batch))

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.4)
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, factor=0.5, patience=self.run.patience)
        return {"optimizer": optimizer,
                "lr_scheduler": {"scheduler": plateau, "monitor": "val_loss",
                                 **self.run.stepping}}


def train(setup: Setup, folder: Path) -> Path:
    """Train and return the run's metrics.csv."""
    L.seed_everything(0, verbose=False)
    half = setup.batches * setup.batch
    x, y = torch.rand(2 * half, 2), torch.randn(2 * half)

    def loader(part: slice, size: int) -> torch.utils.data.DataLoader:
        return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[part], y[part]),
                                           batch_size=size)

    per_batch = setup.stepping["interval"] == "step"
    trainer = L.Trainer(
        max_epochs=setup.epochs, accelerator="cpu", logger=CSVLogger(str(folder)),
        callbacks=[LearningRateMonitor(logging_interval="step" if per_batch else None)],
        log_every_n_steps=1, enable_progress_bar=False, enable_checkpointing=False,
        enable_model_summary=False, **setup.trainer)
    trainer.fit(NoiseModel(setup), loader(slice(0, half), setup.batch),
                loader(slice(half, None), 2 * setup.batch))
    return folder / "lightning_logs" / "version_0" / "metrics.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-batch", action="store_true",
                        help="write the runs stepped per batch (plateau-batch, plateau-batch5)")
    for setup in PER_BATCH if parser.parse_args().per_batch else (PER_EPOCH,):
        with tempfile.TemporaryDirectory() as scratch:
            metrics = train(setup, Path(scratch))
            (HERE / setup.folder).mkdir(exist_ok=True)
            shutil.copyfile(metrics, HERE / setup.folder / "metrics.csv")


if __name__ == "__main__":
    main()
