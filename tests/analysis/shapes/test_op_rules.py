"""Shape rules of the tensor functions between layers (`keras.ops`, `tf`, `torch`)."""

from layerlint.analysis.shapes.domain import BATCH, UNKNOWN, Shape, ShapeError
from layerlint.analysis.shapes.op_rules import family_of, op_shape

X = Shape.of(BATCH, 4, 6)


def test_family_of_names():
    assert family_of("keras.ops.reshape") == ("keras", "reshape")
    assert family_of("ops.matmul") == ("keras", "matmul")
    assert family_of("tf.nn.relu") == ("tf", "relu")
    assert family_of("F.relu") == ("torch", "relu")
    assert family_of("Tensor.view") == ("torch", "view")
    assert family_of("np.zeros") is None


def test_elementwise_keeps_the_shape():
    for name in ("keras.ops.relu", "tf.nn.relu", "torch.relu", "F.gelu", "tf.math.tanh", "ops.softmax"):
        assert op_shape("keras", name, (X,), {}) == X
    assert op_shape("torch", "F.dropout", (X,), {"p": 0.5}) == X


def test_broadcasting_arithmetic():
    assert op_shape("torch", "torch.add", (X, Shape.of(6)), {}) == X
    assert op_shape("torch", "torch.mul", (X, 2.0), {}) == X
    error = op_shape("torch", "torch.add", (Shape.of(BATCH, 3), Shape.of(BATCH, 4)), {})
    assert isinstance(error, ShapeError) and "The size of tensor a" in error.message
    keras_error = op_shape("keras", "keras.ops.add", (Shape.of(BATCH, 3), Shape.of(BATCH, 4)), {})
    assert keras_error == ShapeError("Cannot broadcast shape", "keras")


def test_reshape_and_view_infer_minus_one_across_the_batch():
    assert op_shape("torch", "Tensor.view", (X, BATCH, -1), {}) == Shape.of(BATCH, 24)
    assert op_shape("torch", "torch.reshape", (X, (BATCH, 2, -1)), {}) == Shape.of(BATCH, 2, 12)
    assert op_shape("keras", "keras.ops.reshape", (X, (-1, 4, 3, 2)), {}) == Shape.of(BATCH, 4, 3, 2)
    assert op_shape("keras", "keras.ops.reshape", (X, (-1, 5)), {}) == Shape.of(None, 5)
    assert op_shape("torch", "Tensor.view", (Shape.of(2, 4, 6), 8, -1), {}) == Shape.of(8, 6)
    assert op_shape("tf", "tf.reshape", (X, (BATCH, UNKNOWN)), {}) == Shape.of(BATCH, None)


def test_reshape_size_mismatch_is_an_error():
    error = op_shape("torch", "Tensor.view", (X, BATCH, 5), {})
    assert error == ShapeError("is invalid for input of size", "torch")
    assert op_shape("tf", "tf.reshape", (X, (BATCH, 7, -1)), {}) == ShapeError(
        "Input to reshape is a tensor with", "tf"
    )


def test_transpose_and_permute():
    assert op_shape("torch", "Tensor.transpose", (X, 1, 2), {}) == Shape.of(BATCH, 6, 4)
    assert op_shape("torch", "Tensor.permute", (X, 0, 2, 1), {}) == Shape.of(BATCH, 6, 4)
    assert op_shape("tf", "tf.transpose", (X,), {"perm": [0, 2, 1]}) == Shape.of(BATCH, 6, 4)
    assert op_shape("keras", "keras.ops.transpose", (X,), {}) == Shape.of(6, 4, BATCH)
    assert isinstance(op_shape("keras", "keras.ops.transpose", (X, (0, 1)), {}), ShapeError)
    out_of_range = op_shape("torch", "torch.transpose", (X, 1, 3), {})
    assert out_of_range == ShapeError("Dimension out of range", "torch")


def test_concat_and_stack():
    a, b = Shape.of(BATCH, 4, 3), Shape.of(BATCH, 4, 5)
    assert op_shape("torch", "torch.cat", ([a, b],), {"dim": -1}) == Shape.of(BATCH, 4, 8)
    assert op_shape("tf", "tf.concat", ([a, b], -1), {}) == Shape.of(BATCH, 4, 8)
    error = op_shape("torch", "torch.cat", ([a, b],), {"dim": 1})
    assert error == ShapeError("Sizes of tensors must match except in dimension 1", "torch")
    assert op_shape("keras", "keras.ops.stack", ([a, a],), {"axis": 1}) == Shape.of(BATCH, 2, 4, 3)
    assert isinstance(op_shape("torch", "torch.stack", ([a, b],), {}), ShapeError)


def test_matmul():
    assert op_shape("torch", "torch.matmul", (Shape.of(BATCH, 7, 3), Shape.of(3, 5)), {}) == Shape.of(
        BATCH, 7, 5
    )
    assert op_shape("tf", "tf.matmul", (Shape.of(2, 3), Shape.of(5, 3)), {"transpose_b": True}) == Shape.of(
        2, 5
    )
    assert op_shape("torch", "torch.matmul", (Shape.of(3,), Shape.of(3,)), {}) == Shape.of()
    error = op_shape("torch", "torch.mm", (Shape.of(BATCH, 3), Shape.of(4, 5)), {})
    assert error == ShapeError("mat1 and mat2 shapes cannot be multiplied", "torch")
    assert op_shape("keras", "ops.matmul", (Shape.of(BATCH, 3), Shape.of(4, 5)), {}) == ShapeError(
        "Inner dimensions (`x1.shape[-1]` and `x2.shape[-2]`) must be equal", "keras"
    )


def test_reductions():
    assert op_shape("keras", "keras.ops.mean", (X,), {"axis": 1, "keepdims": True}) == Shape.of(BATCH, 1, 6)
    assert op_shape("tf", "tf.reduce_sum", (X, [1, 2]), {}) == Shape.of(BATCH)
    assert op_shape("torch", "torch.mean", (X,), {}) == Shape.of()
    assert op_shape("torch", "torch.max", (X, 1), {}) == (Shape.of(BATCH, 6), Shape.of(BATCH, 6))
    assert op_shape("torch", "torch.max", (X, X), {}) == X
    assert op_shape("tf", "tf.argmax", (X,), {}) == Shape.of(4, 6)
    assert op_shape("torch", "Tensor.sum", (X,), {"dim": -1, "keepdim": True}) == Shape.of(BATCH, 4, 1)
    assert op_shape("torch", "torch.sum", (X, UNKNOWN), {}) == Shape.unknown()


def test_flatten_squeeze_expand():
    assert op_shape("torch", "torch.flatten", (X, 1), {}) == Shape.of(BATCH, 24)
    assert op_shape("torch", "torch.flatten", (Shape.of(2, 3, 4),), {}) == Shape.of(24)
    assert op_shape("torch", "Tensor.unsqueeze", (X, -1), {}) == Shape.of(BATCH, 4, 6, 1)
    assert op_shape("tf", "tf.expand_dims", (X, 1), {}) == Shape.of(BATCH, 1, 4, 6)
    assert op_shape("keras", "ops.squeeze", (Shape.of(BATCH, 1, 6), 1), {}) == Shape.of(BATCH, 6)
    assert op_shape("torch", "Tensor.squeeze", (X, 1), {}) == X
    assert op_shape("tf", "tf.squeeze", (X,), {"axis": 1}) == ShapeError(
        "Can not squeeze dim[1], expected a dimension of 1", "tf"
    )


def test_unknown_functions_and_arguments():
    assert op_shape("torch", "torch.einsum", ("ij->ji", X), {}) == Shape.unknown()
    assert op_shape("torch", "mylib.thing", (X,), {}) == Shape.unknown()
    assert op_shape("torch", "torch.relu", (UNKNOWN,), {}) == Shape.unknown()
