"""The Qt-free core: schedule model, scheduler catalog, file format, torch engine, export.

Importing this package loads neither Qt nor torch; `designer.core.curves.engine` imports torch.
"""

from designer.core.schedule.model import (  # noqa: F401
    CONTINUE,
    MAX_TOTAL_STEPS,
    RESTART,
    OptimizerConfig,
    Phase,
    Schedule,
    ScheduleError,
)
