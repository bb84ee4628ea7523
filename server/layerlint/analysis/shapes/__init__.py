"""Static shapes: the shape domain (`domain`), what each layer and tensor function does to a
shape (`layer_rules`, `op_rules`), and the older channel-count facts (`channels`).

stdlib only: nothing here imports TensorFlow, Keras or torch. The layer rules are checked
against shape records measured under the real frameworks (`catalog/shape_records/`)."""

from layerlint.analysis.shapes.channels import constructor_channels, preserves_channels

__all__ = ["constructor_channels", "preserves_channels"]
