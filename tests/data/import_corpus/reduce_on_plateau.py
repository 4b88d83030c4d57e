# Idiom: ReduceLROnPlateau driven by the validation loss.
# Source: the torch.optim.lr_scheduler.ReduceLROnPlateau docstring.
# Expect: simulated
import torch
from torch.optim.lr_scheduler import ReduceLROnPlateau

optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = ReduceLROnPlateau(optimizer, "min", factor=0.1, patience=10)

if __name__ == "__main__":
    for epoch in range(10):
        train(...)
        val_loss = validate(...)
        scheduler.step(val_loss)
