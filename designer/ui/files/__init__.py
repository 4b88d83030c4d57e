"""Files: open, save, export, drops, autosave and crash recovery."""
