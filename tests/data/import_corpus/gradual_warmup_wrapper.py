# Idiom: a third-party warmup scheduler wrapping a torch cosine: GradualWarmupScheduler
#        (pip package warmup_scheduler) with after_scheduler=CosineAnnealingLR.
# Source: ildoonet/pytorch-gradual-warmup-lr README and the many scripts that use it.
# Expect: partial 11
import torch
from warmup_scheduler import GradualWarmupScheduler

max_epoch = 100
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
scheduler_cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max_epoch)
scheduler_warmup = GradualWarmupScheduler(
    optimizer, multiplier=8, total_epoch=10, after_scheduler=scheduler_cosine)

if __name__ == "__main__":
    for epoch in range(1, max_epoch):
        scheduler_warmup.step(epoch)
