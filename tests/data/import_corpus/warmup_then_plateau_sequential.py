# Idiom: a LinearLR warmup in front of ReduceLROnPlateau, combined with SequentialLR, which
#        torch refuses (SequentialLR steps its schedulers without the metric); the warmup imports.
# Source: forum threads asking how to warm up before ReduceLROnPlateau.
# Expect: partial 10
import torch
from torch.optim.lr_scheduler import LinearLR, ReduceLROnPlateau, SequentialLR

optimizer = torch.optim.Adam(model.parameters(), lr=3e-4)
warmup = LinearLR(optimizer, start_factor=0.01, total_iters=5)
plateau = ReduceLROnPlateau(optimizer, mode="min", factor=0.2, patience=5)
scheduler = SequentialLR(optimizer, schedulers=[warmup, plateau], milestones=[5])

for epoch in range(50):
    train(...)
    scheduler.step()
