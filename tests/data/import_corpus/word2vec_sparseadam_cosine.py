# Idiom: skip-gram word2vec with sparse embeddings: SparseAdam, and a CosineAnnealingLR over
#        the batches of one epoch, stepped per batch.
# Source: word2vec-in-PyTorch trainers (SparseAdam on the skip-gram model's parameters,
#         CosineAnnealingLR(optimizer, len(self.dataloader))).
# Expect: clean
import torch.optim as optim

initial_lr = 0.001
batches_per_epoch = 480
optimizer = optim.SparseAdam(list(model.parameters()), lr=initial_lr)
scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, batches_per_epoch)
