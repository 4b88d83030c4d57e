# Idiom: GPT-style linear warmup then linear decay, written as one LambdaLR lambda.
# Source: minGPT/nanoGPT-like training loops that step the scheduler every iteration.
# Expect: clean
import torch

warmup = 200
max_iters = 1000
optimizer = torch.optim.AdamW(model.parameters(), lr=6e-4, betas=(0.9, 0.95), weight_decay=0.1)
scheduler = torch.optim.lr_scheduler.LambdaLR(
    optimizer, lambda it: min((it + 1) / warmup, max(0.0, (max_iters - it) / (max_iters - warmup)))
)

if __name__ == "__main__":
    for it in range(max_iters):
        loss = model(get_batch("train"))
        loss.backward()
        optimizer.step()
        scheduler.step()
