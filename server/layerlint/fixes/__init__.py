"""Quick-fixes: one libcst transformation per module, chosen by the type of the fix request.

Fixes run only when the user asks for one, never on the typing path, so libcst's cost is paid
once per request and only on the code the fix touches. Each fix module has
`apply(source, request) -> str` for one request type of `layerlint.fix_requests`; `_MODULES`
says which, and a module is imported on first use (Python keeps it imported).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

from layerlint.fix_requests import (
    AddLayerConfig,
    AddSymbolicBuild,
    FixError,
    FixRequest,
    InsertLine,
    LayerPerIteration,
    PrintToTfPrint,
    RegisterBuffer,
    RegisterSerializable,
    ResetBuilt,
    SplitLayer,
    VariableToAddWeight,
    WrapModuleContainer,
)

__all__ = ["FixError", "FixUnavailable", "apply_fix"]

FixFunction = Callable[[str, Any], str]

_MODULES: dict[type[FixRequest], str] = {
    SplitLayer: "split_layer",
    LayerPerIteration: "layer_per_iteration",
    AddLayerConfig: "layer_config",
    PrintToTfPrint: "print_to_tf_print",
    VariableToAddWeight: "variable_to_add_weight",
    RegisterSerializable: "register_serializable",
    RegisterBuffer: "register_buffer",
    WrapModuleContainer: "wrap_module_container",
    ResetBuilt: "reset_built",
    AddSymbolicBuild: "add_symbolic_build",
    InsertLine: "insert_line",
}
"""The module whose `apply` carries out each request type."""


class FixUnavailable(FixError):
    """No fix can run in this interpreter: libcst is missing (the VS Code extension's universal
    bundle carries none; diagnostics work without it)."""


def _fix_for(request_type: type[FixRequest]) -> FixFunction:
    try:
        import libcst  # noqa: F401 - every fix is a libcst rewrite
    except ImportError as error:
        raise FixUnavailable(
            f"quick fixes need libcst, which {sys.executable} cannot import ({error}); "
            f"`{sys.executable} -m pip install libcst` enables them"
        ) from error
    module_name = _MODULES.get(request_type)
    if module_name is None:
        raise FixError(f"no fix carries out {request_type.__name__} requests")
    return importlib.import_module(f"{__name__}.{module_name}").apply


def apply_fix(source: str, request: FixRequest) -> str:
    """Return the whole new text of the document after applying `request` to `source`."""
    fix = _fix_for(type(request))
    try:
        return fix(source, request)
    except RecursionError as error:  # libcst recurses once per nesting level of the code
        raise FixError("the code is nested too deeply for this fix") from error
