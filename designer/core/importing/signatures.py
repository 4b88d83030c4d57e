"""The signatures of what a snippet calls: the positional order of torch's lr schedulers'
and optimizers' arguments, and transformers' schedule functions. Each is checked against the
installed library by the tests (`tests/core/test_import_python.py`, `test_import_hf.py`).
"""

from __future__ import annotations

# torch's positional order after the optimizer (the catalog lists only what the designer edits).
POSITIONAL_ORDER = {
    "LambdaLR": ("lr_lambda", "last_epoch"),
    "MultiplicativeLR": ("lr_lambda", "last_epoch"),
    "StepLR": ("step_size", "gamma", "last_epoch"),
    "MultiStepLR": ("milestones", "gamma", "last_epoch"),
    "ConstantLR": ("factor", "total_iters", "last_epoch"),
    "LinearLR": ("start_factor", "end_factor", "total_iters", "last_epoch"),
    "ExponentialLR": ("gamma", "last_epoch"),
    "PolynomialLR": ("total_iters", "power", "last_epoch"),
    "CosineAnnealingLR": ("T_max", "eta_min", "last_epoch"),
    "CosineAnnealingWarmRestarts": ("T_0", "T_mult", "eta_min", "last_epoch"),
    "CyclicLR": ("base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma",
                 "scale_fn", "scale_mode", "cycle_momentum", "base_momentum", "max_momentum",
                 "last_epoch"),
    "OneCycleLR": ("max_lr", "total_steps", "epochs", "steps_per_epoch", "pct_start",
                   "anneal_strategy", "cycle_momentum", "base_momentum", "max_momentum",
                   "div_factor", "final_div_factor", "three_phase", "last_epoch"),
    "ReduceLROnPlateau": ("mode", "factor", "patience", "threshold", "threshold_mode",
                          "cooldown", "min_lr", "eps"),
    "SequentialLR": ("schedulers", "milestones", "last_epoch"),
}
# transformers' schedule functions: lr_scheduler_type and positional order after the optimizer.
HF_FUNCTIONS = {
    "get_linear_schedule_with_warmup": ("linear", ("num_warmup_steps", "num_training_steps")),
    "get_cosine_schedule_with_warmup": ("cosine", ("num_warmup_steps", "num_training_steps",
                                                   "num_cycles")),
    "get_cosine_with_hard_restarts_schedule_with_warmup": (
        "cosine_with_restarts", ("num_warmup_steps", "num_training_steps", "num_cycles")),
    "get_polynomial_decay_schedule_with_warmup": (
        "polynomial", ("num_warmup_steps", "num_training_steps", "lr_end", "power")),
    "get_constant_schedule": ("constant", ()),
    "get_constant_schedule_with_warmup": ("constant_with_warmup", ("num_warmup_steps",)),
    "get_inverse_sqrt_schedule": ("inverse_sqrt", ("num_warmup_steps", "timescale")),
    "get_cosine_with_min_lr_schedule_with_warmup": (
        "cosine_with_min_lr", ("num_warmup_steps", "num_training_steps", "num_cycles")),
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate": (
        "cosine_warmup_with_min_lr", ("num_warmup_steps", "num_training_steps", "num_cycles")),
    "get_wsd_schedule": ("warmup_stable_decay", ("num_warmup_steps", "num_decay_steps",
                                                 "num_training_steps", "num_stable_steps")),
    "get_scheduler": (None, ("num_warmup_steps", "num_training_steps",
                             "scheduler_specific_kwargs")),
}
# torch's optimizers: the arguments after `params` that may be given by position.
OPTIMIZER_POSITIONAL = {
    "SGD": ("lr", "momentum", "dampening", "weight_decay", "nesterov"),
    "Adam": ("lr", "betas", "eps", "weight_decay", "amsgrad"),
    "AdamW": ("lr", "betas", "eps", "weight_decay", "amsgrad"),
    "RMSprop": ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "capturable",
                "foreach", "maximize", "differentiable"),
    "Adagrad": ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps",
                "foreach"),
    "Adamax": ("lr", "betas", "eps", "weight_decay", "foreach"),
    "NAdam": ("lr", "betas", "eps", "weight_decay", "momentum_decay", "decoupled_weight_decay"),
    "RAdam": ("lr", "betas", "eps", "weight_decay", "decoupled_weight_decay"),
    "Adadelta": ("lr", "rho", "eps", "weight_decay", "foreach"),
    "ASGD": ("lr", "lambd", "alpha", "t0", "weight_decay", "foreach", "maximize",
             "differentiable", "capturable"),
    "Adafactor": ("lr", "beta2_decay", "eps", "d", "weight_decay"),
    "LBFGS": ("lr", "max_iter", "max_eval", "tolerance_grad", "tolerance_change",
              "history_size", "line_search_fn"),
    "Rprop": ("lr", "etas", "step_sizes"),
    "SparseAdam": ("lr", "betas", "eps", "maximize"),
}
