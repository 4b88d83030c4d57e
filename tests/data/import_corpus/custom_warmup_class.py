# Idiom: a hand-written warmup + cosine scheduler class deriving from _LRScheduler.
# Source: countless repositories' utils/scheduler.py (GradualWarmupScheduler and friends).
# Expect: nothing 27
import math

import torch
from torch.optim.lr_scheduler import _LRScheduler


class WarmupCosineLR(_LRScheduler):
    def __init__(self, optimizer, warmup_steps, total_steps, last_epoch=-1):
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        step = self.last_epoch
        if step < self.warmup_steps:
            return [base_lr * (step + 1) / self.warmup_steps for base_lr in self.base_lrs]
        progress = (step - self.warmup_steps) / max(1, self.total_steps - self.warmup_steps)
        return [base_lr * 0.5 * (1 + math.cos(math.pi * progress)) for base_lr in self.base_lrs]


optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

# The schedule the training uses.
scheduler = WarmupCosineLR(optimizer, warmup_steps=100, total_steps=1000)
