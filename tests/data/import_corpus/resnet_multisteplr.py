# Idiom: ResNet on ImageNet, the classic recipe: SGD with momentum, lr / 10 at epochs 30, 60, 80.
# Source: pytorch/examples imagenet/main.py, torchvision classification references.
# Expect: clean
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import MultiStepLR

epochs = 90
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
scheduler = MultiStepLR(optimizer, milestones=[30, 60, 80], gamma=0.1)

if __name__ == "__main__":
    for epoch in range(epochs):
        train(train_loader, model, criterion, optimizer, epoch)
        acc1 = validate(val_loader, model, criterion)
        scheduler.step()
