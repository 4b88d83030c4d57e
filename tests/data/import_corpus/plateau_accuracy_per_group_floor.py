# Idiom: fine-tuning with a lower lr for the pretrained backbone, and ReduceLROnPlateau on the
#        validation accuracy (mode "max", all positional) with one min_lr per param group.
# Source: transfer-learning tutorials (torchvision fine-tuning, Kaggle notebooks).
# Expect: simulated
from torch import optim

num_epochs = 30
optimizer = optim.SGD(
    [
        {"params": model.backbone.parameters(), "lr": 0.001},
        {"params": model.classifier.parameters()},
    ],
    lr=0.01,
    momentum=0.9,
)
scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, "max", 0.5, 3, 1e-4, "rel", 1, [1e-5, 1e-4])

if __name__ == "__main__":
    for epoch in range(num_epochs):
        train_one_epoch(model, optimizer)
        val_accuracy = evaluate(model)
        scheduler.step(val_accuracy)
