# Idiom: the 1cycle policy (fastai's fit_one_cycle) in plain PyTorch: OneCycleLR built from
#        epochs and steps_per_epoch, stepped after every batch.
# Source: the torch.optim.lr_scheduler.OneCycleLR docstring; fastai one-cycle recipes.
# Expect: clean
import torch
from torch.optim.lr_scheduler import OneCycleLR

epochs = 5
steps_per_epoch = 120
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
scheduler = OneCycleLR(optimizer, max_lr=0.1, epochs=epochs, steps_per_epoch=steps_per_epoch, pct_start=0.25)

if __name__ == "__main__":
    for epoch in range(epochs):
        for batch in range(steps_per_epoch):
            train_batch(model, batch)
            optimizer.step()
            scheduler.step()
