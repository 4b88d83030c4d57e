"""Export templates: the design as code for the user's training setup.

Besides the plain-loop module (`export_python`), a design exports as the bare
`build_scheduler` function, as a PyTorch Lightning `configure_optimizers`, and as a Hugging
Face `Trainer` snippet. All of them build the scheduler with the exporter's own
`build_scheduler` (a single torch scheduler, SequentialLR, or the PhasedLR helper, by the
same rules), so each one steps exactly the previewed curve when its framework steps it the
way the template says.

Like the plain module, nothing from the file is pasted as text: the design's name is left
out, and the comments carry only numbers and fixed sentences.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from designer import __version__
from designer.core.export.python_module import (
    call_advice,
    export_python,
    optimizer_constructor,
    param_groups_constant,
    scheduler_definitions,
    sequential_lr_obstacles,
    uses_math,
)
from designer.core.export.training_args import (
    hf_setup_arguments,
    hf_setup_constants,
    lightning_setup_constants,
    lightning_trainer_arguments,
)
from designer.core.schedule.model import Schedule, ScheduleError

_OPTIMIZER_GROUPS = '''
def optimizer_groups(parameters):
    """The optimizer's param groups in the design's order; `parameters` maps each name of
    PARAM_GROUPS to that group's parameters."""
    return [{"params": list(parameters[name]), "lr": lr} for name, lr in PARAM_GROUPS.items()]
'''


@dataclass(frozen=True)
class Template:
    """One way to export a design as code. `key` is the CLI's `--to` name."""

    key: str
    label: str
    description: str
    render: Callable[[Schedule], str]


def render_template(key: str, schedule: Schedule) -> str:
    """The source text of template `key` (one of TEMPLATES) for `schedule`."""
    return TEMPLATES[key].render(schedule)


def function_source(schedule: Schedule) -> str:
    """Imports, the PhasedLR helper when needed, and `build_scheduler(optimizer)`."""
    lines = [f"# Learning-rate schedule designed with LR Schedule Designer {__version__}."]
    lines += [f"# {line}" for sentence in _advice(schedule)
              for line in textwrap.wrap(sentence, 88)]
    lines += ["", *_imports(schedule, ["from torch.optim import lr_scheduler"])]
    lines += [line for line in param_groups_constant(schedule)[1:]]
    lines += scheduler_definitions(schedule)
    return "\n".join(lines) + "\n"


def lightning_source(schedule: Schedule) -> str:
    """A LightningModule skeleton whose `configure_optimizers` is the design."""
    every = plateau_eval_every(schedule, "Lightning")
    per_step = schedule.interval == "step"
    length = "MAX_STEPS" if per_step else "MAX_EPOCHS"
    when = "once per optimizer step" if per_step else "at the end of every training epoch"
    if every is not None:
        when = (f'with the logged "{_monitor(schedule)}" at the end of every '
                f"{_nth(every)}training epoch")
    lines = [
        '"""PyTorch Lightning: the designed optimizer and lr schedule in configure_optimizers.',
        "",
        *textwrap.wrap(f"Exported by LR Schedule Designer {__version__}. Lightning calls "
                       f'scheduler.step() {when} ("interval": "{schedule.interval}"); train '
                       f"with L.Trainer({lightning_trainer_arguments(schedule, length)}).",
                       84),
        '"""',
        "",
        *_imports(schedule, [
            "import lightning as L  # Lightning 2.x; or: import pytorch_lightning as L",
            "import torch",
            "from torch.optim import lr_scheduler",
        ]),
        f"{length} = {schedule.total_steps}",
        *lightning_setup_constants(schedule),
        *param_groups_constant(schedule),
        "",
    ]
    reasons = sequential_lr_obstacles(schedule)
    lines += scheduler_definitions(schedule, reasons)
    lines += _groups_helper(schedule)
    lines += [
        "",
        "",
        "class LitModel(L.LightningModule):",
        '    """Your LightningModule: keep its __init__, forward and training_step; the',
        '    optimizer and lr schedule come from the design."""',
        "",
        "    def configure_optimizers(self):",
        *_optimizer_lines(schedule, "self", "        "),
        "        scheduler = build_scheduler(optimizer)",
        "        return {",
        '            "optimizer": optimizer,',
        '            "lr_scheduler": {',
        '                "scheduler": scheduler,',
        f'                "interval": "{schedule.interval}",',
        f'                "frequency": {every or 1},',
        *_monitor_lines(schedule, every),
        "            },",
        "        }",
    ]
    if reasons:
        lines += [
            "",
            "    def lr_scheduler_step(self, scheduler, metric):",
            "        # Lightning steps torch's LRScheduler subclasses itself and refuses other",
            "        # schedulers unless the module steps them; PhasedLR is such a class.",
            "        scheduler.step()",
        ]
    return "\n".join(lines) + "\n"


_EPOCH_SCHEDULER = '''
class EpochScheduler:
    """Steps the designed per-epoch scheduler once every `steps_per_epoch` calls.

    Trainer calls step() after every optimizer step; this keeps the design's lr for a
    whole epoch of them, as a per-epoch training loop would.
    """

    def __init__(self, scheduler, steps_per_epoch):
        self.scheduler = scheduler
        self.steps_per_epoch = steps_per_epoch
        self.optimizer_steps = 0

    def step(self):
        self.optimizer_steps += 1
        if self.optimizer_steps % self.steps_per_epoch == 0:
            self.scheduler.step()

    def get_last_lr(self):
        return self.scheduler.get_last_lr()

    def state_dict(self):
        return {
            "optimizer_steps": self.optimizer_steps,
            "scheduler": self.scheduler.state_dict(),
        }

    def load_state_dict(self, state):
        self.optimizer_steps = state["optimizer_steps"]
        self.scheduler.load_state_dict(state["scheduler"])
'''


def hf_source(schedule: Schedule) -> str:
    """A `build_trainer(model, train_dataset)` that hands Trainer the designed optimizer
    and scheduler through `optimizers=(optimizer, scheduler)`."""
    if schedule.optimizer.name == "LBFGS":
        raise ScheduleError("optimizer.name", "the Hugging Face template cannot train with "
                            "LBFGS: Trainer calls optimizer.step() without the closure LBFGS "
                            "needs; export the plain module, the function or the Lightning "
                            "module")
    every = plateau_eval_every(schedule, "Hugging Face")
    wrapped = schedule.interval == "epoch" and bool(schedule.steps_per_epoch)
    lines = [*_hf_header(schedule, every), *_hf_constants(schedule, every, wrapped),
             *param_groups_constant(schedule), ""]
    lines += scheduler_definitions(schedule, stepped=_hf_stepped(schedule, every, wrapped))
    lines += _groups_helper(schedule)
    if wrapped:
        lines += ["", "", _EPOCH_SCHEDULER.strip("\n")]
    lines += _hf_build_trainer(schedule, every, wrapped)
    return "\n".join(lines) + "\n"


def _hf_header(schedule: Schedule, every: int | None) -> list[str]:
    """The module docstring (who steps the scheduler) and the imports."""
    return [
        '"""Hugging Face Trainer: the designed optimizer and lr schedule as its `optimizers`.',
        "",
        *textwrap.wrap(
            f"Exported by LR Schedule Designer {__version__}. Trainer uses this optimizer and "
            "scheduler instead of its own (TrainingArguments' learning_rate, "
            "lr_scheduler_type and warmup settings do not apply) and "
            + ("calls scheduler.step() once per optimizer step, after gradient accumulation."
               if every is None else
               "steps this ReduceLROnPlateau after every evaluation, with the metric named "
               "below."), 84),
        '"""',
        "",
        *_imports(schedule, [
            "import torch",
            "from torch.optim import lr_scheduler",
            "from transformers import Trainer, TrainingArguments",
        ]),
    ]


def _hf_constants(schedule: Schedule, every: int | None, wrapped: bool) -> list[str]:
    """MAX_STEPS (and the epoch constants, or the warning of a per-epoch design Trainer
    steps per optimizer step), and a plateau's EVAL_STEPS."""
    if wrapped:
        lines = [
            "# The design steps once per epoch. STEPS_PER_EPOCH must be the optimizer steps",
            "# of one Trainer epoch: len(train_dataloader) // gradient_accumulation_steps.",
            f"EPOCHS = {schedule.total_steps}",
            f"STEPS_PER_EPOCH = {schedule.steps_per_epoch}",
            "MAX_STEPS = EPOCHS * STEPS_PER_EPOCH",
        ]
    elif schedule.interval == "epoch":
        lines = [
            f"# WARNING: this design steps once per epoch ({schedule.total_steps:,} values), but",
            "# Trainer steps the scheduler after every optimizer step, so each value lasts",
            "# one optimizer step here. Set the design's steps per epoch and export again",
            "# to keep each value for a whole epoch.",
            f"MAX_STEPS = {schedule.total_steps}",
        ]
    else:
        lines = [f"MAX_STEPS = {schedule.total_steps}"]
    lines += hf_setup_constants(schedule)
    if every is not None:
        lines += ["# Trainer steps ReduceLROnPlateau after each evaluation, with the eval metric,",
                  "# instead of after optimizer steps: evaluate every EVAL_STEPS steps.",
                  f"EVAL_STEPS = {every}"]
    return lines


def _hf_build_trainer(schedule: Schedule, every: int | None, wrapped: bool) -> list[str]:
    """`build_trainer`: the designed optimizer and scheduler handed to Trainer."""
    scheduler = ("EpochScheduler(build_scheduler(optimizer), STEPS_PER_EPOCH)" if wrapped
                 else "build_scheduler(optimizer)")
    evaluated = ", eval_dataset" if every is not None else ""
    lines = [
        "",
        "",
        f'def build_trainer(model, train_dataset{evaluated}, output_dir="trainer_output"):',
        '    """A Trainer that trains `model` with the designed optimizer and lr schedule."""',
    ]
    if schedule.optimizer.params.get("weight_decay") and not schedule.param_groups:
        lines += ["    # One param group, as designed (Trainer's own optimizer would exempt",
                  "    # biases and LayerNorm weights from weight decay)."]
    return lines + [
        *_optimizer_lines(schedule, "model", "    "),
        f"    scheduler = {scheduler}",
        *_training_arguments(schedule, every),
        "    return Trainer(",
        "        model=model,",
        "        args=args,",
        "        train_dataset=train_dataset,",
        *(["        eval_dataset=eval_dataset,"] if every is not None else []),
        "        optimizers=(optimizer, scheduler),",
        "    )",
    ]


def _hf_stepped(schedule: Schedule, every: int | None, wrapped: bool) -> str:
    """How Trainer steps the scheduler, for `build_scheduler`'s docstring: the module's
    header says the same (Trainer, not the user, calls step())."""
    if every is not None:
        return "Trainer steps it after every evaluation, with the eval metric"
    if wrapped:
        return ("EpochScheduler steps it once per epoch (every STEPS_PER_EPOCH optimizer "
                "steps of Trainer)")
    if schedule.interval == "epoch":
        return "Trainer calls its step() once per optimizer step (see the warning above)"
    return "Trainer calls its step() once per optimizer step"


def _training_arguments(schedule: Schedule, every: int | None) -> list[str]:
    setup = hf_setup_arguments(schedule)
    if every is None and not setup:
        return ["    args = TrainingArguments(output_dir=output_dir, max_steps=MAX_STEPS)"]
    if every is None:
        return ["    args = TrainingArguments(", "        output_dir=output_dir,",
                "        max_steps=MAX_STEPS,", *setup, "    )"]
    metric = "loss" if schedule.phases[0].param_value("mode") == "min" else "accuracy"
    lines = ["    args = TrainingArguments(",
             "        output_dir=output_dir,",
             "        max_steps=MAX_STEPS,",
             *setup,
             '        eval_strategy="steps",',
             "        eval_steps=EVAL_STEPS,"]
    if metric == "loss":
        lines.append('        metric_for_best_model="loss",  # the metric ReduceLROnPlateau gets')
    else:
        lines += ['        # ReduceLROnPlateau gets this metric (mode "max"): have compute_metrics',
                  '        # return it, or name the one it returns.',
                  '        metric_for_best_model="accuracy",']
    return [*lines, "    )"]


def plateau_eval_every(schedule: Schedule, framework: str) -> int | None:
    """For a design with a simulated ReduceLROnPlateau phase: its eval_every, if the
    framework steps it exactly as the design simulates (after every eval_every-th step, with
    the validation metric); ScheduleError saying why not otherwise. None without one.

    Both frameworks step a lone ReduceLROnPlateau with the metric on their own clock:
    Lightning at the end of every `frequency`-th epoch ("interval": "epoch"; its
    step-interval plateau schedulers step after every `frequency`-th batch of an epoch with
    the last validation metric, not with a new one), Trainer after every evaluation
    (eval_strategy="steps", a per-step design).
    Neither passes a metric to a scheduler of several phases (PhasedLR)."""
    if not schedule.uses_simulation():
        return None
    export = "; export the plain module or the function, and call scheduler.step(val_loss) " \
             "where you evaluate"
    if len(schedule.phases) > 1 or sequential_lr_obstacles(schedule):
        where = ("among other phases" if len(schedule.phases) > 1
                 else "that starts from an explicit lr (the PhasedLR helper)")
        raise ScheduleError("", f"the {framework} template cannot step a ReduceLROnPlateau "
                            f"phase {where}: {framework} passes the validation metric only "
                            "to a lone ReduceLROnPlateau" + export)
    wanted = "epoch" if framework == "Lightning" else "step"
    if schedule.interval != wanted:
        clock = ("at the end of every epoch" if wanted == "epoch"
                 else "after evaluations counted in optimizer steps")
        raise ScheduleError("", f"the {framework} template steps a ReduceLROnPlateau "
                            f"{clock}: set the design's interval to {wanted!r}" + export)
    return int(schedule.phases[0].param_value("eval_every"))


def _monitor(schedule: Schedule) -> str:
    return "val_loss" if schedule.phases[0].param_value("mode") == "min" else "val_acc"


def _nth(every: int) -> str:
    return "" if every == 1 else {2: "2nd ", 3: "3rd "}.get(every, f"{every}th ")


def _monitor_lines(schedule: Schedule, every: int | None) -> list[str]:
    if every is None:
        return []
    return ["                # ReduceLROnPlateau steps with this metric: self.log() it in",
            "                # validation_step, and validate every epoch (Lightning's default).",
            f'                "monitor": "{_monitor(schedule)}",']


def _groups_helper(schedule: Schedule) -> list[str]:
    return ["", "", _OPTIMIZER_GROUPS.strip("\n")] if schedule.param_groups else []


def _optimizer_lines(schedule: Schedule, owner: str, indent: str) -> list[str]:
    """`optimizer = ...` on `owner`'s parameters; with param groups, each group's
    parameters are taken from `owner`'s submodule of the group's name."""
    if not schedule.param_groups:
        return [f"{indent}optimizer = {optimizer_constructor(schedule, f'{owner}.parameters()')}"]
    lines = [f"{indent}# Each design group's parameters: edit to your model's modules.",
             f"{indent}groups = optimizer_groups({{"]
    lines += [f"{indent}    {group.name!r}: {owner}.{group.name}.parameters(),"
              for group in schedule.param_groups]
    lines += [f"{indent}}})", f"{indent}optimizer = {optimizer_constructor(schedule, 'groups')}"]
    return lines


def _imports(schedule: Schedule, third_party: list[str]) -> list[str]:
    """The import blocks, `third_party` given in isort's order (ruff checks it)."""
    return (["import math", ""] if uses_math(schedule) else []) + [*third_party, ""]


def _advice(schedule: Schedule) -> list[str]:
    sentences = call_advice(schedule)
    sentences[-1] += "."
    return sentences


TEMPLATES: dict[str, Template] = {
    template.key: template for template in (
        Template("python", "Plain module",
                 "A self-contained module with build_scheduler and a loop that prints the "
                 "curve", export_python),
        Template("function", "Function only",
                 "Just build_scheduler(optimizer), to paste into your training script",
                 function_source),
        Template("lightning", "Lightning",
                 "A LightningModule's configure_optimizers returning the optimizer and the "
                 "lr_scheduler config with the design's interval", lightning_source),
        Template("hf", "Hugging Face",
                 "build_trainer(): Trainer(optimizers=(optimizer, scheduler)) with the "
                 "designed optimizer and schedule", hf_source),
    )
}
