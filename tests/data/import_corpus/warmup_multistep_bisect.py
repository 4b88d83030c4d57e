# Idiom: large-batch ImageNet training: a gradual warmup over 5 epochs from 1/world_size of the
#        lr, then lr / 10 at epochs 30, 60 and 80, with bisect_right counting the milestones.
# Source: the "ImageNet in 1 hour" recipe as distributed-training examples write it
#         (`gamma ** bisect_right(milestones, epoch)` in an lr_schedule(epoch)).
# Expect: clean
from bisect import bisect_right

import torch
from torch.optim.lr_scheduler import LambdaLR

world_size = 8
inv_world_size = 1.0 / world_size
optimizer = torch.optim.SGD(model.parameters(), lr=0.1 * world_size, momentum=0.9,
                            weight_decay=1e-4)


def lr_schedule(epoch):
    if epoch < 5:
        return inv_world_size + ((1 - inv_world_size) / 5 * epoch)
    # multi-step LR schedule (1/10 at 30th, 60th, and 80th)
    milestones = [30, 60, 80]
    gamma = 0.1
    return gamma ** bisect_right(milestones, epoch)


scheduler = LambdaLR(optimizer, lr_schedule)

if __name__ == "__main__":
    for epoch in range(90):
        train_sampler.set_epoch(epoch)
        scheduler.step()
