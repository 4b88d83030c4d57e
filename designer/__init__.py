"""LR Schedule Designer: design PyTorch learning-rate schedules visually."""

__version__ = "0.1.0"
