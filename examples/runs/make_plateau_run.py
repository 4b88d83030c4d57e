"""Write `plateau/metrics.csv` beside this file: a small Lightning 2.6 training on the CPU
whose ReduceLROnPlateau (factor 0.5, patience 1) monitors `val_loss` once per epoch, logged
by CSVLogger with LearningRateMonitor. A linear model fitted to noise stops improving after
a few epochs, so the lr halves at least twice.

    python examples/runs/make_plateau_run.py
    lr-designer export examples/runs/plateau-val-loss.json --to csv

`plateau-val-loss.json` is the design driven by that run's `val_loss`; its preview is the
lr the run logged (tests/core/runs/test_metric_run.py checks every logged point).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.callbacks import LearningRateMonitor
from lightning.pytorch.loggers import CSVLogger

HERE = Path(__file__).resolve().parent
EPOCHS, BATCHES, BATCH = 10, 4, 8  # 4 optimizer steps per epoch


class NoiseModel(L.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

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
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
        return {"optimizer": optimizer,
                "lr_scheduler": {"scheduler": plateau, "monitor": "val_loss",
                                 "interval": "epoch"}}


def train(folder: Path) -> Path:
    """Train and return the run's metrics.csv."""
    L.seed_everything(0, verbose=False)
    x, y = torch.rand(2 * BATCHES * BATCH, 2), torch.randn(2 * BATCHES * BATCH)
    half = BATCHES * BATCH

    def loader(part: slice, size: int) -> torch.utils.data.DataLoader:
        return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[part], y[part]),
                                           batch_size=size)

    trainer = L.Trainer(
        max_epochs=EPOCHS, accelerator="cpu", logger=CSVLogger(str(folder)),
        callbacks=[LearningRateMonitor()], log_every_n_steps=1, enable_progress_bar=False,
        enable_checkpointing=False, enable_model_summary=False)
    trainer.fit(NoiseModel(), loader(slice(0, half), BATCH), loader(slice(half, None), 2 * BATCH))
    return folder / "lightning_logs" / "version_0" / "metrics.csv"


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        metrics = train(Path(scratch))
        (HERE / "plateau").mkdir(exist_ok=True)
        shutil.copyfile(metrics, HERE / "plateau" / "metrics.csv")
