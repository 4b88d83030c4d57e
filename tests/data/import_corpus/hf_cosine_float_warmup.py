# Idiom: transformers' cosine schedule with a warmup that is a fraction of the run, passed as
#        the float it is (transformers computes with it: a 25.2-step warmup).
# Source: Kaggle and course fine-tuning notebooks (`num_warmup_steps=num_train_steps * 0.06`).
# Expect: clean
# Needs: transformers
import torch
from transformers import get_cosine_schedule_with_warmup

EPOCHS = 3
BATCHES_PER_EPOCH = 140
num_train_steps = EPOCHS * BATCHES_PER_EPOCH
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01)
scheduler = get_cosine_schedule_with_warmup(
    optimizer,
    num_warmup_steps=num_train_steps * 0.06,
    num_training_steps=num_train_steps,
)
