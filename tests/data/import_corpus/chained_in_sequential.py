# Idiom: SequentialLR whose first scheduler is a ChainedScheduler (warmup x exponential
#        decay), then a StepLR; torch's SequentialLR re-steps the chain's members when it
#        starts, so the snippet's curve is not the chain's own.
# Source: warmup-then-decay recipes that wrap a chain in SequentialLR (the torch.optim
#         SequentialLR and ChainedScheduler docstrings, combined).
# Expect: differs
import torch
from torch.optim.lr_scheduler import (
    ChainedScheduler,
    ExponentialLR,
    LinearLR,
    SequentialLR,
    StepLR,
)

optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
warmup = LinearLR(optimizer, start_factor=0.1, total_iters=5)
decay = ExponentialLR(optimizer, gamma=0.95)
chain = ChainedScheduler([warmup, decay], optimizer=optimizer)
after = StepLR(optimizer, step_size=10, gamma=0.5)
scheduler = SequentialLR(optimizer, schedulers=[chain, after], milestones=[30])

if __name__ == "__main__":
    for epoch in range(60):
        train(...)
        scheduler.step()
