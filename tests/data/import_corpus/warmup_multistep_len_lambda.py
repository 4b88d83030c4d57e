# Idiom: the `warm_up_with_multistep_lr` lambda: a linear warmup, then the lr times gamma to the
#        number of milestones passed, counted with len() of a comprehension.
# Source: the warm_up_with_multistep_lr idiom (a GitHub code search for
#         `gamma**len([m for m in milestones if m <= epoch])` finds it in many repositories).
# Expect: clean
import torch
from torch import optim

milestones = [30, 100, 120, 140]
warm_up_epochs = 5
gamma = 0.5
lr = 1e-4

optimizer = optim.Adam(model.parameters(), lr=lr)
warm_up_with_multistep_lr = lambda epoch: epoch / int(warm_up_epochs) if epoch <= int(
    warm_up_epochs) else gamma**len([m for m in milestones if m <= epoch])
scheduler = optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=warm_up_with_multistep_lr)

if __name__ == "__main__":
    for epoch in range(160):
        train(epoch)
        scheduler.step()
