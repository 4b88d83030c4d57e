# Idiom: a physics-informed network refined with LBFGS (closure, strong Wolfe line search) and
#        a StepLR that halves its lr every 100 outer iterations.
# Source: PINN training scripts (torch.optim.LBFGS with max_iter, history_size and
#         line_search_fn="strong_wolfe", stepped with a closure, beside a StepLR).
# Expect: clean
import torch

optimizer = torch.optim.LBFGS(
    model.parameters(),
    lr=1.0,
    max_iter=50,
    history_size=50,
    tolerance_grad=1e-9,
    tolerance_change=1e-12,
    line_search_fn="strong_wolfe",
)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=100, gamma=0.5)

if __name__ == "__main__":
    for outer in range(400):
        optimizer.step(closure)
        scheduler.step()
