"""A file whose import fails: the trace reports it on its line."""

import layerlint_no_such_module_for_tests  # noqa: F401  mark: bad-import
from keras import layers


class Model(layers.Layer):
    def call(self, x):
        return x
