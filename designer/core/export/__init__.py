"""What leaves the designer: the Python module, the templates, the export formats, the CSV, design advice, SequentialLR's quirks."""
