# Idiom: a LambdaLR warmup min(1, (step + 1) / warmup_steps) chained with a StepLR decay,
#        both on the same optimizer, stepped every iteration.
# Source: a PINN trainer in public code found with the code search
#         (LambdaLR(self.optimizer, lr_lambda=lambda step: min(1.0, (step+1) / warmup_steps)),
#         StepLR(self.optimizer, step_size=2000, gamma=0.95), ChainedScheduler([...])).
# Expect: clean
import torch

warmup_steps = 500
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
warmup_lr = torch.optim.lr_scheduler.LambdaLR(
    optimizer, lr_lambda=lambda step: min(1.0, (step + 1) / warmup_steps))
decay_lr = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2000, gamma=0.95)
scheduler = torch.optim.lr_scheduler.ChainedScheduler([warmup_lr, decay_lr])

if __name__ == "__main__":
    for epoch in range(8000):
        train_step(...)
        scheduler.step()
