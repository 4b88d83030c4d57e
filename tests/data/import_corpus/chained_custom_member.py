# Idiom: a ChainedScheduler of a hand-written warmup class and torch's CosineAnnealingLR: the
#        custom member cannot be imported (a problem at its line); the cosine is.
# Source: utils/scheduler.py warmup classes chained with a torch scheduler in public code
#         (WarmUpLR(_LRScheduler) next to CosineAnnealingLR).
# Expect: partial 22
import torch
from torch.optim.lr_scheduler import ChainedScheduler, CosineAnnealingLR, _LRScheduler


class WarmUpLR(_LRScheduler):
    def __init__(self, optimizer, total_iters, last_epoch=-1):
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * self.last_epoch / (self.total_iters + 1e-8)
                for base_lr in self.base_lrs]


optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
cosine = CosineAnnealingLR(optimizer, T_max=200)
warmup = WarmUpLR(optimizer, 5)
scheduler = ChainedScheduler([warmup, cosine])
