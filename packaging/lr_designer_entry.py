"""The frozen app's entry point: `lr-designer [FILE]`, `validate`, `export`, `--version`."""

import multiprocessing

if __name__ == "__main__":
    # First thing: when the window spawns its curve worker, the frozen executable is started
    # again with multiprocessing's arguments, and this turns that process into the worker.
    multiprocessing.freeze_support()
    from designer.cli import main

    raise SystemExit(main())
