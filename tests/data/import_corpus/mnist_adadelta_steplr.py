# Idiom: the MNIST example: Adadelta with lr 1.0, StepLR(step_size=1, gamma=0.7) per epoch.
# Source: pytorch/examples mnist/main.py.
# Expect: clean
import argparse

import torch.optim as optim
from torch.optim.lr_scheduler import StepLR

parser = argparse.ArgumentParser(description="PyTorch MNIST Example")
parser.add_argument("--epochs", type=int, default=14, metavar="N")
parser.add_argument("--lr", type=float, default=1.0, metavar="LR")
parser.add_argument("--gamma", type=float, default=0.7, metavar="M")
args = parser.parse_args()

optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)

if __name__ == "__main__":
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test(model, device, test_loader)
        scheduler.step()
