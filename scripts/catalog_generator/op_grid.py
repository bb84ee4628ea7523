"""The grid of op records: calls of tensor functions (`keras.ops`, `tf`, `torch`) on tensors of
known shape, as the static op rules name them.

A tensor argument is `T(dims...)` (`B` is the batch), a dimension argument that follows the
batch (`x.size(0)`) is `BATCH_DIM`; anything else is a literal. Tensor methods are named
`Tensor.<method>` with the tensor first.
"""

from __future__ import annotations

from typing import Any

from .shape_grid import B

OpCase = tuple[str, list[Any], dict[str, Any]]
BATCH_DIM = {"dim": "batch"}


def T(*dims: Any) -> dict[str, Any]:  # a tensor argument of the given shape
    return {"shape": list(dims)}


X = T(B, 4, 6)


def _shared(prefix: str, reduce: str, axis: str, keep: str, activations: str) -> list[OpCase]:
    """Cases that read the same in every family, spelled with its names."""
    return [
        (f"{activations}relu", [X], {}),
        (f"{activations}sigmoid", [X], {}),
        (f"{prefix}add", [X, T(6)], {}),
        (f"{prefix}add", [T(B, 3), T(B, 4)], {}),
        (f"{prefix}add", [X, T(4, 1)], {}),
        (f"{prefix}multiply" if prefix != "torch." else "torch.mul", [X, T(B, 1, 6)], {}),
        (f"{prefix}{reduce}mean", [X], {axis: 1}),
        (f"{prefix}{reduce}mean", [X], {axis: -1, keep: True}),
        (f"{prefix}{reduce}sum", [X], {axis: [1, 2]}),
        (f"{prefix}{reduce}max", [X], {}),
        (f"{prefix}matmul", [T(B, 3), T(3, 5)], {}),
        (f"{prefix}matmul", [T(B, 3), T(4, 5)], {}),
        (f"{prefix}matmul", [T(B, 7, 3), T(B, 3, 5)], {}),
        (f"{prefix}matmul", [T(B, 7, 3), T(B, 4, 5)], {}),
    ]


def keras_op_grid() -> list[OpCase]:
    return [
        *_shared("keras.ops.", "", "axis", "keepdims", "keras.ops."),
        ("keras.ops.softmax", [X], {}),
        ("keras.ops.gelu", [X], {}),
        ("keras.ops.reshape", [X, (B, 24)], {}),
        ("keras.ops.reshape", [X, (-1, 2, 12)], {}),
        ("keras.ops.reshape", [X, (-1, 4, 3, 2)], {}),
        ("keras.ops.reshape", [X, (B, -1, 5)], {}),
        ("keras.ops.transpose", [X], {}),
        ("keras.ops.transpose", [X, (0, 2, 1)], {}),
        ("keras.ops.transpose", [X, (0, 1)], {}),
        ("keras.ops.concatenate", [[T(B, 4, 3), T(B, 4, 5)]], {"axis": -1}),
        ("keras.ops.concatenate", [[T(B, 4, 3), T(B, 5, 3)]], {"axis": -1}),
        ("keras.ops.stack", [[X, X]], {"axis": 1}),
        ("keras.ops.stack", [[T(B, 3), T(B, 4)]], {}),
        ("keras.ops.squeeze", [T(B, 1, 6)], {"axis": 1}),
        ("keras.ops.squeeze", [X], {"axis": 1}),
        ("keras.ops.expand_dims", [X, -1], {}),
        ("keras.ops.argmax", [X], {"axis": -1}),
    ]


def tf_op_grid() -> list[OpCase]:
    return [
        *_shared("tf.", "reduce_", "axis", "keepdims", "tf.nn."),
        ("tf.nn.relu", [X], {}),
        ("tf.nn.softmax", [X], {}),
        ("tf.math.tanh", [X], {}),
        ("tf.reshape", [X, (BATCH_DIM, 24)], {}),
        ("tf.reshape", [X, (BATCH_DIM, -1, 3)], {}),
        ("tf.reshape", [X, (BATCH_DIM, 5)], {}),
        ("tf.transpose", [X], {"perm": [0, 2, 1]}),
        ("tf.transpose", [X], {}),
        ("tf.concat", [[T(B, 4, 3), T(B, 4, 5)], -1], {}),
        ("tf.concat", [[T(B, 4, 3), T(B, 5, 3)], -1], {}),
        ("tf.stack", [[X, X]], {"axis": 1}),
        ("tf.stack", [[T(B, 3), T(B, 4)]], {}),
        ("tf.matmul", [T(B, 3), T(5, 3)], {"transpose_b": True}),
        ("tf.squeeze", [T(B, 1, 6)], {"axis": 1}),
        ("tf.squeeze", [X], {"axis": 1}),
        ("tf.expand_dims", [X, 1], {}),
        ("tf.argmax", [X], {}),
    ]


def torch_op_grid() -> list[OpCase]:
    return [
        *_shared("torch.", "", "dim", "keepdim", "torch."),
        ("F.gelu", [X], {}),
        ("F.softmax", [X], {"dim": -1}),
        ("F.dropout", [X], {"p": 0.5}),
        ("torch.reshape", [X, (BATCH_DIM, 24)], {}),
        ("Tensor.view", [X, BATCH_DIM, -1], {}),
        ("Tensor.view", [X, -1, 8], {}),
        ("Tensor.view", [X, BATCH_DIM, 5], {}),
        ("Tensor.permute", [X, 0, 2, 1], {}),
        ("Tensor.permute", [X, 0, 2], {}),
        ("Tensor.transpose", [X, 1, 2], {}),
        ("torch.transpose", [X, 1, 3], {}),
        ("torch.cat", [[T(B, 4, 3), T(B, 4, 5)]], {"dim": -1}),
        ("torch.cat", [[T(B, 4, 3), T(B, 5, 3)]], {"dim": -1}),
        ("torch.stack", [[X, X]], {"dim": 1}),
        ("torch.stack", [[T(B, 3), T(B, 4)]], {}),
        ("torch.mm", [T(B, 3), T(4, 5)], {}),
        ("torch.bmm", [T(B, 7, 3), T(B, 3, 5)], {}),
        ("torch.max", [X, 1], {}),
        ("torch.max", [X, X], {}),
        ("torch.flatten", [X, 1], {}),
        ("torch.flatten", [X], {}),
        ("Tensor.flatten", [X, 1], {}),
        ("Tensor.unsqueeze", [X, -1], {}),
        ("torch.squeeze", [T(B, 1, 6), 1], {}),
        ("Tensor.squeeze", [X, 1], {}),
        ("Tensor.sum", [X], {"dim": -1, "keepdim": True}),
        ("torch.argmax", [X], {"dim": 1}),
    ]
