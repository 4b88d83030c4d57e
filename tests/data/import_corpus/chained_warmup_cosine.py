# Idiom: "LinearLR warmup x CosineAnnealingLR" as one ChainedScheduler with optimizer=, the
#        cosine's T_max the steps after the warmup while the chain runs all the steps.
# Source: a trainer's _create_optimizer in public code found with the code search
#         ("ChainedScheduler([warmup_scheduler, decay_scheduler], optimizer=optimizer)",
#         LinearLR(start_factor=1e-12, end_factor=1, total_iters=n_warmup_steps),
#         CosineAnnealingLR(T_max=n_steps - n_warmup_steps)).
# Expect: clean
import torch
from torch.optim.lr_scheduler import ChainedScheduler, CosineAnnealingLR, LinearLR

n_steps = 1000
n_warmup_steps = 100
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95),
                              weight_decay=0.05)
warmup_scheduler = LinearLR(optimizer, start_factor=1e-12, end_factor=1,
                            total_iters=n_warmup_steps)
decay_scheduler = CosineAnnealingLR(optimizer, T_max=n_steps - n_warmup_steps)
scheduler = ChainedScheduler([warmup_scheduler, decay_scheduler], optimizer=optimizer)

if __name__ == "__main__":
    for step in range(n_steps):
        train_step(...)
        scheduler.step()
