"""The preview plot: the staircase curve, its layers, compare pins."""
