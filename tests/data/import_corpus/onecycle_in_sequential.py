# Idiom: a gentle LinearLR warmup in front of OneCycleLR, combined with SequentialLR.
#        OneCycleLR's constructor rewrites the shared param group, so torch's curve is not
#        "warmup, then one cycle" (see README "What the curve is").
# Source: forum and issue threads asking why the warmup starts at the wrong lr.
# Expect: differs
import torch
from torch.optim.lr_scheduler import LinearLR, OneCycleLR, SequentialLR

optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
warmup = LinearLR(optimizer, start_factor=0.1, total_iters=50)
one_cycle = OneCycleLR(optimizer, max_lr=0.1, total_steps=450)
scheduler = SequentialLR(optimizer, schedulers=[warmup, one_cycle], milestones=[50])
