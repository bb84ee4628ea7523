"""Quick-fix "Add Net.build() that builds its sublayers" (LL206).

Keras 3's default `build()` creates nothing, so `model.build(shape)` on a class that makes its
sublayers in `__init__` leaves them without weights. The fix adds a `build()` that runs `call()`
once on a symbolic input, which creates every sublayer's weights (Keras' own `load_model` builds
subclassed models the same way):

    def build(self, input_shape):
        # Trace call() once on a symbolic input: every sublayer creates its weights.
        self.compute_output_spec(keras.KerasTensor(input_shape))

The method goes after `__init__` (or first, when there is none); `keras` is spelled through the
module's imports (`tf.keras` after `import tensorflow as tf`), with `import keras` added when
nothing reaches it.

`data`: class_name.
"""

from __future__ import annotations

import libcst as cst

from layerlint.fix_requests import AddSymbolicBuild
from layerlint.fixes import FixError
from layerlint.fixes.class_rewrite import (
    method,
    parse_members,
    rewrite_class,
    statement_index_after_docstring,
)
from layerlint.fixes.import_names import add_import, parse
from layerlint.syntax.import_names import reference


def apply(source: str, request: AddSymbolicBuild) -> str:
    class_name = request.class_name
    keras_tensor, import_statement = reference(parse(source), "keras.KerasTensor")
    build = parse_members(
        "def build(self, input_shape):\n"
        "    # Trace call() once on a symbolic input: every sublayer creates its weights.\n"
        f"    self.compute_output_spec({keras_tensor}(input_shape))\n"
    )[0]

    def add_build(node: cst.ClassDef, first_line: int) -> cst.ClassDef:
        del first_line  # placed by member names, not by position
        if not isinstance(node.body, cst.IndentedBlock):
            raise FixError(f"class {class_name} is written on one line; give it a body first")
        members = list(node.body.body)
        if method(members, "build") is not None:
            raise FixError(f"{class_name} already has a build(): re-run the analysis")
        init = method(members, "__init__")
        position = init + 1 if init is not None else statement_index_after_docstring(members)
        new = build.with_changes(leading_lines=[cst.EmptyLine(indent=False)]) if position else build
        following = members[position] if position < len(members) else None
        if isinstance(following, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and not (
                following.leading_lines):
            members[position] = following.with_changes(
                leading_lines=[cst.EmptyLine(indent=False)])
        members.insert(position, new)
        return node.with_changes(body=node.body.with_changes(body=members))

    return add_import(rewrite_class(source, class_name, add_build), import_statement)
