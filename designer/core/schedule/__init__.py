"""What a design is: the model, the scheduler catalog, parameter kinds, the file format and its migrations, expressions, presets."""
