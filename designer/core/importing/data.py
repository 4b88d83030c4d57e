"""Plain data a snippet computes (numbers, texts, lists, dicts), as opposed to what it
builds (optimizers, schedulers, functions, objects): the constant folding and the reading of
statements ask these questions of the values `designer.core.importing.values` defines.
Containers are walked with a set of those seen, so no list makes them loop.
"""

from __future__ import annotations

from typing import Any

from designer.core.importing.values import (
    ArgParser,
    Function,
    Instance,
    Namespace,
    OptimizerCall,
    Ref,
    SchedulerCall,
    UserClass,
)


def is_data(value: Any) -> bool:
    """Whether `value` is plain data the snippet computed (numbers, texts, None, and lists,
    tuples, dicts and ranges of them), as opposed to what it builds (optimizers,
    schedulers, functions) or does not know."""
    pending, seen = [value], set()
    while pending:
        item = pending.pop()
        if isinstance(item, (list, tuple, dict)):
            if id(item) in seen:  # a list that holds itself (`a.append(a)`)
                continue
            seen.add(id(item))
            pending.extend(item.values() if isinstance(item, dict) else item)
        elif item is not None and not isinstance(item, (bool, int, float, str, range)):
            return False
    return True


def holds(value: Any, target: Any) -> bool:
    """Whether `value` is `target` or holds it, at any depth (so that a list is never made
    to hold itself, which Python allows and no schedule value is)."""
    pending, seen = [value], set()
    while pending:
        item = pending.pop()
        if item is target:
            return True
        if isinstance(item, (list, tuple, dict)) and id(item) not in seen:
            seen.add(id(item))
            pending.extend(item.values() if isinstance(item, dict) else item)
    return False


def holds_built(value: Any) -> bool:
    """Whether `value` is, or holds, something the snippet builds or defines (an optimizer,
    a scheduler, a function, a class, an argparse parser) rather than plain values."""
    pending, seen = [value], set()
    while pending:
        item = pending.pop()
        if isinstance(item, (list, tuple, dict)):
            if id(item) not in seen:
                seen.add(id(item))
                pending.extend(item.values() if isinstance(item, dict) else item)
        elif isinstance(item, (OptimizerCall, SchedulerCall, Function, UserClass, Instance,
                               ArgParser, Namespace, Ref)):
            return True
    return False
