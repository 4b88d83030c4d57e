# Idiom: ChainedScheduler of a constant warmup factor and an exponential decay.
# Source: the torch.optim.lr_scheduler.ChainedScheduler docstring (also mirrored in
#         helmholtz-analytics/heat doc/api/heat/optim/lr_scheduler.md).
# Expect: clean
import torch
from torch.optim.lr_scheduler import ChainedScheduler, ConstantLR, ExponentialLR

optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
scheduler1 = ConstantLR(optimizer, factor=0.1, total_iters=20)
scheduler2 = ExponentialLR(optimizer, gamma=0.9)
scheduler = ChainedScheduler([scheduler1, scheduler2], optimizer=optimizer)

if __name__ == "__main__":
    for epoch in range(100):
        train(...)
        validate(...)
        scheduler.step()
