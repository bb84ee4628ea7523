"""The public layer classes of a framework: every class exported under its layer modules.

Aliases (MaxPool2D and MaxPooling2D) map to one class, which is then probed once.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from .framework import Framework


def public_layer_classes(fw: Framework) -> dict[str, tuple[type, list[str]]]:
    """Public name -> (class, every qualified public name of that class), aliases included."""
    found: dict[str, type] = {}
    qualified: dict[type, set[str]] = {}

    def add(prefix: str, name: str, cls: Any) -> None:
        if inspect.isclass(cls) and issubclass(cls, fw.layer_base):
            found.setdefault(name, cls)
            qualified.setdefault(cls, set()).add(f"{prefix}.{name}")

    for prefix, module in fw.module_roots.items():
        for name in dir(module):
            if not name.startswith("_"):
                add(prefix, name, getattr(module, name))
    for prefix, names in fw.extra_classes.items():
        module = importlib.import_module(prefix)
        for name in names:
            add(prefix, name, getattr(module, name, None))
    return {name: (cls, sorted(qualified[cls])) for name, cls in sorted(found.items())}
