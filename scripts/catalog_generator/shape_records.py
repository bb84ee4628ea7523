"""Shape records: each layer of the grid built under the real framework and called on inputs of
known shape; the output shapes, or the message of the error raised, are written to
`catalog/shape_records/<framework>.json` with the constructor parameter order of each layer.

Keras layers are called on symbolic inputs (`keras.Input`, batch None), as Sequential and
functional models call them; torch modules on zero tensors with batch 2 and again with batch 3,
so that the dimensions that follow the batch are recorded as `"batch"` wherever they sit.
"""

from __future__ import annotations

import inspect
import re
import time
from pathlib import Path
from typing import Any

from .batched_outputs import BATCH, store_outputs
from .catalog_files import GENERATED_BY, render
from .framework_registry import load_framework
from .op_records import op_records
from .quiet_logs import quiet_framework_logs
from .shape_grid import POSITIONAL_CALL, B, Case, WeightCase, keras_grid, keras_weight_grid
from .stable_text import AUTO_NAME_SUFFIX
from .torch_shape_grid import torch_grid

RECORDS_DIR = "shape_records"
MESSAGE_LIMIT = 300


def error_text(exc: BaseException) -> str:
    """The framework's message on one line, without counters, addresses or call-argument dumps."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    skip = ("Exception encountered", "Arguments received", "Call arguments received", "•")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith(skip)]
    text = " ".join(lines)
    text = re.sub(r"\b0x[0-9a-fA-F]{6,}\b", "0x…", text)
    text = re.sub(r"\{\{function_node [^}]*\}\}", "", text)
    text = AUTO_NAME_SUFFIX.sub(r"\1", text).strip()
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 3] + "..."
    return f"{type(exc).__name__}: {text}"


def parameter_names(cls: type) -> list[str]:
    """The constructor's named parameters in order (no self, *args, **kwargs)."""
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.POSITIONAL_ONLY)
    signature = inspect.signature(cls.__init__)
    return [p.name for name, p in signature.parameters.items() if name != "self" and p.kind in kinds]


def _json_value(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    return value


def _input_record(shape: tuple[Any, ...]) -> list[Any]:
    return [BATCH if dim == B else dim for dim in shape]


def keras_records(name: str, package: Any) -> list[dict[str, Any]]:
    """Records of the Keras grid for Keras 3 or tf-keras (`package` is `keras` or `tf_keras`)."""

    def build(layer: str, config: dict[str, Any]) -> Any:
        config = dict(config)
        if isinstance(config.get("layer"), dict):
            wrapped = config["layer"]
            config["layer"] = build(wrapped["class_name"], wrapped["config"])
        return getattr(package.layers, layer)(**config)

    def run(case: Case) -> dict[str, Any]:
        layer, config, inputs = case
        record: dict[str, Any] = {"layer": layer, "config": _json_value(config),
                                  "inputs": [_input_record(shape) for shape in inputs]}
        instance = build(layer, config)
        dtype = "int32" if layer == "Embedding" else "float32"
        tensors = [package.Input(shape=tuple(shape[1:]), dtype=dtype) for shape in inputs]
        try:
            if layer in POSITIONAL_CALL:
                output = instance(*tensors)
            else:
                output = instance(tensors if len(tensors) > 1 else tensors[0])
        except Exception as exc:  # recording what the framework raises is the point
            record["error"] = error_text(exc)
            return record
        shapes = [_keras_shape(t.shape) for t in (output if isinstance(output, (list, tuple)) else [output])]
        record["outputs" if isinstance(output, (list, tuple)) else "output"] = (
            shapes if isinstance(output, (list, tuple)) else shapes[0]
        )
        return record

    def run_weights(case: WeightCase) -> dict[str, Any]:
        import numpy as np

        layer, config, shape, weights, via = case
        record: dict[str, Any] = {"layer": layer, "config": _json_value(config),
                                  "inputs": [_input_record(shape)], "weights": _json_value(weights),
                                  "via": via}
        arrays = [np.zeros(weight, dtype="float32") for weight in weights]
        dtype = "int32" if layer == "Embedding" else "float32"
        try:
            if via == "constructor":
                instance = getattr(package.layers, layer)(**config, weights=arrays)
            else:
                instance = getattr(package.layers, layer)(**config)
            output = instance(package.Input(shape=tuple(shape[1:]), dtype=dtype))
            if via == "set_weights":
                instance.set_weights(arrays)
        except Exception as exc:  # recording what the framework raises is the point
            record["error"] = error_text(exc)
            return record
        record["output"] = _keras_shape(output.shape)
        return record

    return [run(case) for case in keras_grid(name)] + [run_weights(case) for case in keras_weight_grid(name)]


def _keras_shape(shape: Any) -> list[Any]:
    dims = [None if dim is None else int(dim) for dim in tuple(shape)]
    return [BATCH if index == 0 and dim is None else dim for index, dim in enumerate(dims)]


def torch_records(torch: Any) -> list[dict[str, Any]]:
    """Records of the torch grid: each case run with batch 2 and batch 3."""
    nn = torch.nn

    def outputs(module: Any, inputs: list[tuple[Any, ...]], batch: int, layer: str) -> list[tuple]:
        tensors = []
        for shape in inputs:
            concrete = tuple(batch if dim == B else dim for dim in shape)
            if layer == "Embedding":
                tensors.append(torch.zeros(concrete, dtype=torch.long))
            else:
                tensors.append(torch.zeros(concrete))
        with torch.no_grad():
            result = module(*tensors)
        flat: list[Any] = []
        stack = [result]
        while stack:  # (output, (h_n, c_n)) flattens to output, h_n, c_n in order
            item = stack.pop(0)
            if isinstance(item, (tuple, list)):
                stack[:0] = list(item)
            else:
                flat.append(tuple(item.shape))
        return flat

    def run(case: Case) -> dict[str, Any]:
        layer, config, inputs = case
        record: dict[str, Any] = {"layer": layer, "config": _json_value(config),
                                  "inputs": [_input_record(shape) for shape in inputs]}
        torch.manual_seed(0)
        module = getattr(nn, layer)(**config).eval()
        try:
            two = outputs(module, inputs, 2, layer)
        except Exception as exc:  # the same
            record["error"] = error_text(exc)
            return record
        three = outputs(module, inputs, 3, layer)
        store_outputs(record, two, three)
        return record

    return [run(case) for case in torch_grid()]


def generate_shape_records(framework: str, output_dir: Path, keras_backend: str) -> dict[str, Any]:
    """Measure the records of one framework and write `<output_dir>/shape_records/<framework>.json`."""
    started = time.perf_counter()
    with quiet_framework_logs():
        fw = load_framework(framework, keras_backend)
        module = next(iter(fw.module_roots.values()))
        if framework == "torch":
            import torch

            records = torch_records(torch)
        else:
            import importlib

            records = keras_records(framework, importlib.import_module(framework))
        ops = op_records(framework, error_text)
    layers = sorted({record["layer"] for record in records} | _wrapped_layers(records))
    data: dict[str, Any] = {
        "framework": fw.name,
        "version": fw.version,
        "generated_by": f"{GENERATED_BY} --shape-records",
        "parameters": {layer: parameter_names(getattr(module, layer)) for layer in layers},
        "records": records,
        "op_records": ops,
    }
    if framework == "tf_keras":
        import tensorflow as tf

        data["tensorflow_version"] = tf.__version__  # the tf.* op records are TensorFlow's
    if fw.backend is not None:
        data["backend"] = fw.backend
    path = output_dir / RECORDS_DIR / f"{framework}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(data), encoding="utf-8")
    errors = sum("error" in record for record in records)
    print(f"{RECORDS_DIR}/{framework}.json: {fw.name} {fw.version}, {len(records)} layer records "
          f"({errors} errors), {len(ops)} op records in {time.perf_counter() - started:.1f} s")
    return data


def _wrapped_layers(records: list[dict[str, Any]]) -> set[str]:
    return {record["config"]["layer"]["class_name"] for record in records
            if isinstance(record["config"].get("layer"), dict)}


def record_key(record: dict[str, Any]) -> str:
    key = f"{record['layer']}({_describe(record['config'])}) on {record['inputs']}"
    if "weights" in record:
        key += f" with weights {record['weights']} via {record['via']}"
    return key


def op_key(record: dict[str, Any]) -> str:
    return f"{record['op']}(*{record['args']}, **{record['kwargs']})"


def _describe(config: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in config.items())


def describe_record_drift(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Human-readable differences between two record files, one line per changed record."""
    problems = [
        f"{key}: {expected.get(key)!r} -> {actual.get(key)!r}"
        for key in sorted((set(expected) | set(actual)) - {"records", "parameters", "op_records"})
        if expected.get(key) != actual.get(key)
    ]
    old_parameters, new_parameters = expected.get("parameters", {}), actual.get("parameters", {})
    for layer in sorted(set(old_parameters) | set(new_parameters)):
        if old_parameters.get(layer) != new_parameters.get(layer):
            before, after = old_parameters.get(layer), new_parameters.get(layer)
            problems.append(f"parameters of {layer}: {before} -> {after}")
    old = {record_key(record): record for record in expected.get("records", [])}
    new = {record_key(record): record for record in actual.get("records", [])}
    old.update((op_key(record), record) for record in expected.get("op_records", []))
    new.update((op_key(record), record) for record in actual.get("op_records", []))
    for key in sorted(set(old) | set(new)):
        if key not in new:
            problems.append(f"{key}: in the file, no longer generated")
        elif key not in old:
            problems.append(f"{key}: generated, missing from the file")
        elif old[key] != new[key]:
            before = {k: v for k, v in old[key].items() if k in ("output", "outputs", "error")}
            after = {k: v for k, v in new[key].items() if k in ("output", "outputs", "error")}
            problems.append(f"{key}: {before} -> {after}")
    return problems
