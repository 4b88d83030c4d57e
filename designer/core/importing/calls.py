"""How `designer.core.importing.reader.SnippetReader` reads calls.

Calls of torch optimizers and lr schedulers are recorded rather than performed, calls of the
snippet's own functions are followed (to a limited depth), and argparse's `add_argument`
collects the defaults that `args.<dest>` stands for.
"""

from __future__ import annotations

import ast
from typing import Any

from designer.core.importing.values import (
    MAX_CALL_DEPTH,
    MISSING,
    MUTATORS,
    NUMERIC_BUILTINS,
    OTHER_TORCH_OPTIMIZERS,
    SCHEDULER_LIKE,
    TORCH_SCHEDULERS,
    ArgParser,
    Function,
    GroupParams,
    Instance,
    Namespace,
    OptimizerCall,
    Ref,
    SchedulerCall,
    Scope,
    StepSite,
    Unknown,
    UserClass,
    is_number_node,
    lambda_parameters,
    params_name,
    short_source,
)
from designer.core.schedule.catalog import OPTIMIZERS, SCHEDULERS


class CallReader:
    """The call-reading part of `SnippetReader` (which provides `value`, `number`, `run_block`,
    and the state these methods use)."""

    def call(self, node: ast.Call, scope: Scope) -> Any:
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = self.value(func.value, scope)
            method = self._method(owner, func.attr, node, scope)
            if method is not MISSING:
                return method
        callee = self.value(func, scope)
        if isinstance(callee, Function):
            args, kwargs = self._arguments(node, scope)
            return self.call_function(callee, args, kwargs, node.lineno)
        if isinstance(callee, UserClass):
            args, kwargs = self._arguments(node, scope)
            if callee.scheduler:
                return self._record(SchedulerCall(callee.name, node.lineno, args, kwargs,
                                                  custom=True), node)
            instance = Instance(callee)
            init = callee.methods.get("__init__")
            if init is not None:
                self.call_function(Function(init.node, init.scope, {}, (instance,)), args,
                                   kwargs, node.lineno)
            return instance
        if not isinstance(callee, Ref):
            self._arguments(node, scope)  # what the arguments build still counts
            return Unknown(f"`{short_source(node)}` is only known when the script runs")
        if callee.path.startswith("builtins."):
            folded = self.fold_builtin(callee.name, node, scope)
            if folded is not MISSING:
                return folded
            if callee.name in NUMERIC_BUILTINS:
                return self.number(node, scope)
        if callee.path.startswith("math."):
            return self.number(node, scope)
        return self._call_ref(callee, node, scope)

    def _method(self, owner: Any, method: str, node: ast.Call, scope: Scope) -> Any:
        """A method call the reader knows, or MISSING."""
        if isinstance(owner, SchedulerCall) and method == "step":
            owner.steps.append(StepSite(node.lineno, tuple(self.loops),
                                        bool(node.args or node.keywords),
                                        self.conditions[-1] if self.conditions else None))
            return None
        if isinstance(owner, ArgParser):
            return self._argparse(owner, method, node, scope)
        if isinstance(owner, str) and method in ("lower", "upper", "strip") and not (
                node.args or node.keywords):
            return getattr(owner, method)()  # args.lr_scheduler.lower()
        if isinstance(owner, (list, dict)) and method in MUTATORS:
            return self.mutate(owner, method, node, scope)
        if isinstance(owner, dict) and method == "get" and 1 <= len(node.args) <= 2:
            key, *default = [self.value(arg, scope) for arg in node.args]
            if isinstance(key, (str, int)):
                return owner.get(key, default[0] if default else None)
        return MISSING

    def _call_ref(self, callee: Ref, node: ast.Call, scope: Scope) -> Any:
        """A call of something the snippet imported: torch's schedulers and optimizers are
        recorded, transformers' schedule functions too."""
        path, name = callee.path, callee.name
        args, kwargs = self._arguments(node, scope)
        if path == f"{TORCH_SCHEDULERS}.{name}" or (
                path.startswith("torch.") and name in SCHEDULERS):
            return self._record(SchedulerCall(name, node.lineno, args, kwargs), node)
        if path.startswith("torch.optim.") and (name in OPTIMIZERS
                                                or name in OTHER_TORCH_OPTIMIZERS):
            optimizer = OptimizerCall(name, node.lineno, args, kwargs)
            self.optimizers.append(optimizer)
            return optimizer
        if path.startswith("transformers.") and name.startswith("get_") and (
                "schedule" in name):
            return self._record(SchedulerCall(f"hf:{name}", node.lineno, args, kwargs), node)
        if path == "functools.partial" and args and isinstance(args[0], Function):
            target = args[0]
            return Function(target.node, target.scope, {**target.bound, **kwargs},
                            target.bound_args + tuple(args[1:]))
        if path == "argparse.ArgumentParser":
            return ArgParser()
        if path == "builtins.dict" and len(args) == 1 and isinstance(args[0], dict) and not (
                kwargs):
            return dict(args[0])  # cfg = dict(CFG): a copy
        if path == "builtins.dict" and not args and "**" not in kwargs:
            # dict(params=model.head.parameters(), lr=1e-3): a param group, as a {...} is
            given = next((k.value for k in node.keywords if k.arg == "params"), None)
            if given is not None:
                kwargs["params"] = GroupParams(params_name(given))
            return kwargs
        if SCHEDULER_LIKE.search(name) and not path.startswith("builtins."):
            # timm's CosineLRScheduler, a project's WarmupLR: report it rather than ignore it.
            return self._record(SchedulerCall(name, node.lineno, args, kwargs, custom=True),
                                node)
        return Unknown(f"`{short_source(node)}` is only known when the script runs")

    def _record(self, call: SchedulerCall, node: ast.Call) -> SchedulerCall:
        given = next((k.value for k in node.keywords if k.arg == "optimizer"), None)
        at = 1 if call.kind == "hf:get_scheduler" else 0  # get_scheduler(name, optimizer)
        if given is None and len(node.args) > at and call.kind != "ChainedScheduler":
            given = node.args[at]
        call.optimizer_source = "" if given is None else short_source(given)
        self.schedulers.append(call)
        children = call.kwargs.get("schedulers")
        if children is None and call.kind == "SequentialLR" and len(call.args) >= 2:
            children = call.args[1]
        if children is None and call.kind == "ChainedScheduler" and call.args:
            children = call.args[0]
        if call.kind in ("SequentialLR", "ChainedScheduler") and isinstance(children,
                                                                            (list, tuple)):
            for child in children:
                if isinstance(child, SchedulerCall):
                    child.consumed = True
        return call

    def _arguments(self, node: ast.Call, scope: Scope) -> tuple[list[Any], dict[str, Any]]:
        args: list[Any] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                args.append(Unknown(f"`{short_source(arg)}` unpacks arguments"))
            else:
                args.append(self.value(arg, scope))
        kwargs: dict[str, Any] = {}
        for keyword in node.keywords:
            value = self.value(keyword.value, scope)
            if keyword.arg is None:
                if isinstance(value, dict) and all(isinstance(k, str) for k in value):
                    kwargs.update(value)
                else:
                    kwargs["**"] = Unknown(f"`**{short_source(keyword.value)}` is only known when "
                                           "the script runs")
            else:
                kwargs[keyword.arg] = value
        return args, kwargs

    def call_function(self, function: Function, args: list[Any], kwargs: dict[str, Any],
                       line: int) -> Any:
        function.called = True
        if self.depth >= MAX_CALL_DEPTH:
            # Python would raise RecursionError here (or nest deeper than a schedule needs).
            self.problem(line, f"`{function.name}()` calls nest too deeply to read")
            return Unknown(f"`{function.name}()` calls nest too deeply to read")
        scope = Scope(function.scope)
        node = function.node
        parameters = lambda_parameters(node.args)
        given = [*function.bound_args, *args]
        for index, parameter in enumerate(parameters):
            if index < len(given):
                scope.names[parameter.name] = given[index]
            elif parameter.name in kwargs or parameter.name in function.bound:
                scope.names[parameter.name] = kwargs.get(parameter.name,
                                                         function.bound.get(parameter.name))
            elif parameter.default is not None:
                scope.names[parameter.name] = self.value(parameter.default, function.scope)
            else:
                scope.names[parameter.name] = Unknown(
                    f"`{parameter.name}` is a parameter of {function.name}()")
        if isinstance(node, ast.Lambda):
            return self.value(node.body, scope)
        self.depth += 1
        try:
            returned = self.run_block(node.body, scope)
        finally:
            self.depth -= 1
        return None if returned is None else returned.value

    def _argparse(self, parser: ArgParser, method: str, node: ast.Call, scope: Scope) -> Any:
        if method in ("parse_args", "parse_known_args"):
            namespace = Namespace(parser)
            return namespace if method == "parse_args" else (namespace, [])
        if method == "add_argument":
            args, kwargs = self._arguments(node, scope)
            flags = [a for a in args if isinstance(a, str)]
            long = next((f for f in flags if f.startswith("--")), flags[0] if flags else "")
            dest = kwargs.get("dest") or long.lstrip("-").replace("-", "_")
            default = kwargs.get("default", {"store_true": False, "store_false": True}.get(
                kwargs.get("action"), MISSING))
            convert = kwargs.get("type")
            if isinstance(default, str) and isinstance(convert, Ref) and convert.path in (
                    "builtins.int", "builtins.float"):
                # argparse passes a text default through `type`, as it does the command line.
                try:
                    default = {"builtins.int": int, "builtins.float": float}[convert.path](default)
                except ValueError:
                    default = MISSING
            if isinstance(dest, str) and dest and default is not MISSING:
                parser.defaults[dest] = (default, node.lineno)
                if is_number_node(default):
                    self.hints.setdefault(dest, (default, node.lineno))
        return None
