# Idiom: SGDR stepped with a fractional epoch after every batch.
# Source: the CosineAnnealingWarmRestarts.step docstring.
# Expect: partial 15
import torch
from torch.optim.lr_scheduler import CosineAnnealingWarmRestarts

optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = CosineAnnealingWarmRestarts(optimizer, T_0=5, T_mult=1)
iters = 200

for epoch in range(20):
    for i in range(iters):
        loss = step_batch(model, i)
        optimizer.step()
        scheduler.step(epoch + i / iters)
