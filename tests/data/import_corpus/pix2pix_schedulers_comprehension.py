# Idiom: pix2pix / CycleGAN-and-pix2pix: one scheduler per optimizer, built in a list
#        comprehension by get_scheduler(optimizer, opt), whose 'linear' policy keeps the lr for
#        n_epochs and decays it linearly to zero over n_epochs_decay.
# Source: junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py (get_scheduler) and
#         models/base_model.py (setup: self.schedulers = [... for optimizer in self.optimizers]).
# Expect: clean
# Scheduler: schedulers[0]; schedulers[1]
import argparse

import torch
from torch.optim import lr_scheduler

parser = argparse.ArgumentParser()
parser.add_argument("--epoch_count", type=int, default=1)
parser.add_argument("--n_epochs", type=int, default=100)
parser.add_argument("--n_epochs_decay", type=int, default=100)
parser.add_argument("--lr", type=float, default=0.0002)
parser.add_argument("--beta1", type=float, default=0.5)
parser.add_argument("--lr_policy", type=str, default="linear")
opt = parser.parse_args()


def get_scheduler(optimizer, opt):
    if opt.lr_policy == "linear":
        def lambda_rule(epoch):
            lr_l = 1.0 - max(0, epoch + opt.epoch_count - opt.n_epochs) / float(opt.n_epochs_decay + 1)
            return lr_l
        scheduler = lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda_rule)
    elif opt.lr_policy == "step":
        scheduler = lr_scheduler.StepLR(optimizer, step_size=opt.lr_decay_iters, gamma=0.1)
    else:
        raise NotImplementedError("learning rate policy [%s] is not implemented", opt.lr_policy)
    return scheduler


netG, netD = torch.nn.Linear(1, 1), torch.nn.Linear(1, 1)
optimizer_G = torch.optim.Adam(netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
optimizer_D = torch.optim.Adam(netD.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
optimizers = [optimizer_G, optimizer_D]
schedulers = [get_scheduler(optimizer, opt) for optimizer in optimizers]

if __name__ == "__main__":
    for epoch in range(opt.epoch_count, opt.n_epochs + opt.n_epochs_decay + 1):
        for data in dataset:
            optimize_parameters(data)
        for scheduler in schedulers:
            scheduler.step()
