"""Streaming a phase in pieces gives the same floats and the same errors as stepping it whole."""

import numpy as np
import pytest

from designer.core.curves.engine import iter_phase, step_phase
from designer.core.schedule.model import OptimizerConfig, Phase, ScheduleError

SGD = OptimizerConfig("SGD", 0.1, {"momentum": 0.9})


@pytest.mark.parametrize("phase", [
    Phase("CosineAnnealingLR", 103, {"eta_min": 1e-4}),
    Phase("OneCycleLR", 97, {"max_lr": 0.3}),
    Phase("CyclicLR", 64, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 9}),
    Phase("LambdaLR", 50, {"lr_lambda": "0.9 ** step"}),
])
@pytest.mark.parametrize("chunk", [1, 7, 50, 10_000])
def test_pieces_concatenate_to_the_whole_phase(phase, chunk):
    whole = step_phase(phase, SGD, 0.1, 0, momentum=True)
    pieces = list(iter_phase(phase, SGD, 0.1, 0, momentum=True, chunk_steps=chunk))
    assert all(len(p.lr) <= chunk for p in pieces)
    assert np.array_equal(np.concatenate([p.lr for p in pieces]), whole.lr)
    assert np.array_equal(np.concatenate([p.momentum for p in pieces]), whole.momentum)


def test_an_error_mid_phase_arrives_after_the_good_pieces_with_the_same_message():
    phase = Phase("LambdaLR", 40, {"lr_lambda": "1 / (17 - step)"})
    with pytest.raises(ScheduleError) as whole:
        step_phase(phase, SGD, 0.1, 2)
    received = []
    with pytest.raises(ScheduleError) as streamed:
        for piece in iter_phase(phase, SGD, 0.1, 2, chunk_steps=5):
            received.append(piece)  # noqa: PERF402 - list() would lose what came before the error
    assert str(streamed.value) == str(whole.value)
    assert "phases[2].params.lr_lambda" in str(whole.value) and "step 17" in str(whole.value)
    assert sum(len(p.lr) for p in received) == 15  # steps 0-14 arrived before the failure
