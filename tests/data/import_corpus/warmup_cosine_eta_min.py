# Idiom: SGD warmup then cosine down to a floor (eta_min), via SequentialLR. torch restarts
#        the cosine through its closed form, which rounds lr 0.01 to 0.010000000000000002.
# Source: CIFAR/detection recipes with a minimum lr.
# Expect: differs
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR

optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
scheduler = SequentialLR(
    optimizer,
    schedulers=[
        LinearLR(optimizer, start_factor=0.1, total_iters=3),
        CosineAnnealingLR(optimizer, T_max=57, eta_min=1e-3),
    ],
    milestones=[3],
)

if __name__ == "__main__":
    for epoch in range(60):
        train(...)
        scheduler.step()
