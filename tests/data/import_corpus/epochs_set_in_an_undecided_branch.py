# Idiom: the run length changed in a branch the script decides at run time (a debug or
#        smoke-test switch from a config file), then used for the cosine's T_max.
# Source: config-driven training scripts (`if cfg.debug: epochs = 1`).
# Expect: partial 11
import torch

epochs = 100
if cfg.debug:
    epochs = 1
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
