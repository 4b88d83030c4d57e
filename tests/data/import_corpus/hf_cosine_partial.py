# Idiom: cosine decay with warmup as transformers 4.3x+ writes it: a module-level lambda
#        function with keyword-only arguments, bound with functools.partial.
# Source: transformers/optimization.py (_get_cosine_schedule_with_warmup_lr_lambda).
# Expect: clean
import math
from functools import partial

import torch
from torch.optim.lr_scheduler import LambdaLR


def _get_cosine_schedule_with_warmup_lr_lambda(
    current_step: int, *, num_warmup_steps: int, num_training_steps: int, num_cycles: float
):
    if current_step < num_warmup_steps:
        return float(current_step) / float(max(1, num_warmup_steps))
    progress = float(current_step - num_warmup_steps) / float(max(1, num_training_steps - num_warmup_steps))
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))


max_steps = 1500
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.98), eps=1e-6)
lr_lambda = partial(
    _get_cosine_schedule_with_warmup_lr_lambda,
    num_warmup_steps=150,
    num_training_steps=max_steps,
    num_cycles=0.5,
)
scheduler = LambdaLR(optimizer, lr_lambda)
