# Idiom: fine-tuning with transformers' get_cosine_schedule_with_warmup on a plain AdamW.
# Source: Hugging Face course / accelerate examples (custom training loop).
# Expect: clean
# Needs: transformers
import torch
from transformers import get_cosine_schedule_with_warmup

num_epochs = 3
num_update_steps_per_epoch = 250
num_training_steps = num_epochs * num_update_steps_per_epoch
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
scheduler = get_cosine_schedule_with_warmup(
    optimizer, num_warmup_steps=num_training_steps // 10, num_training_steps=num_training_steps
)
