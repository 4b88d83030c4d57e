"""The Qt window. `from designer.ui import MainWindow`."""


def __getattr__(name: str):
    # Lazy, so `import designer.ui.document` does not build the whole window module.
    if name == "MainWindow":
        from designer.ui.main_window import MainWindow

        return MainWindow
    raise AttributeError(name)
