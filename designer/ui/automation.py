"""State dumps for end-to-end tests and external automation.

When the environment variable LR_DESIGNER_STATE_FILE names a file, the window writes a JSON
snapshot there (atomically) shortly after every preview update: the document, whether the preview
shows it, the exact curve, and the on-screen geometry of the palette items and timeline
blocks, so a test driving real X input knows where to point.
"""

from __future__ import annotations

import hashlib
import json
import os
import time

import numpy as np
from PySide6.QtCore import QPoint

from designer.core.schedule.fileformat import schedule_to_dict
from designer.ui.files.files import write_atomic

STATE_ENV = "LR_DESIGNER_STATE_FILE"
# Set, the app grabs the window once its first curve shows, saves it here and quits.
SCREENSHOT_ENV = "LR_DESIGNER_SCREENSHOT"


def _global_rect(widget, rect) -> list[int]:
    top_left = widget.mapToGlobal(QPoint(int(rect.left()), int(rect.top())))
    return [top_left.x(), top_left.y(), int(rect.width()), int(rect.height())]


MAX_LISTED = 200_000  # longer curves are reported by length and digest, not value by value


def snapshot(window) -> dict:
    _, lrs = window.preview_curve()
    curve = ({"lrs": [float(v) for v in lrs]} if len(lrs) <= MAX_LISTED else
             {"lrs_sha256": hashlib.sha256(memoryview(np.ascontiguousarray(lrs))).hexdigest()})
    palette = window.palette_list
    items = {}
    for row in range(palette.count()):
        item = palette.item(row)
        items[item.text()] = _global_rect(palette.viewport(), palette.visualItemRect(item))
    timeline = window.timeline
    blocks = [_global_rect(timeline, timeline.block_rect(i))
              for i in range(len(window.document.schedule.phases))]
    return {
        "document": schedule_to_dict(window.document.schedule),
        "shows_document": window.shown_schedule() == window.document.schedule,
        "steps": len(lrs),
        **curve,
        "shown_at": window.property("shown_at"),
        "pid": os.getpid(),
        "undo_count": window.document.undo_stack.count(),
        "undo_index": window.document.undo_stack.index(),
        "palette_items": items,
        "timeline": _global_rect(timeline, timeline.rect()),
        "blocks": blocks,
    }


def install_state_dump(window, path: str | None = None) -> None:
    path = path or os.environ.get(STATE_ENV)
    if not path:
        return

    from PySide6.QtCore import QTimer

    # Debounced: the timeline re-lays out after the plot's range settles, so geometry is
    # written once things are still, and again whenever the mapping moves.
    timer = QTimer(window)
    timer.setSingleShot(True)
    timer.setInterval(50)
    timer.timeout.connect(lambda: write_atomic(path, json.dumps(snapshot(window))))
    window.preview_updated.connect(timer.start)
    # Wall-clock time of the first frame on screen, for the start-up benchmark.
    QTimer.singleShot(0, lambda: window.setProperty("shown_at", time.time()))
    window.preview.x_mapping_changed.connect(lambda *_: timer.start())
