"""Import from Python: a snippet that builds torch lr schedulers becomes a design.

The snippet is read, never run (`designer.core.importing.reader.SnippetReader`). The scheduler it
ends up with (the one no `SequentialLR` or `ChainedScheduler` consumes) becomes the phases:
a single scheduler is one phase, `SequentialLR` one phase per scheduler with lengths from its
milestones, a `ChainedScheduler` whose members all but one leave the lr alone is that one
phase, and a transformers `get_*_schedule*` call goes through `designer.core.importing.hf`.
A `ReduceLROnPlateau` becomes a phase stepped with the catalog's synthetic metric (the
snippet's own metric only exists while it trains), and an optimizer built from param group
dicts gives the design's param groups (`designer.core.importing.groups`). A snippet that
schedules several optimizers (a GAN's generator and discriminator) gives one design per
optimizer (`import_python_designs`; `designer.core.importing.assembly`).
How long the run is comes, in this order, from the `total_steps` argument, the loops around
`scheduler.step()`, the last scheduler's own duration (`T_max`, `total_iters`,
`total_steps`), a `num_training_steps`-like variable, or else a default that is reported.

For a snippet imported without problems, the design's curve equals what the snippet's
schedulers produce, exactly, for every param group; where torch's SequentialLR does
something the per-phase semantics avoid (see README "What the curve is"),
`original_curve_differs` says so, a note explains it, and `original_curve()` gives what the
snippet itself would produce. A ReduceLROnPlateau design equals the snippet's scheduler fed
the design's synthetic metric; with the snippet's real metric it is not known before training.
"""

from __future__ import annotations

import ast
import os

from designer.core.importing.assembly import ImportResult, assemble
from designer.core.importing.reader import Finding, SnippetReader
from designer.core.importing.signatures import POSITIONAL_ORDER
from designer.core.schedule.model import Schedule

__all__ = ["POSITIONAL_ORDER", "ImportResult", "chosen_designs", "design_path", "import_python",
           "import_python_designs"]


def import_python(source: str, total_steps: int | None = None, name: str = "",
                  optimizer: str | None = None) -> ImportResult:
    """Import the lr schedule a Python snippet builds, without running it.

    `total_steps` is how many times the training calls scheduler.step(), when the snippet
    does not say; `name` becomes the design's name. A snippet that schedules several
    optimizers gives the first one's design (a note names the others), or the one named
    `optimizer` (see `ImportResult.optimizer`).
    """
    results = import_python_designs(source, total_steps, name)
    if optimizer is None:
        return results[0]
    for result in results:
        if result.optimizer == optimizer:
            return result
    known = ", ".join(result.optimizer for result in results if result.optimizer)
    return ImportResult(Schedule(name=name), [Finding(0, (
        f"the snippet schedules no optimizer named {optimizer!r}"
        + (f" (it schedules {known})" if known else "")))])


def import_python_designs(source: str, total_steps: int | None = None,
                          name: str = "") -> list[ImportResult]:
    """`import_python` for every optimizer the snippet schedules: one result each, in the
    order the snippet builds their schedulers (at least one result)."""
    source = _dedented(source)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [ImportResult(Schedule(name=name), [Finding(exc.lineno or 0,
                                                           f"not valid Python: {exc.msg}")])]
    except (RecursionError, MemoryError):
        return [ImportResult(Schedule(name=name), [Finding(
            _too_deep_line(source), "the snippet nests too deeply for Python to read, so "
            "Python cannot run it either")])]
    except ValueError:
        return [ImportResult(Schedule(name=name), [Finding(0, "the snippet cannot be parsed")])]
    reader = SnippetReader(total_steps)
    try:
        reader.read(tree)
    except RecursionError:
        reader.problem(0, "the snippet nests too deeply to read")
    return assemble(reader, total_steps, name)


def chosen_designs(results: list[ImportResult], optimizer: str | None,
                   several_allowed: bool) -> list[ImportResult]:
    """The designs an import hands out: the one whose optimizer is `optimizer`, else all
    (several only when `several_allowed`: they go to one file each). ValueError saying why,
    in words that follow the snippet's name ("schedules no optimizer named ...")."""
    names = [result.optimizer for result in results]
    if optimizer is not None:
        if optimizer not in names:
            known = ", ".join(name for name in names if name) or "none it names"
            raise ValueError(f"schedules no optimizer named {optimizer!r} (it schedules "
                             f"{known})")
        return [results[names.index(optimizer)]]
    if len(results) > 1 and not several_allowed:
        raise ValueError(f"schedules {len(results)} optimizers ({', '.join(names)}): give -o "
                         "to write one design each, or --optimizer NAME for one")
    return results


def design_path(output: str, optimizer: str) -> str:
    """Where one of several designs goes: OUT's name plus -NAME (out.json: out-opt_g.json)."""
    stem, extension = os.path.splitext(output)
    return f"{stem}-{optimizer}{extension}"


def _too_deep_line(source: str) -> int:
    """The first line that is too deep for Python's parser on its own (0: none is, the
    depth spans lines). Each line is parsed once, so the work stays linear."""
    for number, line in enumerate(source.splitlines(), 1):
        try:
            ast.parse(line.strip())
        except (RecursionError, MemoryError):
            return number
        except (SyntaxError, ValueError):
            continue  # a line that is not a statement by itself (`if x:`, a continuation)
    return 0


def _dedented(source: str) -> str:
    """A fragment pasted from inside a function (every line of code indented, comments
    perhaps not) as the module Python reads; the line numbers stay the same."""
    lines = source.splitlines()
    code = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    indent = min((len(line) - len(line.lstrip(" \t")) for line in code), default=0)
    if not indent or len({line[:indent] for line in code}) != 1:
        return source  # not indented, or mixing tabs and spaces: Python says what it reads
    return "\n".join(line[indent:] if line[:indent].isspace() else line.lstrip()
                     for line in lines) + "\n"
