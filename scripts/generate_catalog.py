"""Generate the layer catalog: facts about every built-in layer, measured from installed frameworks.

The language server never imports TensorFlow or torch, yet its rules need to know, for example,
that BatchNormalization keeps moving statistics while MaxPooling2D keeps nothing. This script
learns those facts by instantiating and calling every public layer class of Keras 3
(`keras.layers`), tf-keras (`tf_keras.layers`) and `torch.nn`, and writes one JSON file per
framework into `server/layerlint/analysis/catalog/`. The JSON is checked in; the server only
reads it (`layerlint.analysis.catalog`), and a test regenerates it to catch drift.

Usage:
    python scripts/generate_catalog.py [--framework keras|tf_keras|torch|all] [--output-dir DIR]
                                       [--check] [--versioned] [--keras-backend NAME]

`--versioned` names the file by the framework's major.minor (`keras-3.9.json`), for data taken
from an older release in a throwaway virtual environment. `--check` regenerates into a temporary
directory and exits 1 when the result differs from the files in `--output-dir`.

Per layer the catalog records (null where it could not be measured):
    stateless                no variables/parameters/buffers after building (RNG state aside)
    has_weights              the opposite: some trainable or non-trainable variable exists
    moving_statistics        a non-trainable variable changes during a training-mode forward pass
    shape_bound_weights      weight shapes change when the input's feature dimension changes
    weights_from_constructor has weights whose shapes come from constructor arguments alone
    random                   training-mode outputs differ between calls, and no weights
    rng_state                owns a random-generator state variable (Keras 3 SeedGenerator)
    built_in_init            Keras: `layer.built` is already True right after construction
    subclass_build_skipped   Keras: a subclass that defines build() never has it called
    container                its constructor takes the layers it will run (Sequential, ...)

This module imports no framework at import time, so tests can import its helpers cheaply.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import importlib.metadata
import inspect
import json
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT_DIR = REPO_ROOT / "server" / "layerlint" / "analysis" / "catalog"
GENERATED_BY = "scripts/generate_catalog.py"
FRAMEWORKS = ("keras", "tf_keras", "torch")

# Call patterns: how the probe inputs are handed to a layer.
SINGLE, LIST, POSITIONAL, LABELS, TRIPLE = "x", "[x, x]", "x, x", "x, labels", "x, x, x"
STATE_PAIR = "x, [x, x]"  # an LSTM cell's input and its [h, c] state
# Probabilities (BCELoss) and pixel values want non-negative floats.
NON_NEGATIVE = "float32>=0"


# ---------------------------------------------------------------------------------------------
# Framework adapters: everything that differs between Keras 3, tf-keras and torch.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    """One variable, parameter or buffer seen on a built layer."""

    name: str
    shape: tuple[int, ...] | None  # None: a torch lazy parameter not materialized yet
    trainable: bool
    rng: bool  # random-generator state, not a weight
    value: Any  # numpy copy, or None for a lazy parameter


@dataclass(frozen=True)
class Framework:
    """The probe's view of one framework: how to list, build, call and inspect its layers."""

    name: str
    version: str
    backend: str | None
    module_roots: dict[str, Any]  # public prefix -> module, scanned for all layer classes
    extra_classes: dict[str, tuple[str, ...]]  # public prefix -> class names taken from it
    layer_base: type
    arguments: dict[str, Callable[[], Any]]  # required constructor parameter name -> value
    class_arguments: dict[str, dict[str, Callable[[], Any]]]  # class name -> extra arguments
    call_patterns: tuple[str, ...]
    input_dtypes: tuple[str, ...]
    input_ranks: tuple[int, ...]
    shape_for_rank: Callable[[int, int], tuple[int, ...]]  # (rank, size step) -> shape
    feature_axis: int
    make_input: Callable[[tuple[int, ...], str], Any]
    call: Callable[[Any, list[Any], str, bool], Any]
    variables: Callable[[Any], list[Variable]]
    to_arrays: Callable[[Any], list[Any]]
    is_layer: Callable[[Any], bool]
    is_built: Callable[[Any], bool | None]
    seed: Callable[[], object]
    weights_exist_at_construction: bool  # torch registers parameters in __init__
    probes_keras_build: bool


def numpy_input(shape: tuple[int, ...], dtype: str) -> Any:
    """Deterministic probe data: floats in [-1, 1) or [0, 1), small integers, one-letter strings.

    Negative values matter: RReLU, for one, only shows its randomness below zero.
    """
    import numpy as np

    rng = np.random.default_rng(0)
    if dtype == "float32":
        return rng.uniform(-1.0, 1.0, size=shape).astype("float32")
    if dtype == NON_NEGATIVE:
        return rng.uniform(size=shape).astype("float32")
    if dtype.startswith("int"):
        return rng.integers(0, 4, size=shape).astype(dtype)
    return np.array(["a", "b", "c", "d"])[rng.integers(0, 4, size=shape)]


def nested_values(output: Any) -> Iterator[Any]:
    """Walk tensors nested in tuples, lists and dicts, in a stable order."""
    if isinstance(output, dict):
        for key in sorted(output, key=str):
            yield from nested_values(output[key])
    elif isinstance(output, (list, tuple)):
        for item in output:
            yield from nested_values(item)
    elif output is not None:
        yield output


def contains(value: Any, predicate: Callable[[Any], bool]) -> bool:
    """Whether `value`, or an item of a list/tuple/dict value, satisfies `predicate`."""
    if isinstance(value, dict):
        return any(contains(item, predicate) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains(item, predicate) for item in value)
    return predicate(value)


AUTO_NAME_SUFFIX = re.compile(r"\b([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z][A-Za-z0-9]*)*)_\d+\b")


def variable_name(path: str, layer_name: str) -> str:
    """A variable's path relative to its layer, without the counters in auto-generated names.

    Counters (`dense_3`) depend on how many layers were made earlier in the process; keeping
    them would make the output change whenever a layer is added to the framework.
    """
    path = path.removesuffix(":0")
    path = path.removeprefix(layer_name + "/")
    *scopes, leaf = path.split("/")
    return "/".join([AUTO_NAME_SUFFIX.sub(r"\1", scope) for scope in scopes] + [leaf])


def keras_arguments(layers: Any) -> dict[str, Callable[[], Any]]:
    """Probe values for required constructor parameters of Keras-style layers, by name."""
    return {
        "activation": lambda: "relu",
        "axes": lambda: -1,
        "cell": lambda: layers.SimpleRNNCell(4),
        "cells": lambda: [layers.SimpleRNNCell(4), layers.SimpleRNNCell(4)],
        "dims": lambda: (2, 1),
        "equation": lambda: "ab,bc->ac",
        "factor": lambda: 0.2,
        "filters": lambda: 4,
        "function": lambda: _identity,
        "head_dim": lambda: 2,
        "height": lambda: 4,
        "height_factor": lambda: 0.2,
        "input_dim": lambda: 8,
        "kernel_size": lambda: 3,
        "key_dim": lambda: 2,
        "layer": lambda: layers.Dense(4),
        "layers": lambda: [layers.Dense(4)],
        "max_number": lambda: 2,
        "n": lambda: 2,
        "num_bins": lambda: 4,
        "num_heads": lambda: 2,
        "num_key_value_heads": lambda: 1,
        "num_query_heads": lambda: 2,
        "output_dim": lambda: 4,
        "output_shape": lambda: 4,
        "output_size": lambda: 2,
        "pool_size": lambda: 2,
        "rate": lambda: 0.5,
        "scale": lambda: 0.5,
        "stddev": lambda: 1.0,
        "target_shape": lambda: (-1,),
        "units": lambda: 3,  # RNN cells take their state at the input's width
        "width": lambda: 4,
        "width_factor": lambda: 0.2,
    }


def _identity(value: Any) -> Any:
    return value


# Layers whose defaults cannot run on a plain tensor; the values say what they need.
def keras_class_arguments(layers: Any) -> dict[str, dict[str, Callable[[], Any]]]:
    """Layers whose defaults cannot run on a small tensor; the values say what they need.

    Sequential gets one child so that the probe sees what it holds.
    """
    return {
        "Bidirectional": {"layer": lambda: layers.LSTM(4)},
        "CategoryEncoding": {"num_tokens": lambda: 8},
        "Discretization": {"bin_boundaries": lambda: [0.5]},
        "GroupNormalization": {"groups": lambda: 1},
        "IntegerLookup": {"vocabulary": lambda: [1, 2, 3]},
        "MelSpectrogram": {
            "fft_length": lambda: 4,
            "sequence_length": lambda: 4,
            "sequence_stride": lambda: 2,
            "num_mel_bins": lambda: 4,
            "sampling_rate": lambda: 100,
        },
        "RandomPosterization": {"factor": lambda: 4},
        "STFTSpectrogram": {
            "frame_length": lambda: 4,
            "frame_step": lambda: 2,
            "fft_length": lambda: 4,
        },
        "Sequential": {"layers": lambda: [layers.Dense(4)]},
        "StringLookup": {"vocabulary": lambda: ["a", "b"]},
        "TextVectorization": {"vocabulary": lambda: ["a", "b"]},
    }


def keras_like_call(layer: Any, inputs: list[Any], pattern: str, training: bool) -> Any:
    if pattern == LIST:
        return layer(list(inputs), training=training)
    if pattern == STATE_PAIR:
        return layer(inputs[0], list(inputs[1:]), training=training)
    return layer(*inputs, training=training)


def load_keras(backend: str) -> Framework:
    """Keras 3 on the given backend (`KERAS_BACKEND` must be set before the first import)."""
    os.environ["KERAS_BACKEND"] = backend
    if backend == "tensorflow":
        limit_tensorflow_threads()
    import keras
    import numpy as np

    def variables(layer: Any) -> list[Variable]:
        rng_ids = {id(state) for state in keras_seed_states(layer)}
        return [
            Variable(
                name=variable_name(v.path, layer.name),
                shape=tuple(int(d) for d in v.shape),
                trainable=bool(v.trainable),
                rng=id(v) in rng_ids,
                value=np.array(keras.ops.convert_to_numpy(v.value)),
            )
            for v in layer.variables
        ]

    def to_arrays(output: Any) -> list[Any]:
        return [np.asarray(keras.ops.convert_to_numpy(v)) for v in nested_values(output)]

    return Framework(
        name="keras",
        version=keras.__version__,
        backend=keras.backend.backend(),
        module_roots={"keras.layers": keras.layers},
        extra_classes={"keras": ("Sequential",), "keras.models": ("Sequential",)},
        layer_base=keras.layers.Layer,
        arguments=keras_arguments(keras.layers),
        class_arguments=keras_class_arguments(keras.layers),
        call_patterns=(SINGLE, LIST, POSITIONAL, STATE_PAIR),
        input_dtypes=("float32", NON_NEGATIVE, "int32", "str"),
        input_ranks=(5, 4, 3, 2, 6, 1),
        shape_for_rank=channels_last_shape,
        feature_axis=-1,
        make_input=numpy_input,
        call=keras_like_call,
        variables=variables,
        to_arrays=to_arrays,
        is_layer=lambda value: isinstance(value, keras.layers.Layer),
        is_built=lambda layer: bool(layer.built),
        seed=lambda: keras.utils.set_random_seed(0),
        weights_exist_at_construction=False,
        probes_keras_build=True,
    )


def keras_seed_states(layer: Any) -> list[Any]:
    """State variables of every SeedGenerator the layer or its sublayers own."""
    import keras

    states = []
    for owner in [layer, *layer._flatten_layers(include_self=False)]:
        generators = list(getattr(owner, "_seed_generators", []))
        generators += [v for v in vars(owner).values() if isinstance(v, keras.random.SeedGenerator)]
        states += [generator.state for generator in generators]
    return states


def load_tf_keras() -> Framework:
    """tf-keras (Keras 2) on TensorFlow."""
    limit_tensorflow_threads()
    import numpy as np
    import tensorflow as tf
    import tf_keras

    def variables(layer: Any) -> list[Variable]:
        return [
            Variable(
                name=variable_name(v.name, layer.name),
                shape=tuple(int(d) for d in v.shape),
                trainable=bool(v.trainable),
                rng=False,  # tf-keras keeps its RandomGenerator state out of layer.variables
                value=np.array(v.numpy()),
            )
            for v in layer.variables
        ]

    def to_arrays(output: Any) -> list[Any]:
        return [np.asarray(v) for v in nested_values(output)]

    def seed() -> None:
        tf_keras.utils.set_random_seed(0)
        tf.random.set_seed(0)

    def make_input(shape: tuple[int, ...], dtype: str) -> Any:
        # Tensors, not arrays: tf-keras converts only the first call argument itself.
        return tf.constant(numpy_input(shape, dtype))

    return Framework(
        name="tf_keras",
        version=tf_keras.__version__,
        backend=None,
        module_roots={"tf_keras.layers": tf_keras.layers},
        extra_classes={"tf_keras": ("Sequential",), "tf_keras.models": ("Sequential",)},
        layer_base=tf_keras.layers.Layer,
        arguments=keras_arguments(tf_keras.layers),
        class_arguments=keras_class_arguments(tf_keras.layers),
        call_patterns=(SINGLE, LIST, POSITIONAL, STATE_PAIR),
        input_dtypes=("float32", NON_NEGATIVE, "int32", "str"),
        input_ranks=(5, 4, 3, 2, 6, 1),
        shape_for_rank=channels_last_shape,
        feature_axis=-1,
        make_input=make_input,
        call=keras_like_call,
        variables=variables,
        to_arrays=to_arrays,
        is_layer=lambda value: isinstance(value, tf_keras.layers.Layer),
        is_built=lambda layer: bool(layer.built),
        seed=seed,
        weights_exist_at_construction=False,
        probes_keras_build=True,
    )


def channels_last_shape(rank: int, step: int) -> tuple[int, ...]:
    """Batch 2, spatial size 8 and 3 features, each grown by `step` (Keras is channels-last).

    Three features, because image preprocessing layers accept only RGB or grayscale.
    """
    return (2, *([8 + step] * (rank - 2)), 3 + step) if rank > 1 else (2 + step,)


def cube_shape(rank: int, step: int) -> tuple[int, ...]:
    """Batch 2 and every other dimension 4 (+ step): fits Linear (last axis) and Conv (axis 1)."""
    return (2, *([4 + step] * (rank - 1))) if rank > 1 else (2 + step,)


def torch_arguments(nn: Any) -> dict[str, Callable[[], Any]]:
    """Probe values for required constructor parameters of torch.nn modules, by name."""
    return {
        "bias": lambda: True,
        "cutoffs": lambda: [2],
        "d_model": lambda: 4,
        "decoder_layer": lambda: nn.TransformerDecoderLayer(4, 2, 8),
        "dim": lambda: 1,
        "downscale_factor": lambda: 2,
        "embed_dim": lambda: 4,
        "embedding_dim": lambda: 4,
        "encoder_layer": lambda: nn.TransformerEncoderLayer(4, 2, 8),
        "groups": lambda: 2,
        "hidden_size": lambda: 4,
        "in1_features": lambda: 4,
        "in2_features": lambda: 4,
        "in_channels": lambda: 4,
        "in_features": lambda: 4,
        "input_size": lambda: 4,
        "kernel_size": lambda: 3,
        "mode": lambda: "LSTM",
        "module": lambda: nn.Linear(4, 4),
        "n_classes": lambda: 4,
        "nhead": lambda: 2,
        "norm_type": lambda: 2.0,
        "normalized_shape": lambda: 4,
        "num_channels": lambda: 4,
        "num_chunks": lambda: 1,
        "num_classes": lambda: 4,
        "num_embeddings": lambda: 8,
        "num_features": lambda: 4,
        "num_groups": lambda: 2,
        "num_heads": lambda: 2,
        "num_layers": lambda: 1,
        "out_channels": lambda: 4,
        "out_features": lambda: 4,
        "output_size": lambda: 2,
        "padding": lambda: 1,
        "size": lambda: 2,
        "threshold": lambda: 0.5,
        "unflattened_size": lambda: (2, 2),
        "upscale_factor": lambda: 2,
        "value": lambda: 0.0,
    }


def torch_class_arguments(nn: Any, torch: Any) -> dict[str, dict[str, Callable[[], Any]]]:
    """Modules whose signature hides their parameters (*args) or whose defaults do not run.

    The key "*args" holds positional arguments; containers get one child so that the probe
    sees what they hold.
    """
    recurrent = {"input_size": lambda: 4, "hidden_size": lambda: 4}
    return {
        "Fold": {"output_size": lambda: (3, 3), "kernel_size": lambda: 2},
        "FractionalMaxPool2d": {"output_ratio": lambda: 0.5},
        "FractionalMaxPool3d": {"output_ratio": lambda: 0.5, "kernel_size": lambda: 2},
        "GRU": recurrent,
        "LSTM": recurrent,
        "ModuleDict": {"modules": lambda: {"child": nn.Linear(4, 4)}},
        "ModuleList": {"modules": lambda: [nn.Linear(4, 4)]},
        "ParameterDict": {"parameters": lambda: {"child": nn.Parameter(torch.ones(4))}},
        "ParameterList": {"values": lambda: [nn.Parameter(torch.ones(4))]},
        "RNN": recurrent,
        "Sequential": {"*args": lambda: [nn.Linear(4, 4)]},
        "Transformer": {
            "d_model": lambda: 4,
            "nhead": lambda: 2,
            "num_encoder_layers": lambda: 1,
            "num_decoder_layers": lambda: 1,
            "dim_feedforward": lambda: 8,
        },
        "Upsample": {"scale_factor": lambda: 2},
        "UpsamplingBilinear2d": {"scale_factor": lambda: 2},
        "UpsamplingNearest2d": {"scale_factor": lambda: 2},
    }


def load_torch() -> Framework:
    import torch
    from torch import nn

    torch.set_num_threads(1)

    def variables(module: Any) -> list[Variable]:
        found = [(name, p, p.requires_grad) for name, p in module.named_parameters()]
        found += [(name, b, False) for name, b in module.named_buffers()]
        return [
            Variable(
                name=name,
                shape=None if nn.parameter.is_lazy(tensor) else tuple(tensor.shape),
                trainable=bool(trainable),
                rng=False,  # torch draws from the global generator
                value=None if nn.parameter.is_lazy(tensor) else tensor.detach().numpy().copy(),
            )
            for name, tensor, trainable in found
        ]

    def make_input(shape: tuple[int, ...], dtype: str) -> Any:
        return torch.from_numpy(numpy_input(shape, dtype))

    def call(module: Any, inputs: list[Any], pattern: str, training: bool) -> Any:
        module.train(training)
        with torch.no_grad():
            return module(*inputs)

    def to_arrays(output: Any) -> list[Any]:
        return [v.detach().numpy() for v in nested_values(output) if isinstance(v, torch.Tensor)]

    return Framework(
        name="torch",
        version=torch.__version__,
        backend=None,
        module_roots={"torch.nn": nn},
        extra_classes={},
        layer_base=nn.Module,
        arguments=torch_arguments(nn),
        class_arguments=torch_class_arguments(nn, torch),
        call_patterns=(SINGLE, POSITIONAL, LABELS, TRIPLE),
        input_dtypes=("float32", NON_NEGATIVE, "int64"),
        input_ranks=(5, 4, 3, 2, 6, 1),
        shape_for_rank=cube_shape,
        feature_axis=1,
        make_input=make_input,
        call=call,
        variables=variables,
        to_arrays=to_arrays,
        is_layer=lambda value: isinstance(value, (nn.Module, nn.Parameter)),
        is_built=lambda module: None,
        seed=lambda: torch.manual_seed(0),
        weights_exist_at_construction=True,
        probes_keras_build=False,
    )


def limit_tensorflow_threads() -> None:
    """One thread per op pool: steadier timing on a shared machine, reproducible reductions."""
    import tensorflow as tf

    with contextlib.suppress(RuntimeError):  # already initialised: keep going
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)


def load_framework(name: str, keras_backend: str) -> Framework:
    if name == "keras":
        return load_keras(keras_backend)
    if name == "tf_keras":
        return load_tf_keras()
    return load_torch()


# ---------------------------------------------------------------------------------------------
# Enumeration and construction
# ---------------------------------------------------------------------------------------------


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
    arguments = {name: factory() for name, factory in plan.factories.items()}
    positional = arguments.pop("*args", [])
    return cls(*positional, **arguments), {**arguments, **({"*args": positional} if positional else {})}


def describe_argument(value: Any) -> Any:
    """A JSON-stable description of a probe argument (objects become `<ClassName>`)."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [describe_argument(item) for item in value]
    if isinstance(value, dict):
        return {str(key): describe_argument(item) for key, item in value.items()}
    return f"<{getattr(value, '__name__', type(value).__name__)}>"


# ---------------------------------------------------------------------------------------------
# Measuring one layer
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallSpec:
    """An input that a layer accepted: call pattern, dtype and rank."""

    pattern: str
    dtype: str
    rank: int

    def inputs(
        self, fw: Framework, step: int = 0, axis: int | None = None, grow_first_only: bool = False
    ) -> list[Any]:
        """Probe inputs, flat (the call pattern decides how they are passed).

        `step` grows `axis`, or every non-batch axis when `axis` is None; `grow_first_only`
        keeps the other inputs as they were (an RNN cell's state must keep its size).
        """
        if step and grow_first_only:
            return self.inputs(fw, step, axis)[:1] + self.inputs(fw)[1:]
        shape = list(fw.shape_for_rank(self.rank, 0))
        if step:
            grown = fw.shape_for_rank(self.rank, step)
            if axis is None:
                shape = list(grown)
            else:
                shape[axis] = grown[axis]
        x = fw.make_input(tuple(shape), self.dtype)
        if self.pattern == SINGLE:
            return [x]
        if self.pattern == LABELS:
            return [x, fw.make_input((shape[0],), "int64")]
        if self.pattern in (TRIPLE, STATE_PAIR):
            return [x, x, x]
        return [x, x]

    def describe(self, fw: Framework) -> str:
        shape = ",".join(str(d) for d in fw.shape_for_rank(self.rank, 0))
        return f"{self.pattern} with x: {self.dtype}[{shape}]"


def summarize_error(exc: BaseException) -> str:
    """One stable line: the exception type and its most telling line, without addresses."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    skip = ("Exception encountered", "Arguments received", "•", "Traceback")
    telling = next((line for line in lines if not line.startswith(skip)), "")
    telling = re.sub(r"0x[0-9a-fA-F]+", "0x…", telling)
    telling = AUTO_NAME_SUFFIX.sub(r"\1", telling)
    if len(telling) > 160:
        telling = telling[:157] + "..."
    return f"{type(exc).__name__}: {telling}" if telling else type(exc).__name__


def find_working_call(fw: Framework, cls: type, plan: Construction) -> tuple[CallSpec | None, str]:
    """Try call patterns, dtypes and ranks until a layer accepts the input in both modes.

    Some layers pass any input through at inference and check it only in training mode
    (tf-keras RandomFlip); an input accepted at inference alone is the fallback.
    """
    first_error, inference_only = "", None
    for pattern in fw.call_patterns:
        for dtype in fw.input_dtypes:
            for rank in fw.input_ranks:
                spec = CallSpec(pattern, dtype, rank)
                try:
                    fw.seed()
                    layer, _ = construct(cls, plan)
                    fw.call(layer, spec.inputs(fw), pattern, False)
                    inference_only = inference_only or spec
                    fw.call(layer, spec.inputs(fw), pattern, True)
                    return spec, ""
                except Exception as exc:
                    first_error = first_error or summarize_error(exc)
    return inference_only, first_error


def outputs_differ(first: list[Any], second: list[Any]) -> bool:
    import numpy as np

    if len(first) != len(second):
        return True
    for a, b in zip(first, second, strict=True):
        if a.shape != b.shape:
            return True
        if np.issubdtype(a.dtype, np.inexact):
            if not np.allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True):
                return True
        elif not np.array_equal(a, b):
            return True
    return False


def weight_shapes(variables: list[Variable]) -> list[tuple[str, tuple[int, ...] | None]]:
    return [(v.name, v.shape) for v in variables if not v.rng]


def measure_training_effects(fw: Framework, layer: Any, spec: CallSpec) -> dict[str, Any]:
    """Moving statistics and randomness, from one built layer called in training mode."""
    import numpy as np

    inputs = spec.inputs(fw)
    fw.call(layer, inputs, spec.pattern, False)
    before = {v.name: v for v in fw.variables(layer) if not v.rng}
    outputs = [fw.to_arrays(fw.call(layer, inputs, spec.pattern, True)) for _ in range(3)]
    after = {v.name: v for v in fw.variables(layer) if not v.rng}
    moving = any(
        not v.trainable and (name not in before or not np.array_equal(before[name].value, v.value))
        for name, v in after.items()
    )
    randomness = any(outputs_differ(outputs[0], other) for other in outputs[1:])
    return {"moving_statistics": moving, "randomness": randomness}


def measure_shape_binding(
    fw: Framework, cls: type, plan: Construction, spec: CallSpec, built_shapes: list
) -> bool | None:
    """Build fresh instances on wider inputs; bound if any weight shape follows the input.

    Three widenings: the framework's feature axis, the last axis (torch Linear reads it) and
    every non-batch axis; with several inputs, of all of them or of the first only. None when
    the layer accepted none of them.
    """
    verdicts = []
    for axis in dict.fromkeys((fw.feature_axis, -1, None)):
        for grow_first_only in (False, True) if spec.pattern != SINGLE else (False,):
            try:
                fw.seed()
                layer, _ = construct(cls, plan)
                inputs = spec.inputs(fw, step=2, axis=axis, grow_first_only=grow_first_only)
                fw.call(layer, inputs, spec.pattern, False)
            except Exception:
                continue
            verdicts.append(weight_shapes(fw.variables(layer)) != built_shapes)
    return any(verdicts) if verdicts else None


def subclass_build_runs(fw: Framework, cls: type, plan: Construction, spec: CallSpec) -> bool:
    """Whether a user subclass's own build() is called, as a user would write it.

    The override keeps the parent's signature (Keras maps input shapes to build() parameters by
    name) but not its `@default` marker, which would make Keras treat it as not overridden.
    """
    calls = []
    parent_build = cls.build

    @functools.wraps(parent_build, updated=())
    def build(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(True)
        return parent_build(self, *args, **kwargs)

    subclass = type(f"Probe{cls.__name__}", (cls,), {"build": build})
    fw.seed()
    layer, _ = construct(subclass, plan)
    fw.call(layer, spec.inputs(fw), spec.pattern, False)
    return bool(calls)


def empty_entry(canonical: str, exported_as: list[str]) -> dict[str, Any]:
    return {
        "canonical": canonical,
        "exported_as": exported_as,
        "status": "unknown",
        "reason": None,
        "probe": None,
        "stateless": None,
        "has_weights": None,
        "moving_statistics": None,
        "shape_bound_weights": None,
        "weights_from_constructor": None,
        "random": None,
        "rng_state": None,
        "built_in_init": None,
        "subclass_build_skipped": None,
        "container": None,
        "trainable_weights": None,
        "non_trainable_weights": None,
    }


def record_weights(entry: dict[str, Any], variables: list[Variable]) -> None:
    weights = [v for v in variables if not v.rng]
    entry["has_weights"] = bool(weights)
    entry["stateless"] = not weights
    entry["rng_state"] = any(v.rng for v in variables)
    entry["trainable_weights"] = [v.name for v in weights if v.trainable]
    entry["non_trainable_weights"] = [v.name for v in weights if not v.trainable]


def probe_layer(fw: Framework, cls: type, exported_as: list[str]) -> dict[str, Any]:
    """Every fact the catalog records about one class, measured; unknowns carry a reason."""
    entry = empty_entry(cls.__name__, exported_as)
    plan = plan_construction(fw, cls)
    if plan.missing:
        entry["reason"] = f"no probe value for required parameter(s): {', '.join(plan.missing)}"
        return entry
    try:
        fw.seed()
        layer, arguments = construct(cls, plan)
    except Exception as exc:
        entry["reason"] = f"construction failed: {summarize_error(exc)}"
        return entry
    entry["probe"] = {"arguments": describe_argument(arguments), "call": None}
    entry["container"] = any(contains(value, fw.is_layer) for value in arguments.values())
    entry["built_in_init"] = fw.is_built(layer)
    if entry["container"]:
        entry["status"] = "container"
        entry["reason"] = "holds the layers given to its constructor; its facts are theirs"
        return entry
    shapes_fixed = record_construction_facts(fw, entry, layer)
    spec, error = find_working_call(fw, cls, plan)
    if spec is None:
        entry["reason"] = f"no probe input worked: {error}"
        return entry
    entry["probe"]["call"] = spec.describe(fw)
    entry["status"] = "measured"
    record_call_facts(fw, entry, cls, plan, spec, shapes_fixed)
    return entry


def record_construction_facts(fw: Framework, entry: dict[str, Any], layer: Any) -> bool:
    """Facts readable before any call (torch creates its parameters in __init__).

    Returns whether every weight shape was fixed at construction, which then also holds for
    modules that no probe input fits.
    """
    variables = fw.variables(layer)
    if not fw.weights_exist_at_construction or any(v.shape is None for v in variables):
        return False
    record_weights(entry, variables)
    entry["shape_bound_weights"] = False
    entry["weights_from_constructor"] = entry["has_weights"]
    if not entry["non_trainable_weights"]:
        entry["moving_statistics"] = False  # nothing that a forward pass could update
    return True


def record_call_facts(
    fw: Framework,
    entry: dict[str, Any],
    cls: type,
    plan: Construction,
    spec: CallSpec,
    shapes_fixed: bool,
) -> None:
    """Facts measured by building and calling fresh instances on an accepted input."""
    fw.seed()
    layer, _ = construct(cls, plan)
    fw.call(layer, spec.inputs(fw), spec.pattern, False)
    variables = fw.variables(layer)
    record_weights(entry, variables)
    bound = False
    if entry["has_weights"]:
        bound = measure_shape_binding(fw, cls, plan, spec, weight_shapes(variables))
        if bound is None and shapes_fixed:
            bound = False
    entry["shape_bound_weights"] = bound
    entry["weights_from_constructor"] = None if bound is None else entry["has_weights"] and not bound
    try:
        fw.seed()
        effects = measure_training_effects(fw, layer, spec)
        entry["moving_statistics"] = effects["moving_statistics"]
        entry["random"] = effects["randomness"] and not entry["has_weights"]
    except Exception as exc:
        entry["reason"] = f"training-mode call failed: {summarize_error(exc)}"
    if fw.probes_keras_build:
        try:
            entry["subclass_build_skipped"] = not subclass_build_runs(fw, cls, plan, spec)
        except Exception as exc:
            entry["reason"] = f"subclass build probe failed: {summarize_error(exc)}"


# ---------------------------------------------------------------------------------------------
# Catalog files
# ---------------------------------------------------------------------------------------------


def catalog_file_name(framework: str, version: str, versioned: bool) -> str:
    """`keras.json`, or `keras-3.9.json` for data tied to one major.minor release."""
    if not versioned:
        return f"{framework}.json"
    major_minor = ".".join(version.split("+")[0].split(".")[:2])
    return f"{framework}-{major_minor}.json"


def build_catalog(fw: Framework) -> dict[str, Any]:
    """The catalog of one framework; aliases (MaxPool2D, MaxPooling2D) share one probe."""
    layers, probed = {}, {}
    for name, (cls, exported_as) in public_layer_classes(fw).items():
        if cls not in probed:
            probed[cls] = probe_layer(fw, cls, exported_as)
        layers[name] = probed[cls]
    catalog: dict[str, Any] = {
        "framework": fw.name,
        "version": fw.version,
        "generated_by": GENERATED_BY,
        "layers": layers,
    }
    if fw.backend is not None:
        catalog["backend"] = fw.backend
    return catalog


def render(catalog: dict[str, Any]) -> str:
    return json.dumps(catalog, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def describe_drift(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Human-readable differences between two catalogs, one line per layer or header field."""
    problems = []
    for key in sorted((set(expected) | set(actual)) - {"layers"}):
        if expected.get(key) != actual.get(key):
            problems.append(f"{key}: {expected.get(key)!r} -> {actual.get(key)!r}")
    old, new = expected.get("layers", {}), actual.get("layers", {})
    for name in sorted(set(old) | set(new)):
        if name not in new:
            problems.append(f"{name}: in the file, no longer generated")
        elif name not in old:
            problems.append(f"{name}: generated, missing from the file")
        elif old[name] != new[name]:
            problems.append(f"{name}: {describe_changes(old[name], new[name])}")
    return problems


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> str:
    changed = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    return ", ".join(f"{key} {old.get(key)!r} -> {new.get(key)!r}" for key in changed)


@contextlib.contextmanager
def quiet_framework_logs() -> Iterator[None]:
    """Silence framework chatter on stdout and stderr (C++ logs included).

    What was silenced is shown only if generation crashes.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    with tempfile.TemporaryFile(mode="w+b") as captured, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fd in saved:
            os.dup2(captured.fileno(), fd)
        try:
            yield
        except BaseException:
            restore_streams(saved)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace")[-4000:])
            raise
        finally:
            restore_streams(saved)


def restore_streams(saved: dict[int, int]) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    for fd, copy in list(saved.items()):
        os.dup2(copy, fd)
        os.close(copy)
        del saved[fd]


def installed_version(framework: str) -> str | None:
    """The installed distribution's version, read from metadata (no framework import)."""
    try:
        return importlib.metadata.version(framework.replace("_", "-"))
    except importlib.metadata.PackageNotFoundError:
        return None


def generate(frameworks: list[str], output_dir: Path, versioned: bool, keras_backend: str) -> dict:
    """Generate catalogs for `frameworks` into `output_dir`; returns file name -> catalog."""
    written = {}
    output_dir.mkdir(parents=True, exist_ok=True)
    for name in frameworks:
        with quiet_framework_logs():
            fw = load_framework(name, keras_backend)
            catalog = build_catalog(fw)
        file_name = catalog_file_name(name, fw.version, versioned)
        (output_dir / file_name).write_text(render(catalog), encoding="utf-8")
        counts = {}
        for entry in catalog["layers"].values():
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        print(f"{file_name}: {fw.name} {fw.version}, {len(catalog['layers'])} names {counts}")
        written[file_name] = catalog
    return written


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--framework",
        action="append",
        choices=[*FRAMEWORKS, "all"],
        help="framework to probe; repeat for several (default: all installed)",
    )
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR)
    parser.add_argument("--check", action="store_true", help="fail if the files have drifted")
    parser.add_argument("--versioned", action="store_true", help="name files by major.minor: keras-3.9.json")
    parser.add_argument(
        "--keras-backend",
        default=os.environ.get("KERAS_BACKEND", "tensorflow"),
        help="Keras 3 backend to probe with (default: $KERAS_BACKEND or tensorflow)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    requested = args.framework or ["all"]
    if "all" in requested:
        frameworks = [name for name in FRAMEWORKS if installed_version(name)]
    else:
        frameworks = list(dict.fromkeys(requested))
    missing = [name for name in frameworks if not installed_version(name)]
    if missing:
        print(f"not installed: {', '.join(missing)}", file=sys.stderr)
        return 2
    if not args.check:
        generate(frameworks, args.output_dir, args.versioned, args.keras_backend)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        fresh = generate(frameworks, Path(scratch), args.versioned, args.keras_backend)
    drifted = False
    for file_name, catalog in fresh.items():
        path = args.output_dir / file_name
        expected = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        problems = describe_drift(expected, catalog)
        for problem in problems:
            print(f"{file_name}: {problem}")
        drifted = drifted or bool(problems)
    return 1 if drifted else 0


if __name__ == "__main__":
    sys.exit(main())
