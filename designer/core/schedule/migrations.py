"""Upgrading schedule files written in older format versions to the current one.

`load_schedule` parses a file's JSON, hands the document to `migrate`, and validates what
comes back, so a migration only reshapes data; it never has to check values itself (the
validator names the field of anything it got wrong).

Adding format version N+1
-------------------------
1. Raise ``json_document.FORMAT_VERSION`` to N+1 and change the validator and `dump_schedule`
   to the new shape.
2. Write ``def _vN_to_vN1(document: dict) -> dict`` here and register it as
   ``MIGRATIONS[N]``. It receives a version N document (a fresh copy it may change) and
   returns the version N+1 document; `migrate` sets ``"version"`` itself. It may assume the
   top level is an object with the right ``format``, nothing more: files are hostile input,
   so anything else it reaches for can be missing or of any type. Raise
   ``ScheduleError(field, message)`` for what cannot be upgraded; any other exception is
   turned into one naming the version.
3. Store version N+1 samples in ``tests/data/vN+1/`` (copies of ``designer/examples/`` saved by the
   new version, plus edge cases). Keep every older ``tests/data/v*/`` directory:
   ``tests/core/test_migrations.py`` loads each stored sample through the whole chain and
   checks that a migration exists for every older version.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from designer.core.schedule import json_document
from designer.core.schedule.json_document import FORMAT_NAME, check_nesting
from designer.core.schedule.model import ScheduleError

Migration = Callable[[dict[str, Any]], dict[str, Any]]

def _v1_to_v2(document: dict[str, Any]) -> dict[str, Any]:
    """Version 2 only added the optional "compare" list: a version 1 file is already one."""
    return document


def _v2_to_v3(document: dict[str, Any]) -> dict[str, Any]:
    """Version 3 only added the optional "param_groups" list (and per-group value lists,
    which need it): a version 2 file is already one."""
    return document


def _v3_to_v4(document: dict[str, Any]) -> dict[str, Any]:
    """Version 4 only added optional keys: the "runs" list (training runs overlaid on the
    design, by path and tag), the "training" block and proportional phase lengths (a phase's
    "steps" as a fraction, epochs or "rest"): a version 3 file is already one."""
    return document


def _v4_to_v5(document: dict[str, Any]) -> dict[str, Any]:
    """Version 5 added chained phases and a plateau phase's metric from a logged run
    (optional params): a version 4 file is already one."""
    return document


# MIGRATIONS[n] turns a version n document into a version n + 1 document.
MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5}


def migrate(document: Any) -> Any:
    """`document` brought up to the current format version through the chain of migrations.

    Documents the chain does not apply to (not an object, another format, the current or a
    newer version, a version nothing upgrades from) come back as they are, untouched, so
    that the validator reports them with its usual messages. The input is never modified.
    A document nested too deeply to be a schedule is refused first (ScheduleError).
    """
    check_nesting(document)
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        return document
    version = document.get("version")
    current = json_document.FORMAT_VERSION
    if not _is_int(version) or version >= current:
        return document
    if version not in MIGRATIONS and version < 1:
        return document  # never a version: the validator says it must be a positive integer
    document = copy.deepcopy(document)
    while version < current:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ScheduleError("version", f"format version {version} files cannot be "
                                f"upgraded to version {current}: this version of LR Schedule "
                                f"Designer has no migration from version {version}")
        document = _run(step, document, version)
        version += 1
        document["version"] = version
    return document


def _run(step: Migration, document: dict[str, Any], version: int) -> dict[str, Any]:
    try:
        result = step(document)
    except ScheduleError:
        raise
    except (LookupError, TypeError, ValueError, AttributeError, ArithmeticError,
            RecursionError) as exc:
        # Migrations are written for files the old version saved; a hand-edited file can
        # break their assumptions, and that is a bad file, not a crash.
        raise ScheduleError("", f"cannot upgrade this format version {version} file: "
                            f"{type(exc).__name__}: {exc}".splitlines()[0][:300]) from None
    if not isinstance(result, dict):
        raise ScheduleError("", f"cannot upgrade this format version {version} file: the "
                            "upgraded document is not a JSON object")
    return result


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
