# Idiom: a ChainedScheduler left over from a config where the warmup was switched off
#        (ConstantLR with factor 1.0 changes nothing), around a StepLR.
# Source: config-driven training scripts that always chain "warmup" and "main" schedulers.
# Expect: clean
import torch
from torch.optim import lr_scheduler

warmup_factor = 1.0
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
warmup = lr_scheduler.ConstantLR(optimizer, factor=warmup_factor, total_iters=5)
main = lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
scheduler = lr_scheduler.ChainedScheduler([warmup, main])

if __name__ == "__main__":
    for epoch in range(40):
        train(model, optimizer)
        scheduler.step()
