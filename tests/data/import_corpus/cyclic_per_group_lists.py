# Idiom: CyclicLR with one base_lr and max_lr per param group, the groups built with dict()
#        from parameter lists held in variables.
# Source: the torch.optim.lr_scheduler.CyclicLR docstring; per-layer lr recipes.
# Expect: clean
import torch

backbone_params = [p for name, p in model.named_parameters() if not name.startswith("head")]
head_params = list(model.head.parameters())
optimizer = torch.optim.SGD(
    [dict(params=backbone_params), dict(params=head_params, lr=0.05)], lr=0.01, momentum=0.9
)
scheduler = torch.optim.lr_scheduler.CyclicLR(
    optimizer, base_lr=[0.001, 0.005], max_lr=[0.01, 0.05], step_size_up=200
)

if __name__ == "__main__":
    for step in range(1600):
        train_step(...)
        scheduler.step()
