"""A transformers schedule function called in a snippet (`get_cosine_schedule_with_warmup`,
`get_scheduler(name, ...)`, ...) as a design, through `designer.core.importing.hf`.

The step counts are taken as transformers takes them: integers, or floats such as
`num_warmup_steps=0.1 * total`, which its formulas compute with as they are (the warmup of
2.5 steps lasts 3 steps, each value computed from 2.5).
"""

from __future__ import annotations

import math
from typing import Any

from designer.core.importing.drafts import call_argument
from designer.core.importing.hf import check_steps, hf_phases
from designer.core.importing.hf_plateau import PLATEAU
from designer.core.importing.signatures import HF_FUNCTIONS
from designer.core.importing.values import EVALUATION_FAILURES, SchedulerCall, Unknown
from designer.core.schedule.model import OptimizerConfig, Phase, ScheduleError

_ARGUMENTS = ("name", "num_warmup_steps", "num_training_steps", "scheduler_specific_kwargs",
              "last_epoch")


class TransformersReader:
    """The transformers part of the assembler (which provides `problem`, `run_length`,
    `check_last_epoch`)."""

    def transformers_phases(self, call: SchedulerCall,
                            optimizer: OptimizerConfig) -> list[Phase] | None:
        """The phases of a transformers schedule call; None (with a problem) when it
        cannot be imported."""
        function = call.kind[3:]
        if function not in HF_FUNCTIONS:
            self.problem(call.line, f"transformers' {function} is not one the designer imports")
            return None
        kind, arguments, extra = self._hf_arguments(call, function)
        if not isinstance(kind, str):
            self.problem(call.line, "the schedule type is only known when the script runs")
            return None
        self.check_last_epoch(call, arguments["last_epoch"] if not isinstance(
            arguments["last_epoch"], Unknown) else -1)
        # transformers ignores num_warmup_steps for these two types.
        warmup = 0 if kind in ("constant", PLATEAU) else arguments["num_warmup_steps"]
        total = arguments["num_training_steps"]
        try:
            unknown = next((v for v in (warmup, *extra.values()) if isinstance(v, Unknown)), None)
            if unknown is not None:
                raise ScheduleError("", unknown.why)
            check_steps(warmup, "num_warmup_steps", minimum=0)
            if total is not None and not isinstance(total, Unknown):
                check_steps(total, "num_training_steps", minimum=1)
            else:
                total = None
            own = None if total is None else (math.ceil(total), f"num_training_steps={total!r}")
            run = self.run_length(call, own, max(100, 2 * math.ceil(warmup)))
            return hf_phases(kind, warmup, total or run, optimizer.lr, extra, run_steps=run)
        except ScheduleError as exc:
            self.problem(call.line, f"transformers' {function}: {exc}")
        except (*EVALUATION_FAILURES, TypeError) as exc:
            # The snippet's own values reach transformers' formulas (num_cycles=None, a
            # power too large for a float), which raise as transformers would.
            self.problem(call.line, f"transformers' {function} fails on the snippet's "
                         f"arguments: {' '.join(str(exc).split()) or type(exc).__name__}")
        return None

    def _hf_arguments(self, call: SchedulerCall,
                      function: str) -> tuple[Any, dict[str, Any], dict[str, Any]]:
        """The schedule type, the common arguments and the type's extra ones."""
        kind = HF_FUNCTIONS[function][0]
        arguments = {k: call_argument(call, k) for k in _ARGUMENTS}
        extra = {k: v for k, v in call.kwargs.items() if k not in (*arguments, "optimizer")}
        if function == "get_scheduler":
            kind = arguments["name"]
            specific = arguments["scheduler_specific_kwargs"]
            extra = dict(specific) if isinstance(specific, dict) else {}
            if kind in ("constant", "constant_with_warmup", "inverse_sqrt"):
                arguments["num_training_steps"] = None  # get_scheduler does not pass it
            if kind == "constant":
                extra, arguments["num_warmup_steps"] = {}, 0
        else:
            positional = HF_FUNCTIONS[function][1]
            extra.update({k: v for k, v in zip(positional, call.args[1:])
                          if k not in arguments})
        return kind, arguments, extra
