# Idiom: a GAN's generator and discriminator optimizers, each with a LambdaLR of one shared
#        lambda_rule, built by a helper that returns both.
# Source: GAN training utilities (`def create_schedulers(optimizer_G, optimizer_D)` returning
#         `LambdaLR(optimizer_G, lr_lambda=lambda_rule), LambdaLR(optimizer_D, ...)`).
# Expect: clean
# Scheduler: scheduler_G; scheduler_D
import torch
from torch.optim.lr_scheduler import LambdaLR


def lambda_rule(epoch):
    lr_l = 1.0 - max(0, epoch + 1 - 100) / float(100 + 1)
    return lr_l


def create_schedulers(optimizer_G, optimizer_D):
    scheduler_G = LambdaLR(optimizer_G, lr_lambda=lambda_rule)
    scheduler_D = LambdaLR(optimizer_D, lr_lambda=lambda_rule)
    return scheduler_G, scheduler_D


generator, discriminator = torch.nn.Linear(1, 1), torch.nn.Linear(1, 1)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
optimizer_D = torch.optim.SGD(discriminator.parameters(), lr=1e-4, momentum=0.5)
scheduler_G, scheduler_D = create_schedulers(optimizer_G, optimizer_D)

if __name__ == "__main__":
    for epoch in range(200):
        train_gan(epoch)
        scheduler_G.step()
        scheduler_D.step()
