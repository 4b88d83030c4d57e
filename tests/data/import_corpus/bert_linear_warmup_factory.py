# Idiom: BERT fine-tuning: linear warmup over the first 10% of steps, then linear decay to zero,
#        with transformers' get_linear_schedule_with_warmup copied into the script.
# Source: transformers/optimization.py (v4.x), Hugging Face run_glue-style scripts.
# Expect: clean
from torch.optim import AdamW
from torch.optim.lr_scheduler import LambdaLR


def get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, last_epoch=-1):
    """
    Create a schedule with a learning rate that decreases linearly from the initial lr set in the optimizer to 0,
    after a warmup period during which it increases linearly from 0 to the initial lr set in the optimizer.
    """

    def lr_lambda(current_step: int):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        return max(
            0.0, float(num_training_steps - current_step) / float(max(1, num_training_steps - num_warmup_steps))
        )

    return LambdaLR(optimizer, lr_lambda, last_epoch)


num_train_epochs = 3
steps_per_epoch = 400
num_training_steps = num_train_epochs * steps_per_epoch
optimizer = AdamW(model.parameters(), lr=2e-5, eps=1e-8)
scheduler = get_linear_schedule_with_warmup(
    optimizer, num_warmup_steps=int(0.1 * num_training_steps), num_training_steps=num_training_steps
)
