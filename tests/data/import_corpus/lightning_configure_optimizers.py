# Idiom: a Lightning module whose configure_optimizers returns the optimizer and a
#        per-step cosine schedule in the lr_scheduler config dict.
# Source: the Lightning docs (LightningModule.configure_optimizers).
# Expect: clean
# Scheduler: LitClassifier().configure_optimizers()["lr_scheduler"]["scheduler"]
import lightning.pytorch as pl
import torch


class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(28 * 28, 10)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.cross_entropy(self.layer(x.view(x.size(0), -1)), y)

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.parameters(), lr=1e-3)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=1000, eta_min=1e-5)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }
