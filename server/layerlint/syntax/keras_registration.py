"""How a module spells the decorator that registers a class for Keras serialization.

`keras.saving.register_keras_serializable` is the documented name in Keras 3, but TensorFlow's
`tf.keras` (2.16+, Keras 3 underneath) has no `saving` attribute (measured with TensorFlow 2.21:
`AttributeError: module 'keras._tf_keras.keras' has no attribute 'saving'`); its
`tf.keras.utils.register_keras_serializable` is the same function. tf-keras has both. Used by
the LL207 rule (for the fix's title) and by the fix.
"""

from __future__ import annotations

from layerlint.syntax.import_names import reference, spelling
from layerlint.syntax.imports import ImportTable

_SAVING = "{root}.saving.register_keras_serializable"
_UTILS = "{root}.utils.register_keras_serializable"


def registration_decorator(imports: ImportTable, framework: str) -> tuple[str, str | None]:
    """(the decorator expression without `@` and `()`, the import statement to add or None)."""
    root = "tf_keras" if framework == "tf_keras" else "keras"
    direct = spelling(_SAVING.format(root=root), imports, equivalents=False)
    if direct is not None:
        return direct, None
    through_tensorflow = spelling(_UTILS.format(root=root), imports)
    if through_tensorflow is not None:
        return through_tensorflow, None
    return reference(imports, _SAVING.format(root=root))
