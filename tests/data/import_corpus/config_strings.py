# Idiom: hyperparameters read from a YAML/JSON config as text and converted with float()/int()
#        (PyYAML reads `1e-6` without a dot as a string, so configs often hold "3e-4").
# Source: training scripts that load `config.yaml` and pass `float(cfg["lr"])`, e.g. the
#         CosineAnnealingLR chain excerpt measured for issue 18 (`eta_min=float("1e-6")`).
# Expect: clean
import torch

cfg = {"lr": "3e-4", "min_lr": "1e-6", "warmup": "50", "steps": "1000"}
optimizer = torch.optim.AdamW(model.parameters(), lr=float(cfg["lr"]), weight_decay=0.05)
warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01,
                                           total_iters=int(cfg["warmup"]))
cosine = torch.optim.lr_scheduler.CosineAnnealingLR(
    optimizer, T_max=int(cfg["steps"]) - int(cfg["warmup"]), eta_min=float(cfg["min_lr"]))
scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine],
                                                  milestones=[int(cfg["warmup"])])

if __name__ == "__main__":
    for step in range(int(cfg["steps"])):
        optimizer.step()
        scheduler.step()
