"""Write `hf-plateau/trainer_state.json` beside this file: a tiny Hugging Face Trainer run
on the CPU with `lr_scheduler_type="reduce_lr_on_plateau"` (factor 0.5, patience 2),
evaluated every EVAL_STEPS optimizer steps, the lr logged at every step.

A 161-parameter MLP is fitted to noise and evaluated on other noise, so `eval_loss` stops
improving after a few evaluations and the lr halves several times. Only the Trainer's
`trainer_state.json` is kept (`save_strategy="no"`: no weights, no checkpoints).

    python examples/runs/make_hf_plateau_run.py
    cd examples/runs
    lr-designer import --hf reduce_lr_on_plateau --total-steps 42 --lr 0.05 \\
        --extra factor=0.5 --extra patience=2 --extra eval_every=4 \\
        --extra metric_run=hf-plateau -o hf-plateau-eval-loss.json
    lr-designer export hf-plateau-eval-loss.json --to csv

(the importer monitors `eval_loss`, what Trainer steps the plateau with by default).
While training, a callback records what the Trainer really does: the lr each optimizer
step uses (read right before `optimizer.step()`) and every `ReduceLROnPlateau.step(value)`
with the global step it came after. The script then checks what the designer's reader
assumes against that record, and refuses to write the run if any of it is false:

- the log at `step` s holds the lr optimizer step s (counted from 1) used, which is the
  design's step s - 1 (the reader's offset -1);
- `eval_loss` is logged at `step` k, the global step after which it was evaluated, and the
  scheduler is stepped with exactly that value right then, before optimizer step k + 1
  (the design's step k): so the reader's step k - 1 is the design step after which the
  plateau steps;
- the evaluation before training (`eval_on_start`, logged at step 0) does not step the
  scheduler (the Trainer passes skip_scheduler=True).

tests/core/runs/test_hf_plateau_run.py checks, on the committed file, that the design the
importer builds previews the logged lr at every logged step, bit for bit.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import torch
from transformers import PrinterCallback, Trainer, TrainerCallback, TrainingArguments

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "hf-plateau"
EXAMPLES, BATCH, EPOCHS = 18, 3, 7  # 6 optimizer steps per epoch, 42 in all
EVAL_STEPS = 4  # not a divisor of the epoch: the plateau steps mid-epoch
LR, FACTOR, PATIENCE = 0.05, 0.5, 2


class NoiseFit(torch.nn.Module):
    """8 -> 16 -> 1 (161 parameters), returning the Trainer's {"loss": ...}."""

    def __init__(self) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(),
                                       torch.nn.Linear(16, 1))

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> dict:
        prediction = self.net(x).squeeze(-1)
        if labels is None:
            return {"logits": prediction}
        return {"loss": ((prediction - labels) ** 2).mean(), "logits": prediction}


def noise(count: int, generator: torch.Generator) -> list[dict[str, torch.Tensor]]:
    x, y = torch.randn(count, 8, generator=generator), torch.randn(count, generator=generator)
    return [{"x": x[i], "labels": y[i]} for i in range(count)]


class Recorder(TrainerCallback):
    """What the Trainer did, step by step: `used[k]` is the lr optimizer step k (from 1)
    used; `plateau_steps` lists (global step, value) of every scheduler.step(value)."""

    def __init__(self) -> None:
        self.used: dict[int, float] = {}
        self.plateau_steps: list[tuple[int, float]] = []
        self.trainer: Trainer | None = None

    def on_pre_optimizer_step(self, args, state, control, optimizer=None, **kwargs):
        self.used[state.global_step + 1] = optimizer.param_groups[0]["lr"]

    def on_train_begin(self, args, state, control, lr_scheduler=None, **kwargs):
        step = lr_scheduler.step

        def recorded(metrics=None, *rest, **keywords):
            self.plateau_steps.append((state.global_step, float(metrics)))
            return step(metrics, *rest, **keywords)

        lr_scheduler.step = recorded


def train(folder: Path) -> tuple[dict, Recorder]:
    """Train; return the run's trainer_state.json (as written) and the record."""
    generator = torch.Generator().manual_seed(0)
    train_set, eval_set = noise(EXAMPLES, generator), noise(EXAMPLES, generator)
    args = TrainingArguments(
        output_dir=str(folder), num_train_epochs=EPOCHS, per_device_train_batch_size=BATCH,
        per_device_eval_batch_size=EXAMPLES, learning_rate=LR, weight_decay=0.0,
        lr_scheduler_type="reduce_lr_on_plateau",
        lr_scheduler_kwargs={"factor": FACTOR, "patience": PATIENCE},
        eval_strategy="steps", eval_steps=EVAL_STEPS, eval_on_start=True,
        logging_steps=1, save_strategy="no", report_to=[], use_cpu=True, seed=0,
        disable_tqdm=True, dataloader_num_workers=0)
    recorder = Recorder()
    torch.manual_seed(0)
    trainer = Trainer(model=NoiseFit(), args=args, train_dataset=train_set,
                      eval_dataset=eval_set, callbacks=[recorder])
    trainer.remove_callback(PrinterCallback)  # the record is printed once, by check()
    trainer.train()
    trainer.save_state()
    state = json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))
    return state, recorder


def check(state: dict, recorder: Recorder) -> None:
    """The conventions the designer's reader assumes, against what the Trainer did."""
    history = state["log_history"]
    logged = {e["step"]: e["learning_rate"] for e in history if "learning_rate" in e}
    evals = [(e["step"], e["eval_loss"]) for e in history if "eval_loss" in e]
    assert sorted(logged) == list(range(1, EPOCHS * EXAMPLES // BATCH + 1)), logged
    # The log at step s is the lr optimizer step s used (after it: before any plateau step).
    assert all(logged[s] == recorder.used[s] for s in logged), (logged, recorder.used)
    # Evaluation at step 0 (eval_on_start) is logged but never steps the scheduler.
    assert evals[0][0] == 0 and all(step > 0 for step, _ in recorder.plateau_steps)
    # Every later evaluation steps the plateau once, with the logged value, after its step.
    assert recorder.plateau_steps == evals[1:], (recorder.plateau_steps, evals)
    drops = sorted({logged[s] for s in logged}, reverse=True)
    assert len(drops) >= 3, f"the lr dropped only {len(drops) - 1} times: {drops}"
    print(f"{len(logged)} logged lrs, {len(evals)} evaluations; lrs {drops}; first step "
          "of each: " + ", ".join(str(min(s for s in logged if logged[s] == lr))
                                  for lr in drops))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        state, recorder = train(Path(scratch))
        check(state, recorder)
        OUTPUT.mkdir(exist_ok=True)
        shutil.copyfile(Path(scratch) / "trainer_state.json", OUTPUT / "trainer_state.json")
