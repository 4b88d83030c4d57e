# Idiom: a warmup scheduler and a main scheduler, stepped by hand depending on the epoch,
#        instead of SequentialLR.
# Source: older training scripts written before SequentialLR existed.
# Expect: partial 11 16
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR

warmup_epochs = 5
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
warmup_scheduler = LinearLR(optimizer, start_factor=0.1, total_iters=warmup_epochs)
main_scheduler = CosineAnnealingLR(optimizer, T_max=95)

for epoch in range(100):
    train(...)
    if epoch < warmup_epochs:
        warmup_scheduler.step()
    else:
        main_scheduler.step()
