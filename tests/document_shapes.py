"""The static shapes of a document version as the editor computes them (its blocks, its module
context, `module_shapes`), and the same after every cache they go through was emptied: the
incremental-shape tests compare the two. And the model module those tests edit, in pieces:
`HEADER + BLOCK + MODEL` is a layer and a functional model that calls it."""

from __future__ import annotations

from layerlint.analysis import document_state
from layerlint.analysis.class_resolution import module_context
from layerlint.analysis.shapes import infer
from layerlint.analysis.shapes import module_shapes as module_shapes_module
from layerlint.analysis.shapes.infer import ModuleShapes
from layerlint.analysis.shapes.module_shapes import module_shapes

HEADER = '''import keras
from keras import layers

'''

BLOCK = '''

class Block(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(8)

    def call(self, x):
        return self.dense(x)
'''

MODEL = '''

def build_model():
    inputs = keras.Input(shape=(20,))
    x = Block()(inputs)
    x = layers.Dense(4)(x)
    return keras.Model(inputs, x)
'''


def shapes_of(text: str, path: str) -> ModuleShapes:
    blocks = document_state.document_blocks(text, path)
    context = module_context(blocks, None)
    return module_shapes(text, blocks, context.imports, None)


def clear_shape_caches() -> None:
    """Forget every inference, layout, run, checkpoint and call kept, and the kept shapes."""
    infer.clear_caches()
    module_shapes_module._cache.clear()


def fresh_shapes_of(text: str, path: str) -> ModuleShapes:
    clear_shape_caches()
    document_state.forget_document(path)
    return shapes_of(text, path)
