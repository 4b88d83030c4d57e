# Idiom: the Transformer ("Noam") schedule: linear warmup, then decay with the inverse square
#        root of the step, scaled by d_model ** -0.5; LambdaLR calling a helper function.
# Source: The Annotated Transformer (harvardnlp), section "Optimizer".
# Expect: clean
# Scheduler: lr_scheduler
import torch
from torch.optim.lr_scheduler import LambdaLR


def rate(step, model_size, factor, warmup):
    """
    we have to default the step to 1 for LambdaLR function
    to avoid zero raising to negative power.
    """
    if step == 0:
        step = 1
    return factor * (
        model_size ** (-0.5) * min(step ** (-0.5), step * warmup ** (-1.5))
    )


d_model = 512
warmup = 400
optimizer = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9)
lr_scheduler = LambdaLR(
    optimizer=optimizer,
    lr_lambda=lambda step: rate(step, d_model, factor=1, warmup=warmup),
)

if __name__ == "__main__":
    for step in range(2000):
        loss = run_batch(model)
        optimizer.step()
        lr_scheduler.step()
