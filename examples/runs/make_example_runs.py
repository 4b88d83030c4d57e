"""Write the example runs beside this file: a plain torch loop that trains with the
design's exported scheduler and logs its lr to TensorBoard, once as the exported code
says (`good/`) and once stepping the scheduler on every micro-batch of gradient
accumulation 4 (`accumulation/`).

    python examples/runs/make_example_runs.py
    lr-designer check-run examples/runs/warmup-cosine.json examples/runs/good
    lr-designer check-run examples/runs/warmup-cosine.json examples/runs/accumulation
"""

from __future__ import annotations

import shutil
from pathlib import Path

import torch
from torch.utils.tensorboard import SummaryWriter

from designer.core.export.formats import render_text
from designer.core.safe_io import read_schedule_file

HERE = Path(__file__).resolve().parent


def train(folder: Path, micro_batches_per_scheduler_step: int) -> None:
    namespace: dict = {}
    exec(render_text(read_schedule_file(str(HERE / "warmup-cosine.json")), "function"),  # noqa: S102
         namespace)
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = namespace["build_scheduler"](optimizer)
    shutil.rmtree(folder, ignore_errors=True)
    writer = SummaryWriter(str(folder))
    for step in range(300):
        writer.add_scalar("train/lr", optimizer.param_groups[0]["lr"], step)
        for _ in range(4):  # gradient accumulation over 4 micro-batches
            x = torch.randn(8, 4)
            loss = ((model(x).squeeze(-1) - x.sum(-1)) ** 2).mean() / 4
            loss.backward()
            if micro_batches_per_scheduler_step == 1:
                scheduler.step()  # the mistake: once per micro-batch
        writer.add_scalar("train/loss", loss.item() * 4, step)
        optimizer.step()
        optimizer.zero_grad()
        if micro_batches_per_scheduler_step == 4:
            scheduler.step()
    writer.close()
    for event_file in folder.glob("events.out.tfevents.*"):  # a stable name for the repo
        event_file.rename(folder / "events.out.tfevents.example")


if __name__ == "__main__":
    train(HERE / "good", 4)
    train(HERE / "accumulation", 1)
