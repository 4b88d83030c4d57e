# Idiom: SequentialLR of a LinearLR warmup, then a ChainedScheduler of a cosine decay and a
#        step decay. Torch raises NotImplementedError at the milestone (SequentialLR restarts
#        the chain with _update_lr(0)); the design runs the chain from there.
# Source: warmup-then-chain configs (the torch.optim SequentialLR and ChainedScheduler
#         docstrings, combined).
# Expect: partial 18
import torch
from torch.optim.lr_scheduler import (
    ChainedScheduler,
    CosineAnnealingLR,
    LinearLR,
    MultiStepLR,
    SequentialLR,
)

optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
warmup = LinearLR(optimizer, start_factor=0.01, total_iters=10)
chain = ChainedScheduler([
    CosineAnnealingLR(optimizer, T_max=90),
    MultiStepLR(optimizer, milestones=[30, 60], gamma=0.5),
])
scheduler = SequentialLR(optimizer, [warmup, chain], milestones=[10])

for epoch in range(100):
    train(...)
    scheduler.step()
