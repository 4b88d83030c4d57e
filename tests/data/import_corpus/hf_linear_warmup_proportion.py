# Idiom: BERT fine-tuning: a linear warmup over warmup_proportion of t_total optimizer steps
#        (a float), then linear decay, with a param group without weight decay.
# Source: BERT fine-tuning scripts after pytorch-pretrained-bert's warmup_proportion option
#         moved to transformers' get_linear_schedule_with_warmup.
# Expect: clean
# Needs: transformers
import argparse

import torch
import transformers

parser = argparse.ArgumentParser()
parser.add_argument("--learning_rate", default=3e-5, type=float)
parser.add_argument("--num_train_epochs", default=2, type=int)
parser.add_argument("--warmup_proportion", default=0.1, type=float)
parser.add_argument("--gradient_accumulation_steps", type=int, default=2)
args = parser.parse_args()

train_batches = 333
t_total = train_batches // args.gradient_accumulation_steps * args.num_train_epochs
optimizer_grouped_parameters = [
    {"params": model.encoder.parameters(), "weight_decay": 0.01},
    {"params": model.classifier.parameters(), "weight_decay": 0.0},
]
optimizer = torch.optim.AdamW(optimizer_grouped_parameters, lr=args.learning_rate, eps=1e-8)
scheduler = transformers.get_linear_schedule_with_warmup(
    optimizer, num_warmup_steps=args.warmup_proportion * t_total, num_training_steps=t_total
)
