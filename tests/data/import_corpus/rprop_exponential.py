# Idiom: full-batch training of a small regression network with Rprop and an ExponentialLR.
# Source: small scientific-fitting scripts that pick torch.optim.Rprop for full-batch losses
#         (a GitHub code search for `torch.optim.Rprop(` finds them beside LBFGS and ASGD).
# Expect: clean
import torch

n_iterations = 300
optimizer = torch.optim.Rprop(model.parameters(), lr=0.05, etas=(0.5, 1.2),
                              step_sizes=(1e-6, 10))
scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.99)

if __name__ == "__main__":
    for it in range(n_iterations):
        optimizer.zero_grad()
        loss = full_batch_loss(model)
        loss.backward()
        optimizer.step()
        scheduler.step()
