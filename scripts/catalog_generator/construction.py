"""Building one layer for probing: a probe value for each required parameter, then the instance."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .framework import Framework


@dataclass
class Construction:
    """How the probe builds one class: argument factories, or why it cannot."""

    factories: dict[str, Callable[[], Any]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def plan_construction(fw: Framework, cls: type) -> Construction:
    """Pick a probe value for every required parameter, by name, plus the class's extras."""
    plan = Construction(factories=dict(fw.class_arguments.get(cls.__name__, {})))
    try:
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    except (TypeError, ValueError):
        return plan
    for parameter in parameters:
        if parameter.default is not parameter.empty or parameter.name in plan.factories:
            continue
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.name in fw.arguments:
            plan.factories[parameter.name] = fw.arguments[parameter.name]
        else:
            plan.missing.append(parameter.name)
    return plan


def construct(cls: type, plan: Construction) -> tuple[Any, dict[str, Any]]:
    """A fresh instance, and the arguments it was given (positional ones under "*args")."""
    arguments = {name: factory() for name, factory in plan.factories.items()}
    positional = arguments.pop("*args", [])
    return cls(*positional, **arguments), {**arguments, **({"*args": positional} if positional else {})}
