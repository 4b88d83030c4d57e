# Idiom: fairseq-style inverse square root schedule as a one-line lambda with math.sqrt.
# Source: fairseq's inverse_sqrt scheduler, as commonly rewritten for plain PyTorch.
# Expect: clean
import math

import torch

warmup_updates = 4000
optimizer = torch.optim.Adam(model.parameters(), lr=5e-4, betas=(0.9, 0.98))
scheduler = torch.optim.lr_scheduler.LambdaLR(
    optimizer,
    lambda step: min((step + 1) / warmup_updates, math.sqrt(warmup_updates / (step + 1))),
)
num_steps = 20000
