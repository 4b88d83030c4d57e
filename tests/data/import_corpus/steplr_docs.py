# Idiom: StepLR stepped once per epoch.
# Source: the torch.optim.lr_scheduler.StepLR docstring.
# Expect: clean
from torch import optim

optimizer = optim.SGD(model.parameters(), lr=0.05)
# lr = 0.05 if epoch < 30, 0.005 if 30 <= epoch < 60, 0.0005 if 60 <= epoch < 90, ...
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)

if __name__ == "__main__":
    for epoch in range(100):
        train(...)
        validate(...)
        scheduler.step()
