"""Static channel counts: what a construction tells about the channels a layer expects and
produces (`Conv2D(16, 3)` produces 16; `nn.BatchNorm2d(6)` expects 6), and which layers pass
their input's channel count through. Enough to prove that two calls of one layer receive
different channels, the crash LL101/LL102 report as an error."""

from __future__ import annotations

import ast
import re

from layerlint.analysis import catalog

_OUT_KEYWORDS = ("filters", "units", "out_channels", "out_features")
_IN_KEYWORDS = ("in_channels", "in_features")
_BOTH_KEYWORDS = ("num_features", "num_channels")
# First positional parameters, by framework convention: Keras `Conv2D(filters, ...)`,
# `Dense(units)`; torch `Conv2d(in_channels, out_channels, ...)`, `Linear(in, out)`,
# `BatchNorm2d(num_features)`, `GroupNorm(num_groups, num_channels)`.
_KERAS_OUT_FIRST = re.compile(r"^(Conv\dD|Conv\dDTranspose|Convolution\dD|SeparableConv\dD|Dense)$")
_TORCH_IN_OUT = re.compile(r"^(Conv\dd|ConvTranspose\dd|Linear|Bilinear)$")
_TORCH_BOTH_FIRST = re.compile(r"^(BatchNorm\dd|InstanceNorm\dd|SyncBatchNorm)$")
_TORCH_BOTH_SECOND = re.compile(r"^GroupNorm$")
# Layers whose output has as many channels as their input (channels-last in Keras).
_PRESERVES_CHANNELS = re.compile(
    r"(Pool|Pooling|Activation|ReLU|ELU|Softmax|Dropout|Noise|Normalization|BatchNorm|LayerNorm"
    r"|GroupNorm|InstanceNorm|ZeroPadding|Cropping|UpSampling|Upsample|Identity|Tanh|Sigmoid"
    r"|GELU|SiLU|Mish|Hardswish|Hardtanh|LeakyReLU|Dropout\dd)"
)


def _int_value(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(
        node.value, bool
    ):
        return node.value
    return None


def _keyword(call: ast.Call, names: tuple[str, ...]) -> int | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return _int_value(keyword.value)
    return None


def _positional(call: ast.Call, index: int) -> int | None:
    return _int_value(call.args[index]) if len(call.args) > index else None


def constructor_channels(
    info: catalog.LayerInfo, call: ast.Call
) -> tuple[int | None, int | None]:
    """(expected input channels, produced output channels) known from the construction."""
    name = info.canonical or info.name
    both = _keyword(call, _BOTH_KEYWORDS)
    if both is not None:
        return both, both
    in_channels = _keyword(call, _IN_KEYWORDS)
    out_channels = _keyword(call, _OUT_KEYWORDS)
    if info.framework == "torch":
        if _TORCH_IN_OUT.match(name):
            in_channels = in_channels if in_channels is not None else _positional(call, 0)
            out_channels = out_channels if out_channels is not None else _positional(call, 1)
        elif _TORCH_BOTH_FIRST.match(name):
            in_channels = out_channels = _positional(call, 0)
        elif _TORCH_BOTH_SECOND.match(name):
            in_channels = out_channels = _positional(call, 1)
    elif _KERAS_OUT_FIRST.match(name) and out_channels is None:
        out_channels = _positional(call, 0)
    return in_channels, out_channels


def preserves_channels(info: catalog.LayerInfo) -> bool:
    return bool(_PRESERVES_CHANNELS.search(info.canonical or info.name))
