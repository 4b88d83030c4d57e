"""Real training runs for the run-checking tests: tiny models trained on the CPU by the real
frameworks (a plain torch loop, Lightning, the Trainer, MLflow), with the scheduler exported
from a design, logging their lr as each framework does. The plain loop can make each of the
usual schedule mistakes.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import warnings
from pathlib import Path

import torch

from designer.core.export.formats import render_text
from designer.core.schedule.fileformat import load_schedule

# Warmup then cosine: the lr changes at every step, so every mistake shows as what it is.
STEP_DESIGN = {
    "format": "lr-schedule-designer", "version": 1, "name": "warmup + cosine",
    "optimizer": {"name": "SGD", "lr": 0.1}, "interval": "step", "steps_per_epoch": 5,
    "phases": [
        {"scheduler": "LinearLR", "steps": 8, "params": {"start_factor": 0.1}},
        {"scheduler": "CosineAnnealingLR", "steps": 32},
    ],
}
STEP_TOTAL = 40
# Stepped once per epoch of 5 batches: 6 epochs.
EPOCH_DESIGN = {
    "format": "lr-schedule-designer", "version": 1, "name": "per epoch",
    "optimizer": {"name": "SGD", "lr": 0.1}, "interval": "epoch", "steps_per_epoch": 5,
    "phases": [
        {"scheduler": "LinearLR", "steps": 2, "params": {"start_factor": 0.25}},
        {"scheduler": "ExponentialLR", "steps": 4, "params": {"gamma": 0.5}},
    ],
}
EPOCHS, BATCHES = 6, 5


def write_design(folder: Path, document: dict, name: str = "design.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def exported(document: dict, key: str = "function") -> dict:
    """The namespace of the design's exported code (`build_scheduler`, `LitModel`, ...)."""
    namespace: dict = {}
    source = render_text(load_schedule(json.dumps(document)), key)
    exec(compile(source, f"<{key} export>", "exec"), namespace)  # noqa: S102 - our own export
    return namespace


def plain_loop(log, steps: int = STEP_TOTAL, mistake: str | None = None,
               design: dict = STEP_DESIGN) -> None:
    """A hand-written loop: log(step, lr) of the first group before optimizer.step(), then
    scheduler.step(), as the exported code says. `mistake` is one of: "log-after" (the lr
    logged after scheduler.step()), "accumulation-4" (scheduler stepped on each of 4
    micro-batches), "per-epoch" (stepped once per epoch of BATCHES batches), "lr-x8" (the
    optimizer's lr 8 times the design's), "resume-25" (resumed at step 25 without the
    scheduler's state)."""
    build = exported(design)["build_scheduler"]
    weight = torch.nn.Parameter(torch.zeros(2))
    lr = design["optimizer"]["lr"] * (8 if mistake == "lr-x8" else 1)
    optimizer = torch.optim.SGD([weight], lr=lr)
    scheduler = build(optimizer)
    for step in range(steps):
        if mistake == "resume-25" and step == 25:
            state = optimizer.state_dict()
            optimizer = torch.optim.SGD([weight], lr=lr)
            optimizer.load_state_dict(state)  # the optimizer is restored, the scheduler not
            optimizer.param_groups[0]["lr"] = lr
            scheduler = build(optimizer)
        if mistake != "log-after":
            log(step, optimizer.param_groups[0]["lr"])
        for _ in range(4 if mistake == "accumulation-4" else 1):
            ((weight - 1.0) ** 2).sum().backward()
            if mistake == "accumulation-4":
                with warnings.catch_warnings():  # torch warns of this very mistake
                    warnings.simplefilter("ignore", UserWarning)
                    scheduler.step()  # the mistake: once per micro-batch
        optimizer.step()
        optimizer.zero_grad()
        if mistake == "per-epoch":
            if (step + 1) % BATCHES == 0:
                scheduler.step()
        elif mistake != "accumulation-4":
            scheduler.step()
        if mistake == "log-after":
            log(step, optimizer.param_groups[0]["lr"])


def tensorboard_loop(folder: Path, mistake: str | None = None, tag: str = "train/lr") -> Path:
    """The plain loop logging to TensorBoard with torch's SummaryWriter."""
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(folder))
    with contextlib.closing(writer):
        def log(step, lr):
            writer.add_scalar(tag, lr, step)
            writer.add_scalar("train/loss", 1.0 / (step + 1), step)

        plain_loop(log, mistake=mistake)
    return folder


def csv_loop(path: Path) -> Path:
    """The plain loop writing its own CSV: step, loss, lr."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        out.writerow(["step", "loss", "lr"])
        plain_loop(lambda step, lr: out.writerow([step, 1.0 / (step + 1), repr(lr)]))
    return path


@contextlib.contextmanager
def mlflow_store(folder: Path):
    """MLflow's file store under `folder`, by environment (as the Trainer's callback reads
    it) and set in mlflow (which keeps the URI of its first run for the process); MLflow 3
    refuses the file store unless allowed."""
    import mlflow

    saved = {key: os.environ.get(key) for key in ("MLFLOW_TRACKING_URI",
                                                  "MLFLOW_ALLOW_FILE_STORE")}
    os.environ["MLFLOW_TRACKING_URI"] = (folder / "mlruns").as_uri()
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
    try:
        yield folder / "mlruns"
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def mlflow_loop(folder: Path) -> Path:
    """The plain loop logging with mlflow.log_metric(..., step=i); the run's folder."""
    import mlflow

    with mlflow_store(folder) as store, mlflow.start_run() as run:
        plain_loop(lambda step, lr: mlflow.log_metric("lr", lr, step=step))
    return store / run.info.experiment_id / run.info.run_id


class _Regression(torch.nn.Module):
    """A model the Trainer can train: returns its loss."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, x, labels=None):
        return {"loss": ((self.linear(x).squeeze(-1) - labels) ** 2).mean()}


class _Points(torch.utils.data.Dataset):
    def __init__(self, count: int) -> None:
        self.x = torch.linspace(0, 1, count * 2).reshape(count, 2)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index):
        return {"x": self.x[index], "labels": self.x[index].sum()}


def trainer_run(folder: Path) -> tuple[Path, Path]:
    """The Trainer with the design's exported scheduler, logging_steps=1, reporting to
    TensorBoard and MLflow: its output folder (checkpoints 20 and 40) and MLflow store."""
    from transformers import Trainer, TrainingArguments

    build = exported(STEP_DESIGN, "hf")["build_scheduler"]
    model = _Regression()
    optimizer = torch.optim.SGD(model.parameters(), lr=STEP_DESIGN["optimizer"]["lr"])
    output = folder / "trainer_output"
    with mlflow_store(folder) as store:
        args = TrainingArguments(
            output_dir=str(output), max_steps=STEP_TOTAL, per_device_train_batch_size=4,
            logging_steps=1, save_strategy="steps", save_steps=20, use_cpu=True,
            report_to=["tensorboard", "mlflow"], disable_tqdm=True, seed=0)
        trainer = Trainer(model=model, args=args, train_dataset=_Points(16),
                          optimizers=(optimizer, build(optimizer)))
        trainer.train()
    return output, store


def lightning_run(folder: Path, interval: str) -> Path:
    """Lightning with the design's exported LitModel, LearningRateMonitor(logging_interval=
    interval) and CSVLogger; the logger's save folder."""
    import lightning as L
    from lightning.pytorch.callbacks import LearningRateMonitor
    from lightning.pytorch.loggers import CSVLogger

    design = STEP_DESIGN if interval == "step" else EPOCH_DESIGN
    lit_model = exported(design, "lightning")["LitModel"]

    class Model(lit_model):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(2, 1)

        def training_step(self, batch, index):
            x, y = batch
            loss = ((self.linear(x).squeeze(-1) - y) ** 2).mean()
            self.log("loss", loss)
            return loss

    batches = 10 if interval == "step" else BATCHES
    data = torch.utils.data.TensorDataset(torch.rand(batches * 4, 2), torch.rand(batches * 4))
    trainer = L.Trainer(
        max_steps=STEP_TOTAL if interval == "step" else -1,
        max_epochs=None if interval == "step" else EPOCHS, accelerator="cpu",
        logger=CSVLogger(str(folder)), callbacks=[LearningRateMonitor(logging_interval=interval)],
        log_every_n_steps=1, enable_progress_bar=False, enable_checkpointing=False,
        enable_model_summary=False)
    trainer.fit(Model(), torch.utils.data.DataLoader(data, batch_size=4))
    return folder
