"""The parsed document before it is validated: what the file format, its migrations and
the nesting check share (so that neither of the first two imports the other).

Format versions: see `designer.core.schedule.fileformat`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from designer.core.schedule.model import ScheduleError

FORMAT_NAME = "lr-schedule-designer"
FORMAT_VERSION = 5  # see fileformat's docstring
# A schedule file is 9 levels deep at most (compare[0].design.phases[0].members[0].params.milestones);
# anything far deeper is refused before a migration or the validator recurses into it.
MAX_NESTING = 32


def check_nesting(document: Any) -> None:
    """Refuse a document nested deeper than MAX_NESTING, naming where (its first levels).

    Iterative, so any depth the JSON parser accepted is measured without recursion: the
    migrations' deep copy and the validator recurse, and must never meet such a document
    (`migrations.migrate` checks every document it is given, whatever its version).
    """
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict):
            children = ((key_path(path, str(key)), child) for key, child in value.items())
        elif isinstance(value, list):
            children = ((f"{path}[{index}]", child) for index, child in enumerate(value))
        else:
            continue
        if depth >= MAX_NESTING:
            raise ScheduleError(path, f"nested more than {MAX_NESTING} levels deep; a "
                                "schedule file is a few levels deep")
        # Paths stop growing past a few levels: a message names where, not all 500 levels.
        stack.extend((child, child_path if depth < 8 else path, depth + 1)
                     for child_path, child in children)


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def key_path(path: str, key: str) -> str:
    """`path.key`, or `path["odd key"]` escaped to one ASCII line, for keys from the file."""
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    shown = key if len(key) <= 40 else key[:37] + "..."
    return f"{path}[{json.dumps(shown)}]"
