"""Output lengths of convolution and pooling windows, as Keras and torch compute them.

Each function takes one spatial length and returns the output length, or None when an input is
unknown. Lengths may come out zero or negative: the caller decides whether the framework raises.
"""

from __future__ import annotations

from layerlint.analysis.shapes.domain import Dim


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def keras_conv_length(
    size: Dim, kernel: int, stride: int, padding: str, dilation: int = 1
) -> int | None:
    """Keras' `compute_conv_output_shape`: valid `ceil((n - d(k-1)) / s)`, same/causal `ceil(n/s)`."""
    if not isinstance(size, int):
        return None
    if padding in ("same", "causal"):
        return _ceil_div(size, stride)
    return _ceil_div(size - dilation * (kernel - 1), stride)


def keras_pool_length(size: Dim, pool: int, stride: int, padding: str) -> int | None:
    """Keras pooling: valid `floor((n - k) / s) + 1`, same `ceil(n / s)`."""
    if not isinstance(size, int):
        return None
    if padding == "same":
        return _ceil_div(size, stride)
    return (size - pool) // stride + 1


def keras_deconv_length(
    size: Dim,
    kernel: int,
    stride: int,
    padding: str,
    output_padding: int | None,
    dilation: int = 1,
) -> int | None:
    """Keras' `deconv_output_length` for transposed convolutions."""
    if not isinstance(size, int):
        return None
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return size * stride + max(kernel - stride, 0)
        if padding == "full":
            return size * stride - (stride + kernel - 2)
        return size * stride
    pad = {"same": kernel // 2, "valid": 0, "full": kernel - 1}[padding]
    return (size - 1) * stride + kernel - 2 * pad + output_padding


def torch_conv_length(
    size: Dim, kernel: int, stride: int, padding: int, dilation: int = 1, ceil_mode: bool = False
) -> int | None:
    """torch: `floor((n + 2p - d(k-1) - 1) / s) + 1` (ceil with `ceil_mode`)."""
    if not isinstance(size, int):
        return None
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if ceil_mode:
        length = _ceil_div(span, stride) + 1
        # The last window must start inside the input or the left padding.
        if (length - 1) * stride >= size + padding:
            length -= 1
        return length
    return span // stride + 1


def torch_deconv_length(
    size: Dim, kernel: int, stride: int, padding: int, output_padding: int, dilation: int = 1
) -> int | None:
    """torch ConvTranspose: `(n - 1)s - 2p + d(k-1) + output_padding + 1`."""
    if not isinstance(size, int):
        return None
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
