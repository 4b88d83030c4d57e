# Idiom: a hand-written warmup scheduler class followed by torch's cosine in SequentialLR.
# Source: training scripts that define their own `class LinearWarmup(_LRScheduler)` and chain it
#         with SequentialLR (a GitHub code search for `SequentialLR(` beside `(_LRScheduler)`).
# Expect: partial 22
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, SequentialLR, _LRScheduler


class LinearWarmup(_LRScheduler):
    def __init__(self, optimizer, warmup_steps, last_epoch=-1):
        self.warmup_steps = warmup_steps
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * (self.last_epoch + 1) / self.warmup_steps for base_lr in self.base_lrs]


warmup_steps, total_steps = 500, 10_000
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.05)
scheduler = SequentialLR(
    optimizer,
    [LinearWarmup(optimizer, warmup_steps), CosineAnnealingLR(optimizer, total_steps - warmup_steps)],
    milestones=[warmup_steps],
)
