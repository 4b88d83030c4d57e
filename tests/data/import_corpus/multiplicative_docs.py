# Idiom: MultiplicativeLR with a constant factor per epoch.
# Source: the torch.optim.lr_scheduler.MultiplicativeLR docstring.
# Expect: clean
import torch
from torch.optim.lr_scheduler import MultiplicativeLR

optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
lmbda = lambda epoch: 0.95  # noqa: E731
scheduler = MultiplicativeLR(optimizer, lr_lambda=lmbda)

if __name__ == "__main__":
    for epoch in range(100):
        train(...)
        validate(...)
        scheduler.step()
