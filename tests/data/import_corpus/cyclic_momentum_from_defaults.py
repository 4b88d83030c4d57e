# Idiom: CyclicLR whose cycle_momentum is decided by the optimizer the script built: Adam has
#        no 'momentum' in its defaults, so the momentum is not cycled.
# Source: ELEKTRONN/elektronn3 example training scripts (train_unet_*.py), which write
#         `cycle_momentum=True if 'momentum' in optimizer.defaults else False`.
# Expect: clean
# Scheduler: lr_sched
import torch

max_steps = 16_000
optimizer = torch.optim.Adam(model.parameters(), lr=0.5e-3, weight_decay=0.5e-4,
                             amsgrad=True)
lr_sched = torch.optim.lr_scheduler.CyclicLR(
    optimizer,
    base_lr=1e-6,
    max_lr=1e-3,
    step_size_up=2000,
    step_size_down=6000,
    cycle_momentum=True if 'momentum' in optimizer.defaults else False,
)

if __name__ == "__main__":
    for step in range(max_steps):
        train_step(model, optimizer)
        lr_sched.step()
