# Idiom: MultiStepLR milestones computed with list(range(...)) from argparse defaults: halve
#        the lr every epoch from a decay epoch on.
# Source: the `milestones=list(range(` idiom of many training scripts (a GitHub code search
#         finds dozens), e.g. RNN code-completion training: get_scheduler_args(args, optimizer).
# Expect: clean
import argparse

import torch
from torch.optim.lr_scheduler import MultiStepLR

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--decay_after_epoch", type=int, default=12)
parser.add_argument("--decay_multiplier", type=float, default=0.6)
parser.add_argument("--learning_rate", type=float, default=1e-3)
args = parser.parse_args()

optimizer = torch.optim.Adam(
    params=filter(lambda p: p.requires_grad, model.parameters()),
    lr=args.learning_rate,
    weight_decay=1e-6,
)
scheduler = MultiStepLR(
    optimizer=optimizer,
    milestones=list(range(args.decay_after_epoch, args.epochs + 1)),
    gamma=args.decay_multiplier,
)

if __name__ == "__main__":
    for epoch in range(args.epochs):
        train_epoch(model, optimizer)
        scheduler.step()
