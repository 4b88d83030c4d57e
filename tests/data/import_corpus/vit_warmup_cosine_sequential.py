# Idiom: ViT/DeiT-style training: AdamW, linear warmup for 5 epochs, then cosine to zero,
#        combined with SequentialLR (the timm recipe written with torch's own schedulers).
# Source: torchvision references/classification/train.py (--lr-warmup-method linear).
# Expect: clean
import torch

epochs = 300
warmup_epochs = 5
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.05)
warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=warmup_epochs)
cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs - warmup_epochs)
scheduler = torch.optim.lr_scheduler.SequentialLR(
    optimizer, schedulers=[warmup, cosine], milestones=[warmup_epochs]
)
