# Idiom: three param groups but OneCycleLR given two max_lr values, which torch refuses
#        ("expected 3 values for max_lr, got 2").
# Source: a common slip when a group is added to the optimizer but not to the scheduler.
# Expect: partial 16
import torch

optimizer = torch.optim.SGD(
    [
        {"params": model.embeddings.parameters(), "lr": 1e-4},
        {"params": model.encoder.parameters(), "lr": 5e-4},
        {"params": model.head.parameters()},
    ],
    lr=1e-3,
    momentum=0.9,
)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=[1e-3, 1e-2], total_steps=500)
