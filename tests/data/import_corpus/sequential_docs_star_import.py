# Idiom: ConstantLR for two epochs, then ExponentialLR, with SequentialLR and a star import.
# Source: the torch.optim.lr_scheduler.SequentialLR docstring.
# Expect: clean
import torch
from torch.optim.lr_scheduler import *  # noqa: F403

optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
scheduler1 = ConstantLR(optimizer, factor=0.1, total_iters=2)  # noqa: F405
scheduler2 = ExponentialLR(optimizer, gamma=0.9)  # noqa: F405
scheduler = SequentialLR(optimizer, schedulers=[scheduler1, scheduler2], milestones=[2])  # noqa: F405

if __name__ == "__main__":
    for epoch in range(100):
        train(...)
        validate(...)
        scheduler.step()
