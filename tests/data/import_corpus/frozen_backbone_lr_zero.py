# Idiom: a frozen backbone as a param group with lr 0.0 (a teacher's backbone during
#        self-supervised distillation), the projection head trained, MultiStepLR on both.
# Source: knowledge-distillation training scripts (`{'params': t_model.backbone.parameters(),
#         'lr': 0.0}` in an SGD optimizer; a GitHub code search for `'lr': 0.0}` finds many).
# Expect: clean
# Scheduler: t_scheduler
import torch
from torch import optim
from torch.optim.lr_scheduler import MultiStepLR

t_lr = 0.05
t_epochs = 30
t_milestones = [15, 25]
t_optimizer = optim.SGD(
    [{'params': model.backbone.parameters(), 'lr': 0.0},
     {'params': model.head.parameters(), 'lr': t_lr}],
    momentum=0.9, weight_decay=5e-4)
t_scheduler = MultiStepLR(t_optimizer, milestones=t_milestones, gamma=0.1)

if __name__ == "__main__":
    for epoch in range(t_epochs):
        train_teacher(epoch)
        t_scheduler.step()
