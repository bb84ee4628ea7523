"""Which framework a qualified name belongs to, and whether it names a model base class or a
built-in layer. Knowledge about the layers themselves comes from the generated catalog."""

from __future__ import annotations

from layerlint.analysis import catalog

_MODEL_BASES = {"keras": {"Layer", "Model"}, "tf_keras": {"Layer", "Model"}, "torch": {"Module"}}


def framework_of(qualified: str) -> str | None:
    # Called for every name of every class: string partitions, no loop over prefixes. Keras is
    # `keras`, `tensorflow.keras` and `tensorflow.python.keras`.
    root, _, rest = qualified.partition(".")
    if root == "tf_keras":
        return "tf_keras"
    if root == "torch":
        return "torch"
    if root == "keras":
        return "keras"
    if root == "tensorflow":
        if rest.startswith("python."):
            rest = rest[len("python."):]
        if rest == "keras" or rest.startswith("keras."):
            return "keras"
    return None


def model_base_framework(qualified: str) -> str | None:
    """The framework whose model/layer base class `qualified` names (`keras.Model` -> keras)."""
    framework = framework_of(qualified)
    if framework is None:
        return None
    last = qualified.rsplit(".", 1)[-1]
    if last not in _MODEL_BASES[framework]:
        return None
    if framework == "torch" and not qualified.startswith("torch.nn"):
        return None
    return framework


def builtin_layer(qualified: str, keras_version: str | None = None) -> catalog.LayerInfo | None:
    """Catalog entry for a built-in layer named by `qualified` (`keras.layers.Dense`)."""
    framework = framework_of(qualified)
    if framework is None or "." not in qualified:
        return None
    if framework == "torch" and not qualified.startswith("torch.nn."):
        return None
    return catalog.lookup(framework, qualified.rsplit(".", 1)[-1], keras_version)
