# Idiom: SGDR, cosine annealing with warm restarts, cycles of 10, 20 and 40 epochs.
# Source: the CosineAnnealingWarmRestarts docstring; SGDR (Loshchilov & Hutter) CIFAR recipes.
# Expect: clean
import torch

optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=10, T_mult=2, eta_min=1e-4)

if __name__ == "__main__":
    for epoch in range(70):
        train(model, optimizer)
        scheduler.step()
