"""The adapter for `torch.nn`: modules, their parameters and buffers, eval and train mode.

torch is imported inside the loader only. Modules register their parameters in `__init__`, so
some facts are known before any call (`weights_exist_at_construction`).
"""

from __future__ import annotations

from typing import Any

from .framework import LABELS, NON_NEGATIVE, POSITIONAL, SINGLE, TRIPLE, Framework, Variable
from .nesting import nested_values
from .probe_inputs import cube_shape, numpy_input
from .probe_values import torch_arguments, torch_class_arguments


def load_torch() -> Framework:
    """torch.nn on one CPU thread (steadier timing on a shared machine)."""
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
