# Idiom: discriminative fine-tuning: AdamW with the backbone at a lower lr and the head at the
#        optimizer's lr without weight decay, and OneCycleLR with one max_lr per param group.
# Source: fastai-style discriminative learning rates in plain PyTorch; the OneCycleLR docstring.
# Expect: clean
import torch

epochs = 4
steps_per_epoch = 250
optimizer = torch.optim.AdamW(
    [
        {"params": model.backbone.parameters(), "lr": 1e-4},
        {"params": model.head.parameters(), "weight_decay": 0.0},
    ],
    lr=1e-3,
    weight_decay=0.01,
)
scheduler = torch.optim.lr_scheduler.OneCycleLR(
    optimizer, max_lr=[1e-4, 1e-3], epochs=epochs, steps_per_epoch=steps_per_epoch
)
