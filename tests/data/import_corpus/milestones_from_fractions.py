# Idiom: milestones as fractions of the run, computed in a comprehension; a warmup length from
#        len() of a list of stages and the run length from max() of it.
# Source: CIFAR training scripts ("lr / 5 at 50% and 75% of the epochs"), e.g. the
#         `[int(epochs * f) for f in (0.5, 0.75)]` idiom a GitHub code search finds.
# Expect: clean
import torch

stage_epochs = [60, 120, 160, 200]
epochs = max(stage_epochs)
milestones = [int(epochs * fraction) for fraction in (0.3, 0.6, 0.8)]
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True,
                            weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=milestones,
                                                 gamma=0.2 ** (len(stage_epochs) // 4))

if __name__ == "__main__":
    for epoch in range(1, epochs + 1):
        train(epoch)
        scheduler.step()
