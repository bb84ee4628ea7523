"""Static shapes: the shape domain, what each layer and tensor function does to a shape, and the
older channel-count facts.

    domain          Shape (rank and dims: int, Symbol such as BATCH, or None = unknown),
                    ShapeError (the framework's message), broadcast, UNKNOWN argument value
    layer_rules     output_shape(framework, layer, config, inputs), config_from_call, is_supported
    keras_layers    Keras 3 / tf-keras rules: core, merging, recurrent, attention, wrappers
    keras_spatial   Keras rules over spatial axes: convolutions, pooling, padding, cropping
    keras_common    the InputSpec rank check and data-format helpers the Keras rules share
    torch_layers    torch.nn rules
    conv_arithmetic output lengths of windows (Keras and torch formulas)
    config_values   reading literal constructor arguments (defaults, UNKNOWN, int tuples)
    op_rules        op_shape(framework, qualified_name, args, kwargs) for keras.ops, tf, torch
    weights         weights=/set_weights shapes against the layer's own
    channels        channel counts known from constructors (LL101/LL102's older evidence)

stdlib only: nothing here imports TensorFlow, Keras or torch. Every layer and op rule is held to
the shape records measured under the real frameworks (`catalog/shape_records/`, written by
`scripts/generate_catalog.py --shape-records`); where a rule cannot be sure it answers unknown.
"""

from layerlint.analysis.shapes.channels import constructor_channels, preserves_channels

__all__ = ["constructor_channels", "preserves_channels"]
