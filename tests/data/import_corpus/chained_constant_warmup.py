# Idiom: a ConstantLR warmup at warmup_lr / lr chained, positionally, in front of the main
#        scheduler (here a CosineAnnealingLR with eta_min) for the whole run.
# Source: an image-model trainer's create_scheduler in public code found with the code search
#         (ConstantLR(optimizer, factor=args.warmup_learning_rate / args.learning_rate,
#         total_iters=args.warmup_epoch); ChainedScheduler([warmup_scheduler, scheduler])).
# Expect: clean
import argparse

import torch
from torch.optim.lr_scheduler import ChainedScheduler, ConstantLR, CosineAnnealingLR

parser = argparse.ArgumentParser()
parser.add_argument("--learning-rate", type=float, default=0.0002)
parser.add_argument("--warmup-learning-rate", type=float, default=1e-6)
parser.add_argument("--warmup-epoch", type=int, default=1)
parser.add_argument("--max-epoch", type=int, default=200)
args = parser.parse_args()

optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate, betas=(0.9, 0.999))
scheduler = CosineAnnealingLR(optimizer, T_max=args.max_epoch, eta_min=1e-8)
warmup_scheduler = ConstantLR(optimizer,
                              factor=args.warmup_learning_rate / args.learning_rate,
                              total_iters=args.warmup_epoch)
scheduler = ChainedScheduler([warmup_scheduler, scheduler])

if __name__ == "__main__":
    for epoch in range(args.max_epoch):
        train(...)
        scheduler.step()
