# Idiom: LinearLR warmup, then a MultiplicativeLR decay, combined with SequentialLR. At the
#        milestone torch multiplies the warmup's last lr by lr_lambda(0) once more.
# Source: epoch-based recipes that decay by a constant factor after a warmup.
# Expect: differs
import torch
from torch.optim import lr_scheduler

optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
warmup = lr_scheduler.LinearLR(optimizer, start_factor=0.25, total_iters=4)
decay = lr_scheduler.MultiplicativeLR(optimizer, lr_lambda=lambda epoch: 0.9)
scheduler = lr_scheduler.SequentialLR(optimizer, [warmup, decay], milestones=[4])

if __name__ == "__main__":
    for epoch in range(30):
        train(...)
        scheduler.step()
