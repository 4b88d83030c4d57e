# Idiom: CycleGAN: a generator optimizer and two discriminator optimizers, each with a LambdaLR
#        whose lr_lambda is the step method of a small LambdaLR class (linear decay to 0 from
#        decay_epoch on); the class shadows torch's name, torch's is called qualified.
# Source: aitorzip/PyTorch-CycleGAN train and utils.py; eriklindernoren/PyTorch-GAN
#         implementations/cyclegan/cyclegan.py.
# Expect: clean
# Scheduler: lr_scheduler_G; lr_scheduler_D_A; lr_scheduler_D_B
import argparse
import itertools

import torch


class LambdaLR:
    def __init__(self, n_epochs, offset, decay_start_epoch):
        assert (n_epochs - decay_start_epoch) > 0, "Decay must start before the training session ends!"
        self.n_epochs = n_epochs
        self.offset = offset
        self.decay_start_epoch = decay_start_epoch

    def step(self, epoch):
        return 1.0 - max(0, epoch + self.offset - self.decay_start_epoch) / (self.n_epochs - self.decay_start_epoch)


parser = argparse.ArgumentParser()
parser.add_argument("--epoch", type=int, default=0, help="starting epoch")
parser.add_argument("--n_epochs", type=int, default=200, help="number of epochs of training")
parser.add_argument("--lr", type=float, default=0.0002, help="initial learning rate")
parser.add_argument("--decay_epoch", type=int, default=100, help="epoch to start linearly decaying the learning rate to 0")
opt = parser.parse_args()

netG_A2B, netG_B2A = torch.nn.Linear(1, 1), torch.nn.Linear(1, 1)
netD_A, netD_B = torch.nn.Linear(1, 1), torch.nn.Linear(1, 1)

optimizer_G = torch.optim.Adam(itertools.chain(netG_A2B.parameters(), netG_B2A.parameters()),
                               lr=opt.lr, betas=(0.5, 0.999))
optimizer_D_A = torch.optim.Adam(netD_A.parameters(), lr=opt.lr, betas=(0.5, 0.999))
optimizer_D_B = torch.optim.Adam(netD_B.parameters(), lr=opt.lr, betas=(0.5, 0.999))

lr_scheduler_G = torch.optim.lr_scheduler.LambdaLR(optimizer_G, lr_lambda=LambdaLR(opt.n_epochs, opt.epoch, opt.decay_epoch).step)
lr_scheduler_D_A = torch.optim.lr_scheduler.LambdaLR(optimizer_D_A, lr_lambda=LambdaLR(opt.n_epochs, opt.epoch, opt.decay_epoch).step)
lr_scheduler_D_B = torch.optim.lr_scheduler.LambdaLR(optimizer_D_B, lr_lambda=LambdaLR(opt.n_epochs, opt.epoch, opt.decay_epoch).step)

if __name__ == "__main__":
    for epoch in range(opt.epoch, opt.n_epochs):
        for i, batch in enumerate(dataloader):
            train_step(batch)
        lr_scheduler_G.step()
        lr_scheduler_D_A.step()
        lr_scheduler_D_B.step()
