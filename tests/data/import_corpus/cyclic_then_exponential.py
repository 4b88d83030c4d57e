# Idiom: explore with a triangular2 CyclicLR, then decay exponentially, via SequentialLR.
# Source: cyclical learning rate recipes (Smith, 2017) combined with a final decay.
# Expect: differs
import torch
from torch.optim import lr_scheduler

total_steps = 600
optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
cyclic = lr_scheduler.CyclicLR(optimizer, base_lr=1e-4, max_lr=1e-2, step_size_up=100, mode="triangular2")
decay = lr_scheduler.ExponentialLR(optimizer, gamma=0.99)
scheduler = lr_scheduler.SequentialLR(optimizer, [cyclic, decay], milestones=[400])
