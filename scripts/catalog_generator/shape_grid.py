"""The grid of shape records: per framework, which layers are built with which constructor
arguments and called on which input shapes.

`B` marks the batch dimension. A case's inputs are one shape per call (a merge layer's list of
tensors is a list of shapes). A wrapper's inner layer is written as Keras serializes it:
`{"class_name": "LSTM", "config": {"units": 4}}`. The grid is kept modest (a few hundred records
per framework) and covers, per layer, the arguments that change the output shape and at least
one input that the framework rejects.
"""

from __future__ import annotations

from typing import Any

B = "B"
Case = tuple[str, dict[str, Any], list[Any]]


def cases(layer: str, configs: list[dict[str, Any]], inputs: list[Any]) -> list[Case]:
    """Every config with every input."""
    return [(layer, config, shape if isinstance(shape, list) else [shape]) for config in configs
            for shape in inputs]


def inner(class_name: str, **config: Any) -> dict[str, Any]:
    return {"class_name": class_name, "config": config}


def _keras_convolutions() -> list[Case]:
    grid: list[Case] = []
    too_small = {1: (B, 2, 3), 2: (B, 4, 2, 3), 3: (B, 2, 6, 6, 2)}
    good = {1: (B, 10, 3), 2: (B, 8, 7, 3), 3: (B, 6, 5, 6, 2)}
    low_rank = {1: (B, 10), 2: (B, 8, 8), 3: (B, 6, 6, 2)}
    for rank in (1, 2, 3):
        inputs = [good[rank], too_small[rank], low_rank[rank]]
        configs = [
            {"filters": 4, "kernel_size": 3},
            {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"},
            {"filters": 4, "kernel_size": 2, "strides": 2},
            {"filters": 4, "kernel_size": 3, "dilation_rate": 2},
            {"filters": 4, "kernel_size": 3, "data_format": "channels_first"},
        ]
        if rank == 1:
            configs.append({"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2})
        grid += cases(f"Conv{rank}D", configs, inputs)
        transpose = [
            {"filters": 4, "kernel_size": 3},
            {"filters": 4, "kernel_size": 3, "strides": 2},
            {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"},
            {"filters": 4, "kernel_size": 3, "strides": 2, "output_padding": 1},
            {"filters": 4, "kernel_size": 2, "data_format": "channels_first"},
        ]
        grid += cases(f"Conv{rank}DTranspose", transpose, [good[rank], low_rank[rank]])
    for rank in (1, 2):
        grid += cases(
            f"DepthwiseConv{rank}D",
            [{"kernel_size": 3}, {"kernel_size": 3, "depth_multiplier": 2, "strides": 2,
                                  "padding": "same"}],
            [good[rank], too_small[rank], low_rank[rank]],
        )
        grid += cases(
            f"SeparableConv{rank}D",
            [{"filters": 4, "kernel_size": 3},
             {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 2}],
            [good[rank], too_small[rank], low_rank[rank]],
        )
    return grid


def _keras_pooling() -> list[Case]:
    grid: list[Case] = []
    good = {1: (B, 9, 3), 2: (B, 9, 8, 3), 3: (B, 6, 5, 4, 2)}
    too_small = {1: (B, 1, 3), 2: (B, 1, 8, 3), 3: (B, 1, 5, 4, 2)}
    low_rank = {1: (B, 9), 2: (B, 9, 8), 3: (B, 6, 5, 4)}
    for rank in (1, 2, 3):
        configs = [{"pool_size": 2}, {"pool_size": 3, "strides": 2}, {"pool_size": 2, "padding": "same"},
                   {"pool_size": 2, "data_format": "channels_first"}]
        for kind in ("Max", "Average"):
            grid += cases(f"{kind}Pooling{rank}D", configs, [good[rank], too_small[rank], low_rank[rank]])
            grid += cases(
                f"Global{kind}Pooling{rank}D",
                [{}, {"keepdims": True}, {"data_format": "channels_first"}],
                [good[rank], low_rank[rank]],
            )
    return grid


def _keras_reshaping() -> list[Case]:
    return [
        *cases("Dense", [{"units": 4}], [(B, 8), (B, 3, 8), (B,)]),
        *cases("Flatten", [{}, {"data_format": "channels_first"}], [(B, 4, 4, 3), (B, 5), (B,)]),
        *cases("Reshape", [{"target_shape": (4, 12)}, {"target_shape": (-1, 3)},
                           {"target_shape": (5,)}], [(B, 4, 4, 3), (B, 48)]),
        *cases("Permute", [{"dims": (2, 1)}, {"dims": (3, 1, 2)}], [(B, 4, 5), (B, 4, 5, 6)]),
        *cases("RepeatVector", [{"n": 3}], [(B, 4), (B, 4, 5)]),
        *cases("UpSampling1D", [{}, {"size": 3}], [(B, 4, 3), (B, 4)]),
        *cases("UpSampling2D", [{}, {"size": (2, 3)}, {"size": 2, "data_format": "channels_first"}],
               [(B, 4, 5, 3), (B, 4, 5)]),
        *cases("UpSampling3D", [{}, {"size": (1, 2, 3)}], [(B, 2, 3, 4, 2), (B, 4, 5, 3)]),
        *cases("ZeroPadding1D", [{}, {"padding": (1, 2)}], [(B, 4, 3), (B, 4)]),
        *cases("ZeroPadding2D", [{}, {"padding": ((1, 2), (3, 4))}, {"padding": (2, 1)},
                                 {"padding": 1, "data_format": "channels_first"}],
               [(B, 4, 5, 3), (B, 4, 5)]),
        *cases("ZeroPadding3D", [{}, {"padding": 2}], [(B, 2, 3, 4, 2), (B, 4, 5, 3)]),
        *cases("Cropping1D", [{}, {"cropping": (2, 1)}, {"cropping": (3, 2)}], [(B, 5, 3), (B, 5)]),
        *cases("Cropping2D", [{}, {"cropping": ((1, 2), (0, 1))}, {"cropping": 1},
                              {"cropping": 3}, {"cropping": 1, "data_format": "channels_first"}],
               [(B, 5, 6, 3), (B, 5, 6)]),
        *cases("Cropping3D", [{}, {"cropping": 1}, {"cropping": 3}], [(B, 5, 6, 4, 2), (B, 5, 6, 4)]),
    ]


def _keras_same_shape(framework: str) -> list[Case]:
    same = [
        ("Dropout", {"rate": 0.5}), ("SpatialDropout1D", {"rate": 0.5}),
        ("GaussianNoise", {"stddev": 0.1}), ("GaussianDropout", {"rate": 0.1}),
        ("AlphaDropout", {"rate": 0.1}), ("Activation", {"activation": "relu"}), ("ReLU", {}),
        ("LeakyReLU", {}), ("ELU", {}), ("Softmax", {}), ("PReLU", {}), ("Identity", {}),
        ("Masking", {}), ("ActivityRegularization", {}), ("Rescaling", {"scale": 0.5}),
        ("BatchNormalization", {}), ("BatchNormalization", {"axis": 1}),
        ("LayerNormalization", {}), ("GroupNormalization", {"groups": 2}),
        ("UnitNormalization", {}),
    ]
    grid: list[Case] = []
    for layer, config in same:
        grid += cases(layer, [config], [(B, 4, 6)])
    grid += cases("SpatialDropout2D", [{"rate": 0.5}], [(B, 4, 4, 6), (B, 4, 6)])
    grid += cases("SpatialDropout3D", [{"rate": 0.5}], [(B, 3, 4, 4, 6), (B, 4, 6)])
    grid += cases("SpatialDropout1D", [{"rate": 0.5}], [(B, 4)])
    grid += cases("BatchNormalization", [{}], [(B, 6), (B,)])
    if framework == "tf_keras":
        grid += cases("ThresholdedReLU", [{}], [(B, 4, 6)])  # removed in Keras 3
    return grid


def _keras_merging() -> list[Case]:
    pairs = [[(B, 4), (B, 4)], [(B, 4), (B, 5)], [(B, 4, 3), (B, 1, 3)], [(B, 4), (B, 3, 4)],
             [(B, 4), (B, 4), (B, 4)]]
    grid: list[Case] = []
    for layer in ("Add", "Multiply", "Subtract", "Average", "Maximum", "Minimum"):
        grid += cases(layer, [{}], pairs)
    grid += cases("Concatenate", [{}, {"axis": 1}],
                  [[(B, 4, 3), (B, 4, 5)], [(B, 4, 3), (B, 5, 3)], [(B, 4, 3), (B, 4, 3), (B, 4, 1)],
                   [(B, 4, 3), (B, 4)]])
    return grid


def _keras_sequences(framework: str) -> list[Case]:
    grid = cases("Embedding", [{"input_dim": 10, "output_dim": 4}], [(B, 5), (B, 5, 2), (B,)])
    configs = [{"units": 4}, {"units": 4, "return_sequences": True}, {"units": 4, "return_state": True},
               {"units": 4, "return_sequences": True, "return_state": True}]
    for layer in ("LSTM", "GRU", "SimpleRNN"):
        grid += cases(layer, configs, [(B, 5, 3), (B, 3), (B, 5, 3, 2)])
    wrapped = [
        {"layer": inner("LSTM", units=4)},
        {"layer": inner("LSTM", units=4, return_sequences=True)},
        {"layer": inner("GRU", units=4), "merge_mode": "sum"},
        {"layer": inner("LSTM", units=4, return_sequences=True), "merge_mode": None},
        {"layer": inner("SimpleRNN", units=3), "merge_mode": "mul"},
        {"layer": inner("GRU", units=4, return_state=True)},
    ]
    grid += cases("Bidirectional", wrapped, [(B, 5, 3), (B, 3)])
    per_step = [{"layer": inner("Dense", units=4)}, {"layer": inner("Flatten")}]
    per_image = [{"layer": inner("Conv2D", filters=4, kernel_size=3)}, {"layer": inner("MaxPooling2D")}]
    grid += cases("TimeDistributed", per_step + per_image, [(B, 5, 6, 6, 3)])
    grid += cases("TimeDistributed", per_step, [(B, 5, 8)])
    if framework == "tf_keras":
        # Keras 3 fails deep inside the inner layer there, with wording that depends on the layer.
        grid += cases("TimeDistributed", per_image, [(B, 5, 8)])
    return grid


POSITIONAL_CALL = {"MultiHeadAttention"}
"""Layers whose several inputs are separate arguments (`mha(query, value)`), not one list."""


def _keras_attention_and_resizing(framework: str) -> list[Case]:
    ranked = [{"equation": "abc,cd->abd", "output_shape": (None, 4)},
              {"equation": "abc,cde->abde", "output_shape": (None, 2, 4)}]
    plain = [{"equation": "ab,bc->ac", "output_shape": 4}]
    # Keras 3 answers a symbolic shape for an equation of the wrong rank; tf-keras raises.
    wrong_rank = cases("EinsumDense", plain, [(B, 5, 3)]) if framework == "tf_keras" else []
    return [
        *cases("EinsumDense", ranked, [(B, 5, 3)]),
        *cases("EinsumDense", plain, [(B, 3)]),
        *wrong_rank,
        *cases("MultiHeadAttention", [{"num_heads": 2, "key_dim": 4},
                                      {"num_heads": 2, "key_dim": 4, "output_shape": 8}],
               [[(B, 5, 6), (B, 7, 6)], [(B, 5, 6), (B, 7, 3)]]),
        *cases("Resizing", [{"height": 4, "width": 5}], [(B, 8, 8, 3), (B, 8, 8)]),
        *cases("CenterCrop", [{"height": 4, "width": 5}], [(B, 8, 8, 3)]),
        *cases("Normalization", [{"mean": 0.0, "variance": 1.0}], [(B, 4, 6)]),
        *cases("Attention", [{}], [[(B, 5, 6), (B, 7, 6)], [(B, 5, 6), (B, 7, 6), (B, 7, 6)],
                                   [(B, 5, 6), (B, 7, 4)]]),
    ]


def keras_grid(framework: str) -> list[Case]:
    """The grid for Keras 3 or tf-keras (the same layers and arguments, bar one case)."""
    return [*_keras_reshaping(), *_keras_convolutions(), *_keras_pooling(), *_keras_same_shape(framework),
            *_keras_merging(), *_keras_sequences(framework), *_keras_attention_and_resizing(framework)]


WeightCase = tuple[str, dict[str, Any], tuple[Any, ...], list[tuple[int, ...]], str]
"""(layer, config, input shape, weight shapes, "constructor" | "set_weights")."""


def keras_weight_grid(framework: str) -> list[WeightCase]:
    """`weights=[...]` at construction and `set_weights([...])` after the first call."""
    embedding = {"input_dim": 10, "output_dim": 4}
    grid: list[WeightCase] = []
    for via in ("constructor", "set_weights"):
        grid += [
            ("Embedding", embedding, (B, 3), [(10, 4)], via),
            ("Embedding", embedding, (B, 3), [(5, 4)], via),
            ("Embedding", embedding, (B, 3), [(4, 10)], via),
            ("Dense", {"units": 4}, (B, 3), [(3, 4), (4,)], via),
            ("Dense", {"units": 4}, (B, 3), [(5, 4), (4,)], via),
            ("Dense", {"units": 4, "use_bias": False}, (B, 3), [(3, 4)], via),
            ("Conv2D", {"filters": 4, "kernel_size": 3}, (B, 8, 8, 2), [(3, 3, 2, 4), (4,)], via),
            ("Conv2D", {"filters": 4, "kernel_size": 3}, (B, 8, 8, 2), [(3, 3, 3, 4), (4,)], via),
            ("Conv1D", {"filters": 4, "kernel_size": 3}, (B, 8, 2), [(3, 2, 4), (5,)], via),
        ]
    return grid
