"""Adapters for Keras 3 (`keras.layers`, any backend) and tf-keras (`tf_keras.layers`).

Both frameworks are imported inside the loaders only: Keras 3 reads `KERAS_BACKEND` at its first
import, and TensorFlow's thread pools must be limited before TensorFlow starts any work.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from .framework import LIST, NON_NEGATIVE, POSITIONAL, SINGLE, STATE_PAIR, Framework, Variable
from .nesting import nested_values
from .probe_inputs import channels_last_shape, numpy_input
from .probe_values import keras_arguments, keras_class_arguments
from .stable_text import variable_name


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

    return _keras_family(
        "keras", keras, keras.backend.backend(), numpy_input, variables, to_arrays,
        seed=lambda: keras.utils.set_random_seed(0),
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

    return _keras_family("tf_keras", tf_keras, None, make_input, variables, to_arrays, seed)


def _keras_family(
    name: str, package: Any, backend: str | None, make_input: Any, variables: Any,
    to_arrays: Any, seed: Any,
) -> Framework:
    """What Keras 3 and tf-keras share: the layer namespace, probes and call conventions."""
    return Framework(
        name=name,
        version=package.__version__,
        backend=backend,
        module_roots={f"{name}.layers": package.layers},
        extra_classes={name: ("Sequential",), f"{name}.models": ("Sequential",)},
        layer_base=package.layers.Layer,
        arguments=keras_arguments(package.layers),
        class_arguments=keras_class_arguments(package.layers),
        call_patterns=(SINGLE, LIST, POSITIONAL, STATE_PAIR),
        input_dtypes=("float32", NON_NEGATIVE, "int32", "str"),
        input_ranks=(5, 4, 3, 2, 6, 1),
        shape_for_rank=channels_last_shape,
        feature_axis=-1,
        make_input=make_input,
        call=keras_like_call,
        variables=variables,
        to_arrays=to_arrays,
        is_layer=lambda value: isinstance(value, package.layers.Layer),
        is_built=lambda layer: bool(layer.built),
        seed=seed,
        weights_exist_at_construction=False,
        probes_keras_build=True,
    )


def keras_like_call(layer: Any, inputs: list[Any], pattern: str, training: bool) -> Any:
    """Call a Keras layer with the flat probe inputs arranged as `pattern` says."""
    if pattern == LIST:
        return layer(list(inputs), training=training)
    if pattern == STATE_PAIR:
        return layer(inputs[0], list(inputs[1:]), training=training)
    return layer(*inputs, training=training)


def limit_tensorflow_threads() -> None:
    """One thread per op pool: steadier timing on a shared machine, reproducible reductions."""
    import tensorflow as tf

    with contextlib.suppress(RuntimeError):  # already initialised: keep going
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
