"""Counts from a training setup against the real Hugging Face Trainer and Lightning.

One device: real `Trainer` objects (transformers) compute `max_steps` from
`num_train_epochs` with `set_initial_training_values`; a real LightningModule fitted by a real
`lightning.Trainer` reads `estimated_stepping_batches` in `configure_optimizers`.
Several devices cannot run on a CPU-only test machine, so there the per-device DataLoader is
built as the frameworks build it (a real `DistributedSampler` for Lightning, Accelerate's real
`BatchSamplerShard` for the Trainer) and its length goes through the frameworks' own step
formulas (Lightning's `estimated_stepping_batches` source, Trainer's
`set_initial_training_values` called on a real Trainer).
"""

from __future__ import annotations

import json
import math
import warnings

import pytest
import torch
from torch.utils.data import BatchSampler, DataLoader, DistributedSampler, SequentialSampler

from designer.core.schedule.training import (
    TrainingSetup,
    TrainingSetupError,
    count_steps,
    setup_from_json,
    setup_to_json,
)

# (examples, batch_size, accumulation, epochs, drop_last): remainders, drop_last, accumulation
# that does not divide the batches, a dataset smaller than one accumulation window.
ONE_DEVICE = [
    (100, 8, 1, 3, False),
    (100, 8, 3, 2, False),
    (100, 8, 3, 2, True),
    (64, 8, 4, 1, False),
    (97, 10, 4, 5, True),
    (10, 4, 8, 2, False),
    (1000, 32, 7, 3, False),
]


class _Pairs(torch.utils.data.Dataset):
    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> dict:
        return {"x": torch.tensor([float(index)]), "labels": torch.tensor(0.0)}


class _TinyModel(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(self, x, labels=None):
        loss = ((self.linear(x).squeeze(-1) - labels) ** 2).mean()
        return {"loss": loss}


def _hf_trainer(tmp_path, examples, batch, accumulation, epochs, drop_last):
    from transformers import Trainer, TrainingArguments

    args = TrainingArguments(
        output_dir=str(tmp_path),
        per_device_train_batch_size=batch,
        gradient_accumulation_steps=accumulation,
        num_train_epochs=epochs,
        dataloader_drop_last=drop_last,
        report_to=[],
        use_cpu=True,
        save_strategy="no",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Trainer(model=_TinyModel(), args=args, train_dataset=_Pairs(examples))


def _hf_max_steps(trainer, dataloader) -> tuple[int, int]:
    values = trainer.set_initial_training_values(trainer.args, dataloader)
    return values[1], values[6]  # num_update_steps_per_epoch, max_steps


@pytest.mark.parametrize(("examples", "batch", "accumulation", "epochs", "drop_last"), ONE_DEVICE)
def test_counts_equal_hugging_face_trainer(
    tmp_path, examples, batch, accumulation, epochs, drop_last
):
    trainer = _hf_trainer(tmp_path, examples, batch, accumulation, epochs, drop_last)
    dataloader = trainer.get_train_dataloader()
    per_epoch, max_steps = _hf_max_steps(trainer, dataloader)
    counted = count_steps(TrainingSetup(examples, batch, 1, accumulation, epochs, drop_last))
    assert counted.batches_per_epoch == len(dataloader)
    assert (counted.steps_per_epoch, counted.total_steps) == (per_epoch, max_steps)


@pytest.mark.parametrize("epochs", [0.5, 1.3, 2.75])
def test_fractional_epochs_equal_hugging_face_trainer(tmp_path, epochs):
    trainer = _hf_trainer(tmp_path, 101, 8, 3, epochs, False)
    _, max_steps = _hf_max_steps(trainer, trainer.get_train_dataloader())
    assert count_steps(TrainingSetup(101, 8, 1, 3, epochs)).total_steps == max_steps


class _Stop(Exception):
    pass


def _lightning_stepping_batches(
    examples, batch, accumulation, epochs, drop_last
) -> tuple[int, int]:
    import lightning.pytorch as pl

    seen: dict = {}

    class Module(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(1, 1)

        def training_step(self, batch_data, batch_idx):
            return self.linear(batch_data["x"]).sum()

        def train_dataloader(self):
            return DataLoader(_Pairs(examples), batch_size=batch, drop_last=drop_last)

        def configure_optimizers(self):
            seen["steps"] = self.trainer.estimated_stepping_batches
            seen["batches"] = self.trainer.num_training_batches
            raise _Stop

    trainer = pl.Trainer(
        max_epochs=epochs,
        accumulate_grad_batches=accumulation,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    with warnings.catch_warnings(), pytest.raises(_Stop):
        warnings.simplefilter("ignore")
        trainer.fit(Module())
    return seen["batches"], seen["steps"]


@pytest.mark.parametrize(("examples", "batch", "accumulation", "epochs", "drop_last"), ONE_DEVICE)
def test_counts_equal_lightning_estimated_stepping_batches(
    examples, batch, accumulation, epochs, drop_last
):
    batches, steps = _lightning_stepping_batches(examples, batch, accumulation, epochs, drop_last)
    counted = count_steps(TrainingSetup(examples, batch, 1, accumulation, epochs, drop_last))
    assert (counted.batches_per_epoch, counted.total_steps) == (batches, steps)


# (examples, batch_size, devices, accumulation, epochs, drop_last)
SEVERAL_DEVICES = [
    (100, 8, 2, 1, 3, False),
    (100, 8, 3, 2, 2, False),
    (1001, 16, 4, 3, 2, False),
    (10, 2, 3, 1, 1, True),
    (1001, 16, 4, 3, 2, True),
    (97, 5, 8, 2, 3, True),
]


@pytest.mark.parametrize(
    ("examples", "batch", "devices", "accumulation", "epochs", "drop_last"), SEVERAL_DEVICES
)
def test_several_devices_equal_lightning_distributed_sampler(
    examples, batch, devices, accumulation, epochs, drop_last
):
    # Lightning replaces the sampler by DistributedSampler(dataset, num_replicas, rank, shuffle)
    # (trainer/connectors/data_connector.py, _get_distributed_sampler) and keeps drop_last;
    # estimated_stepping_batches = ceil(num_training_batches / accumulate) * max(max_epochs, 1).
    lengths = {
        len(
            DataLoader(
                _Pairs(examples),
                batch_size=batch,
                drop_last=drop_last,
                sampler=DistributedSampler(
                    _Pairs(examples), num_replicas=devices, rank=rank, shuffle=True
                ),
            )
        )
        for rank in range(devices)
    }
    assert len(lengths) == 1
    batches = lengths.pop()
    counted = count_steps(TrainingSetup(examples, batch, devices, accumulation, epochs, drop_last))
    assert counted.batches_per_epoch == batches
    assert counted.total_steps == math.ceil(batches / accumulation) * max(epochs, 1)


@pytest.mark.parametrize(
    ("examples", "batch", "devices", "accumulation", "epochs", "drop_last"), SEVERAL_DEVICES
)
def test_several_devices_against_accelerate_sharding(
    tmp_path, examples, batch, devices, accumulation, epochs, drop_last
):
    # The Trainer's dataloader goes through accelerate.prepare_data_loader, which shards the
    # single-device batches with BatchSamplerShard (even_batches=True); max_steps then comes
    # from the real Trainer's set_initial_training_values on a loader of that length.
    from accelerate.data_loader import BatchSamplerShard

    whole = BatchSampler(SequentialSampler(range(examples)), batch, drop_last)
    shard = BatchSamplerShard(whole, num_processes=devices, process_index=0, even_batches=True)
    trainer = _hf_trainer(tmp_path, examples, batch, accumulation, epochs, drop_last)
    _, max_steps = _hf_max_steps(trainer, DataLoader(_Pairs(examples), batch_sampler=shard))
    counted = count_steps(TrainingSetup(examples, batch, devices, accumulation, epochs, drop_last))
    if not drop_last:
        assert (counted.batches_per_epoch, counted.total_steps) == (len(shard), max_steps)
    else:
        # Accelerate drops the whole incomplete global batch: at most one batch fewer.
        assert counted.batches_per_epoch - len(shard) in (0, 1)
        assert len(shard) == examples // (batch * devices)


def test_formula_text_shows_each_count():
    counted = count_steps(TrainingSetup(1001, 16, 4, 3, 2.5))
    assert counted.formula.splitlines() == [
        "examples per device = ceil(1001 / 4 devices) = 251",
        "batches per epoch = ceil(251 / batch 16) = 16",
        "optimizer steps per epoch = max(ceil(16 / accumulation 3), 1) = 6",
        "total optimizer steps = ceil(2.5 epochs × 6) = 15",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"batch_size": 8, "epochs": 1}, "training.examples: missing"),
        (
            {"examples": 0, "batch_size": 8, "epochs": 1},
            "training.examples: must be a whole number >= 1, got 0",
        ),
        (
            {"examples": 10, "batch_size": 8.5, "epochs": 1},
            "training.batch_size: must be a whole number",
        ),
        (
            {"examples": 10, "batch_size": 8, "epochs": 0},
            "training.epochs: must be a number > 0, got 0",
        ),
        (
            {"examples": 10, "batch_size": 8, "epochs": float("nan")},
            "training.epochs: must be a number > 0",
        ),
        (
            {"examples": 10, "batch_size": 8, "epochs": 1, "devices": True},
            "training.devices: must be a whole",
        ),
        (
            {"examples": 10, "batch_size": 8, "epochs": 1, "drop_last": 1},
            "training.drop_last: must be true or false",
        ),
        (
            {"examples": 10, "batch_size": 8, "epochs": 1, "steps": 3},
            "training.steps: unknown field",
        ),
        (
            {"examples": 5, "batch_size": 8, "epochs": 1, "drop_last": True},
            "training.drop_last: 5 examples per",
        ),
        ([1, 2], "training: must be an object, got list"),
    ],
)
def test_bad_setup_names_the_field(data, message):
    with pytest.raises(TrainingSetupError) as caught:
        setup_from_json(data)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_json_round_trip_leaves_defaults_out():
    setup = setup_from_json(
        {"examples": 1001, "batch_size": 16, "devices": 4, "accumulation": 3, "epochs": 2.5}
    )
    assert setup_to_json(setup) == {
        "examples": 1001,
        "batch_size": 16,
        "devices": 4,
        "accumulation": 3,
        "epochs": 2.5,
    }
    plain = setup_from_json({"examples": 10, "batch_size": 2, "epochs": 3.0, "drop_last": False})
    assert setup_to_json(plain) == {"examples": 10, "batch_size": 2, "epochs": 3}
    assert setup_from_json(setup_to_json(setup)) == setup
    with pytest.raises(TrainingSetupError, match=r"^design\.training\.epochs: missing"):
        setup_from_json({"examples": 1, "batch_size": 1}, where="design.training")


# The exported templates take their numbers from the setup ---------------------------------

def _sized(setup: dict, interval: str = "step"):
    from designer.core.schedule.fileformat import load_schedule

    return load_schedule(json.dumps({
        "format": "lr-schedule-designer", "version": 4, "interval": interval,
        "optimizer": {"name": "SGD", "lr": 0.1}, "training": setup,
        "phases": [{"scheduler": "LinearLR", "steps": {"fraction": 0.1}},
                   {"scheduler": "CosineAnnealingLR", "steps": "rest"}]}))


def _exported(key: str, design) -> dict:
    from designer.core.export.templates import render_template

    namespace = {"__name__": "exported_template"}
    exec(compile(render_template(key, design), "<template>", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.mark.parametrize(("examples", "batch", "accumulation", "epochs", "drop_last"),
                         [(100, 8, 3, 2, False), (97, 10, 4, 2.5, True)])
def test_trainer_template_counts_the_designs_steps(tmp_path, examples, batch, accumulation,
                                                    epochs, drop_last):
    design = _sized({"examples": examples, "batch_size": batch, "accumulation": accumulation,
                     "epochs": epochs, "drop_last": drop_last})
    namespace = _exported("hf", design)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = namespace["build_trainer"](_TinyModel(), _Pairs(examples),
                                             output_dir=str(tmp_path))
    args = trainer.args
    assert (args.per_device_train_batch_size, args.gradient_accumulation_steps,
            args.num_train_epochs, args.dataloader_drop_last) == (batch, accumulation, epochs,
                                                                 drop_last)
    assert args.max_steps == namespace["MAX_STEPS"] == design.total_steps
    args.max_steps = -1  # what Trainer counts from num_train_epochs alone
    assert _hf_max_steps(trainer, trainer.get_train_dataloader())[1] == design.total_steps


@pytest.mark.parametrize(("examples", "batch", "accumulation", "epochs", "drop_last"),
                         [(100, 8, 3, 2, False), (97, 10, 4, 3, True)])
def test_lightning_template_counts_the_designs_steps(examples, batch, accumulation, epochs,
                                                     drop_last):
    design = _sized({"examples": examples, "batch_size": batch, "accumulation": accumulation,
                     "epochs": epochs, "drop_last": drop_last})
    namespace = _exported("lightning", design)
    assert namespace["BATCH_SIZE"] == batch and namespace["MAX_EPOCHS"] == epochs
    assert namespace["ACCUMULATE_GRAD_BATCHES"] == accumulation
    _, steps = _lightning_stepping_batches(
        examples, namespace["BATCH_SIZE"], namespace["ACCUMULATE_GRAD_BATCHES"],
        namespace["MAX_EPOCHS"], drop_last)
    assert steps == namespace["MAX_STEPS"] == design.total_steps
    assert "L.Trainer(max_steps=MAX_STEPS, max_epochs=MAX_EPOCHS, accumulate_grad_batches" in (
        " ".join(namespace["__doc__"].split()))
