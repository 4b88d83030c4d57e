# Idiom: the number of training steps computed from the DataLoader's length.
# Source: Hugging Face run_*_no_trainer.py-style scripts.
# Expect: partial 15
import torch

num_epochs = 3
num_training_steps = num_epochs * len(train_dataloader)
warmup_steps = 100

optimizer = torch.optim.AdamW(model.parameters(), lr=3e-5)


def lr_lambda(step):
    return min(1.0, step / warmup_steps) * max(0.0, 1 - step / num_training_steps)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
