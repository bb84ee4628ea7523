"""Constructor argument values for probing: by required parameter name, and per class.

Values are factories (called once per construction) so that every probe gets fresh sublayers.
Keras 3 and tf-keras share the Keras tables, each with its own `layers` module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


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
    # Its name is recorded in the catalog ("<_identity>" for Lambda): renaming it changes output.
    return value


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
