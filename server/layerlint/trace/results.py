"""The trace result: what a shape trace reports, and its JSON form.

The probe (running inside a kernel) produces plain JSON; `TraceResult.from_json` turns it into
these dataclasses on the server side, and `to_json` is the `layerlint trace --format json`
output. Positions are 1-based lines and 1-based columns in characters, like `Finding`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class TensorInfo:
    shape: tuple[int | None, ...]
    dtype: str

    def shape_text(self) -> str:
        return format_shape(self.shape)


@dataclass(frozen=True)
class ModelInput:
    """One tensor fed to the model: its shape, dtype and (dict inputs) name."""

    shape: tuple[int, ...]
    dtype: str
    name: str | None = None


@dataclass(frozen=True)
class SourceSite:
    """Where in the user's source a layer was called (or, for a layer run by a framework
    container such as Sequential, where it was called symbolically or constructed)."""

    path: str
    line: int
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    kind: str = "call"
    """`call`: the call expression; `symbolic`: a functional-API call; `definition`: the
    constructor call of a layer run inside a framework container."""
    code: str = ""
    """The source line, stripped (the magic shows it: notebook cells have no useful paths)."""


@dataclass(frozen=True)
class LayerCall:
    index: int
    parent: int | None
    depth: int
    name: str
    class_name: str
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...]
    params: int | None
    device: str | None
    site: SourceSite | None
    failed: bool = False

    def shapes_text(self) -> str:
        """`(1, 32, 32, 3) -> (1, 29, 29, 6)`; several tensors are joined with `, `."""
        inputs = ", ".join(item.shape_text() for item in self.inputs) or "()"
        if self.failed:
            return f"{inputs} -> error"
        outputs = ", ".join(item.shape_text() for item in self.outputs) or "()"
        return f"{inputs} -> {outputs}"


@dataclass(frozen=True)
class TraceError:
    kind: str
    """`import`, `build` (constructing the model), `forward`, `timeout`, `crash`,
    `cancelled`, `input_shape` or `internal`."""
    type_name: str
    message: str
    """The framework's message, cleaned of terminal colours and Keras' wrapper text."""
    site: SourceSite | None = None
    layer: str | None = None
    traceback: str = ""
    """The user's frames only, innermost last."""


@dataclass(frozen=True)
class TraceResult:
    status: str
    """"ok" (the forward pass ran), "error" (the user's code raised: import, construction or
    forward pass), "timeout" (interrupted after the time limit; the kernel was restarted),
    "crashed" (the kernel process died: segfault, os._exit, out of memory; restarted),
    "cancelled" (the client asked to stop), "needs_input_shape" (no input shape known: the
    client should ask for one) or "internal_error" (layerlint itself failed: the kernel would
    not start, a probe bug)."""
    path: str
    target: str | None = None
    input_shape: tuple[int, ...] | None = None
    input_shape_source: str | None = None
    inputs: tuple[ModelInput, ...] = ()
    """Every tensor fed to the model, with its dtype (several for multi-input models);
    `input_shape` is the first one's shape."""
    framework: str | None = None
    device: str | None = None
    calls: tuple[LayerCall, ...] = ()
    error: TraceError | None = None
    elapsed_s: float | None = None
    kernel_reused: bool = False
    output: str = ""
    """What the user's code printed (tail)."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ran(self) -> bool:
        return self.status == "ok"

    def with_changes(self, **changes: Any) -> TraceResult:
        data = {**self.__dict__, **changes}
        return TraceResult(**data)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TraceResult:
        error = data.get("error")
        shape = data.get("input_shape")
        return cls(
            status=str(data["status"]),
            path=str(data.get("path", "")),
            target=data.get("target"),
            input_shape=tuple(shape) if shape is not None else None,
            input_shape_source=data.get("input_shape_source"),
            inputs=tuple(ModelInput(tuple(item["shape"]), str(item.get("dtype") or "float32"),
                                    item.get("name")) for item in data.get("inputs") or ()),
            framework=data.get("framework"),
            device=data.get("device"),
            calls=tuple(_call_from_json(item) for item in data.get("calls") or ()),
            error=_error_from_json(error) if error else None,
            elapsed_s=data.get("elapsed_s"),
            kernel_reused=bool(data.get("kernel_reused", False)),
            output=str(data.get("output") or ""),
            extra=dict(data.get("extra") or {}),
        )


def failure(status: str, path: str, kind: str, message: str, **fields: Any) -> TraceResult:
    """A result that carries only an error (timeouts, crashes, usage problems)."""
    error = TraceError(kind=kind, type_name=fields.pop("type_name", kind), message=message,
                       site=fields.pop("site", None), layer=fields.pop("layer", None),
                       traceback=fields.pop("traceback", ""))
    return TraceResult(status=status, path=path, error=error, **fields)


def format_shape(shape: tuple[int | None, ...]) -> str:
    """Python's tuple notation, with None for unknown dimensions: `(1, 32)`, `(5,)`."""
    return repr(tuple(shape))


def _site_from_json(data: dict[str, Any] | None) -> SourceSite | None:
    if not data:
        return None
    return SourceSite(
        path=str(data["path"]),
        line=int(data["line"]),
        column=data.get("column"),
        end_line=data.get("end_line"),
        end_column=data.get("end_column"),
        kind=str(data.get("kind", "call")),
        code=str(data.get("code", "")),
    )


def _tensors_from_json(items: Any) -> tuple[TensorInfo, ...]:
    return tuple(
        TensorInfo(shape=tuple(item["shape"]), dtype=str(item["dtype"])) for item in items or ()
    )


def _call_from_json(data: dict[str, Any]) -> LayerCall:
    return LayerCall(
        index=int(data["index"]),
        parent=data.get("parent"),
        depth=int(data.get("depth", 0)),
        name=str(data["name"]),
        class_name=str(data["class_name"]),
        inputs=_tensors_from_json(data.get("inputs")),
        outputs=_tensors_from_json(data.get("outputs")),
        params=data.get("params"),
        device=data.get("device"),
        site=_site_from_json(data.get("site")),
        failed=bool(data.get("failed", False)),
    )


def _error_from_json(data: dict[str, Any]) -> TraceError:
    return TraceError(
        kind=str(data.get("kind", "internal")),
        type_name=str(data.get("type_name", "")),
        message=str(data.get("message", "")),
        site=_site_from_json(data.get("site")),
        layer=data.get("layer"),
        traceback=str(data.get("traceback", "")),
    )
