# Idiom: fine-tuning with a smaller lr on the backbone: one warmup lr_lambda per param group
#        (the same function twice) chained with a cosine decay with eta_min, and a MultiStepLR
#        whose milestones come from a literal range.
# Source: LinearWarmupCosine chains in public fine-tuning code found with the code search
#         (ChainedScheduler([warmup_scheduler, cosine_scheduler]), LambdaLR warmup with
#         lr_lambda=warmup_lambda); per-group lr_lambda lists as the LambdaLR docstring shows.
# Expect: clean
import torch
from torch.optim import lr_scheduler

epochs = 60
warmup_epochs = 5


def warmup_lambda(epoch):
    if epoch < warmup_epochs:
        return float(epoch + 1) / float(max(1, warmup_epochs))
    return 1.0


optimizer = torch.optim.SGD([
    {"params": model.backbone.parameters(), "lr": 0.001},
    {"params": model.head.parameters()},
], lr=0.01, momentum=0.9, weight_decay=1e-4)
warmup = lr_scheduler.LambdaLR(optimizer, lr_lambda=[warmup_lambda, warmup_lambda])
cosine = lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs - warmup_epochs, eta_min=1e-5)
steps = lr_scheduler.MultiStepLR(optimizer, milestones=list(range(20, epochs, 20)), gamma=0.5)
scheduler = lr_scheduler.ChainedScheduler([warmup, cosine, steps], optimizer=optimizer)

if __name__ == "__main__":
    for epoch in range(epochs):
        train(...)
        scheduler.step()
