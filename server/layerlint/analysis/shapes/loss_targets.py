"""Whether the targets passed to `fit` can meet the model's output under the compiled loss.

Measured under Keras 3 and tf-keras (both raise in `fit`): a crossentropy compares `target` and
`output` of the same rank (`Arguments target and output must have the same rank (ndim)`), a
sparse crossentropy wants the output one rank above the integer targets. The common cause is a
Dense after a convolution with no Flatten: the model's output keeps the spatial axes. Only the
string loss names are read; any other loss says nothing."""

from __future__ import annotations

from layerlint.analysis.shapes.domain import Shape

_SAME_RANK = {"categorical_crossentropy", "binary_crossentropy"}
_ONE_RANK_ABOVE = {"sparse_categorical_crossentropy"}


def target_error(loss: str, output: Shape, target: Shape) -> str | None:
    """The framework's complaint, or None when the ranks fit or anything is unknown."""
    if output.rank is None or target.rank is None:
        return None
    if loss in _SAME_RANK and output.rank != target.rank:
        return (f"Arguments `target` and `output` must have the same rank (ndim). Received: "
                f"target.shape={target.display()}, output.shape={output.display()}")
    if loss in _ONE_RANK_ABOVE and output.rank != target.rank + 1 and not (
        output.rank == target.rank and target.dims and target.dims[-1] == 1
    ):
        return (f"Argument `output` must have rank (ndim) `target.ndim - 1`. Received: "
                f"target.shape={target.display()}, output.shape={output.display()}")
    return None
