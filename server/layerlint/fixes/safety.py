"""Fix safety: which quick-fixes `layerlint check --fix` may apply without asking.

A fix is **safe** when its output always runs and the program behaves as before apart from the
bug it removes: same computation, same weights, same checkpoint layout. Every other fix is
**unsafe**: it changes what the model is (a weight count, a state_dict key, when something runs),
which the user must opt into with `--unsafe-fixes` (the editor's quick-fix menu offers both
kinds; the `source.fixAll.layerlint` code action applies safe ones only). A kind missing from
the table counts as unsafe.

This table is a stopgap keyed by fix kind (`FixProposal.kind`). Issue 10's typed rule
contract will carry the safety of each fix in the rule registry; this module folds into it then.
"""

from __future__ import annotations

from typing import Literal

Safety = Literal["safe", "unsafe"]

FIX_SAFETY: dict[str, tuple[Safety, str]] = {
    "register-serializable": (
        "safe",
        "adds @register_keras_serializable() to a Layer/Model subclass (which always has "
        "get_config, so the decorator never raises): the forward pass, the weights and the "
        "checkpoint layout stay as they were; load_model() can now rebuild the class",
    ),
    "insert-line": (
        "unsafe",
        "inserts a layer (Flatten() before a Dense after convolutions): the Dense's kernel takes "
        "the flattened width, so the model's weights and checkpoint layout change",
    ),
    "split-layer": (
        "unsafe",
        "each call site gets its own layer: the model gains weights (shared ones become "
        "separate), so its parameter count and checkpoint layout change; deliberate sharing "
        "(LL103) would be undone",
    ),
    "layer-per-iteration": (
        "unsafe",
        "one layer per loop iteration: more weights, new layer names and checkpoint paths",
    ),
    "variable-to-add-weight": (
        "unsafe",
        "the weight becomes tracked by Keras: it appears in layer.weights and in checkpoints "
        "under a new path, and random initial values are drawn by Keras' initializer",
    ),
    "register-buffer": (
        "unsafe",
        "a persistent buffer adds a state_dict key (old checkpoints then fail a strict load), "
        "and .to() now moves or casts the tensor",
    ),
    "wrap-module-container": (
        "unsafe",
        "the wrapped modules join parameters() and state_dict(): optimizers now train them "
        "and checkpoint keys change",
    ),
    "print-to-tf-print": (
        "unsafe",
        "output moves from trace time to every step, prints values instead of symbolic "
        "tensors, and goes to stderr; may add `import tensorflow as tf`",
    ),
    "reset-built": (
        "unsafe",
        "the subclass's build() starts running, so the layer creates the weights it defines "
        "there: its weights change",
    ),
    "add-layer-config": (
        "unsafe",
        "adds get_config/from_config and may keep an unkept constructor argument as an "
        "attribute; a layer kept that way becomes tracked (its weights join the layer's)",
    ),
    "add-symbolic-build": (
        "unsafe",
        "build() now traces call() on a symbolic input, which can fail for call signatures "
        "the input shape does not describe (several inputs, required extra arguments)",
    ),
}


def fix_safety(kind: str) -> Safety:
    """"safe" or "unsafe" for a fix kind; unknown kinds are unsafe."""
    entry = FIX_SAFETY.get(kind)
    return entry[0] if entry else "unsafe"


def is_applicable(kind: str, unsafe_fixes: bool) -> bool:
    """Whether `--fix` applies a fix of this kind (`unsafe_fixes`: `--unsafe-fixes` given)."""
    return unsafe_fixes or fix_safety(kind) == "safe"
