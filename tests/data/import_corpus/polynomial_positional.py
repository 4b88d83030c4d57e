# Idiom: PolynomialLR with positional arguments and a positional lr for Adam.
# Source: the torch.optim.lr_scheduler.PolynomialLR docstring, terse research code.
# Expect: clean
import torch.optim as optim
from torch.optim.lr_scheduler import PolynomialLR

optimizer = optim.Adam(model.parameters(), 0.002, (0.9, 0.99))
scheduler = PolynomialLR(optimizer, 40, 2.0)

if __name__ == "__main__":
    for epoch in range(50):
        train(...)
        scheduler.step()
