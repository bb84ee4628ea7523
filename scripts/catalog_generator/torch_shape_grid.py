"""The grid of torch.nn shape records (see `shape_grid` for the notation).

torch modules accept unbatched inputs (`(C, H, W)` for Conv2d), so the grid has some; the batch
of a recurrent module without `batch_first` is its second dimension.
"""

from __future__ import annotations

from .shape_grid import B, Case, cases


def _convolutions() -> list[Case]:
    grid: list[Case] = []
    good = {1: (B, 3, 10), 2: (B, 3, 8, 7), 3: (B, 3, 6, 5, 6)}
    unbatched = {1: (3, 10), 2: (3, 8, 7), 3: (3, 6, 5, 6)}
    too_small = {1: (B, 3, 2), 2: (B, 3, 2, 7), 3: (B, 3, 2, 5, 6)}
    wrong_channels = {1: (B, 2, 10), 2: (B, 2, 8, 7), 3: (B, 2, 6, 5, 6)}
    wrong_rank = {1: (10,), 2: (8, 7), 3: (6, 5, 6)}
    for rank in (1, 2, 3):
        base = {"in_channels": 3, "out_channels": 4, "kernel_size": 3}
        configs = [
            base,
            {**base, "stride": 2, "padding": 1},
            {**base, "padding": "same"},
            {**base, "dilation": 2},
            {**base, "kernel_size": 2, "stride": 2},
        ]
        inputs = [good[rank], unbatched[rank], too_small[rank], wrong_channels[rank], wrong_rank[rank]]
        grid += cases(f"Conv{rank}d", configs, inputs)
        transpose = [base, {**base, "stride": 2, "padding": 1, "output_padding": 1},
                     {**base, "dilation": 2}]
        grid += cases(f"ConvTranspose{rank}d", transpose,
                      [good[rank], unbatched[rank], wrong_channels[rank]])
    return grid


def _pooling() -> list[Case]:
    grid: list[Case] = []
    good = {1: (B, 3, 9), 2: (B, 3, 9, 8), 3: (B, 2, 6, 5, 4)}
    unbatched = {1: (3, 9), 2: (3, 9, 8), 3: (2, 6, 5, 4)}
    too_small = {1: (B, 3, 1), 2: (B, 3, 1, 8), 3: (B, 2, 1, 5, 4)}
    configs = [{"kernel_size": 2}, {"kernel_size": 3, "stride": 1, "padding": 1},
               {"kernel_size": 2, "ceil_mode": True}, {"kernel_size": 3, "stride": 2}]
    for rank in (1, 2, 3):
        for kind in ("Max", "Avg"):
            grid += cases(f"{kind}Pool{rank}d", configs, [good[rank], unbatched[rank], too_small[rank]])
            sizes = [{"output_size": 1}, {"output_size": (2,) * rank}]
            if rank > 1:
                sizes.append({"output_size": (None,) + (2,) * (rank - 1)})
            grid += cases(f"Adaptive{kind}Pool{rank}d", sizes, [good[rank], unbatched[rank]])
    return grid


def _normalization() -> list[Case]:
    return [
        *cases("BatchNorm1d", [{"num_features": 3}], [(B, 3), (B, 3, 5), (B, 4), (B, 3, 5, 5)]),
        *cases("BatchNorm2d", [{"num_features": 3}], [(B, 3, 4, 4), (B, 4, 4, 4), (B, 3, 4)]),
        *cases("BatchNorm3d", [{"num_features": 2}], [(B, 2, 3, 3, 3), (B, 2, 3, 3)]),
        *cases("LayerNorm", [{"normalized_shape": 5}, {"normalized_shape": (4, 5)}],
               [(B, 4, 5), (B, 4, 6)]),
        *cases("GroupNorm", [{"num_groups": 1, "num_channels": 3}], [(B, 3, 4), (B, 4, 4)]),
        *cases("InstanceNorm1d", [{"num_features": 3}], [(B, 3, 5), (3, 5)]),
        *cases("InstanceNorm2d", [{"num_features": 3}], [(B, 3, 4, 4), (3, 4, 4)]),
        *cases("InstanceNorm3d", [{"num_features": 2}], [(B, 2, 3, 3, 3)]),
    ]


def _reshaping() -> list[Case]:
    return [
        *cases("Linear", [{"in_features": 8, "out_features": 4}], [(B, 8), (B, 3, 8), (8,), (B, 5)]),
        *cases("Flatten", [{}, {"start_dim": 0}, {"start_dim": 2}, {"start_dim": 1, "end_dim": 2}],
               [(B, 4, 3, 2), (B, 5)]),
        *cases("Unflatten", [{"dim": 1, "unflattened_size": (2, 4)},
                             {"dim": -1, "unflattened_size": (-1, 2)}], [(B, 8), (B, 3, 8), (B, 6)]),
        *cases("Upsample", [{"scale_factor": 2}, {"size": (6, 7)},
                            {"scale_factor": 2, "mode": "bilinear"}], [(B, 3, 4, 4)]),
        *cases("Upsample", [{"scale_factor": 2}, {"size": 5}], [(B, 3, 4)]),
        *cases("ZeroPad2d", [{"padding": 1}, {"padding": (1, 2, 3, 4)}], [(B, 3, 4, 4), (3, 4, 4)]),
        *cases("ZeroPad1d", [{"padding": (1, 2)}], [(B, 3, 4)]),
        *_paddings(),
        *cases("PixelShuffle", [{"upscale_factor": 2}], [(B, 8, 3, 4), (B, 6, 3, 4)]),
        *cases("UpsamplingNearest2d", [{"scale_factor": 2}], [(B, 3, 4, 5)]),
        *cases("UpsamplingBilinear2d", [{"size": (6, 7)}], [(B, 3, 4, 5)]),
        *cases("ZeroPad3d", [{"padding": 1}], [(B, 2, 3, 4, 4)]),
    ]


def _paddings() -> list[Case]:
    grid: list[Case] = []
    shapes = {1: (B, 3, 4), 2: (B, 3, 4, 5), 3: (B, 2, 3, 4, 5)}
    for rank in (1, 2, 3):
        padding = tuple(range(1, 2 * rank + 1)) if rank < 3 else 1
        for kind in ("Constant", "Reflection", "Replication", "Circular"):
            config = {"padding": padding, "value": 0.5} if kind == "Constant" else {"padding": 1}
            grid += cases(f"{kind}Pad{rank}d", [config], [shapes[rank]])
    return grid


def _same_shape() -> list[Case]:
    grid: list[Case] = []
    for module, config in [
        ("Dropout", {}), ("Dropout", {"p": 0.2}), ("Dropout2d", {}), ("ReLU", {}), ("GELU", {}),
        ("Sigmoid", {}), ("Tanh", {}), ("Softmax", {"dim": -1}), ("LogSoftmax", {"dim": 1}),
        ("LeakyReLU", {}), ("ELU", {}), ("SiLU", {}), ("Mish", {}), ("Hardswish", {}),
        ("ReLU6", {}), ("Identity", {}), ("Softplus", {}), ("AlphaDropout", {}), ("CELU", {}),
        ("Dropout1d", {}), ("Dropout3d", {}), ("FeatureAlphaDropout", {}), ("Hardshrink", {}),
        ("Hardsigmoid", {}), ("Hardtanh", {}), ("LogSigmoid", {}), ("PReLU", {}), ("RReLU", {}),
        ("SELU", {}), ("Softmin", {"dim": 1}), ("Softshrink", {}), ("Softsign", {}),
        ("Tanhshrink", {}), ("Threshold", {"threshold": 0.1, "value": 0.0}),
    ]:
        grid += cases(module, [config], [(B, 4, 6)])
    return grid


def _sequences() -> list[Case]:
    grid = cases("Embedding", [{"num_embeddings": 10, "embedding_dim": 4}], [(B, 5), (5,), (B, 5, 2)])
    for module in ("LSTM", "GRU", "RNN"):
        base = {"input_size": 3, "hidden_size": 4}
        configs = [base, {**base, "batch_first": True}, {**base, "num_layers": 2},
                   {**base, "bidirectional": True, "batch_first": True}]
        grid += cases(module, configs, [(5, B, 3), (B, 5, 3), (5, 3), (B, 5, 2), (B, 5, 3, 2)])
    return grid


def _lazy_and_attention() -> list[Case]:
    return [
        *cases("LazyLinear", [{"out_features": 4}], [(B, 8), (B, 3, 8)]),
        *cases("LazyConv2d", [{"out_channels": 4, "kernel_size": 3}, {"out_channels": 4, "kernel_size": 3,
                                                                      "padding": 1, "stride": 2}],
               [(B, 3, 8, 7), (B, 3, 2, 7)]),
        *cases("LazyConv1d", [{"out_channels": 4, "kernel_size": 3}], [(B, 3, 10)]),
        *cases("LazyBatchNorm2d", [{}], [(B, 3, 4, 4), (B, 3, 4)]),
        *cases("LazyBatchNorm1d", [{}], [(B, 3), (B, 3, 4, 4)]),
        *cases("LazyBatchNorm3d", [{}], [(B, 2, 3, 3, 3)]),
        *cases("LazyConv3d", [{"out_channels": 4, "kernel_size": 2}], [(B, 2, 3, 4, 5)]),
        *cases("LazyConvTranspose1d", [{"out_channels": 4, "kernel_size": 3, "stride": 2}], [(B, 3, 5)]),
        *cases("LazyConvTranspose2d", [{"out_channels": 4, "kernel_size": 3}], [(B, 3, 5, 6)]),
        *cases("LazyConvTranspose3d", [{"out_channels": 4, "kernel_size": 2}], [(B, 2, 3, 4, 5)]),
        *cases("MultiheadAttention", [{"embed_dim": 6, "num_heads": 2},
                                      {"embed_dim": 6, "num_heads": 2, "batch_first": True}],
               [[(5, B, 6), (7, B, 6), (7, B, 6)], [(B, 5, 6), (B, 7, 6), (B, 7, 6)],
                [(5, B, 4), (7, B, 4), (7, B, 4)]]),
        *cases("TransformerEncoderLayer", [{"d_model": 6, "nhead": 2, "dim_feedforward": 8},
                                           {"d_model": 6, "nhead": 2, "dim_feedforward": 8,
                                            "batch_first": True}],
               [(5, B, 6), (B, 5, 6), (5, B, 4)]),
    ]


def torch_grid() -> list[Case]:
    return [*_reshaping(), *_convolutions(), *_pooling(), *_normalization(), *_same_shape(),
            *_sequences(), *_lazy_and_attention()]
