"""Custom blocks calling their own sublayers, a block inside a block, and a Sequential head."""

import keras
from keras import layers


class ConvBlock(layers.Layer):
    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.conv = layers.Conv2D(filters, 3, padding="same")
        self.norm = layers.BatchNormalization()

    def call(self, x):
        return self.norm(self.conv(x))  # mark: block-body


class Residual(layers.Layer):
    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.inner = ConvBlock(filters)

    def call(self, x):
        return x + self.inner(x)  # mark: residual-body


# layerlint: input-shape=2,16,16,8
class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.stem = ConvBlock(8)
        self.res = Residual(8)
        self.head = keras.Sequential([
            layers.GlobalAveragePooling2D(),  # mark: head-pool
            layers.Dense(4),  # mark: head-dense
        ])

    def call(self, x):
        x = self.stem(x)  # mark: net-stem
        x = self.res(x)  # mark: net-res
        return self.head(x)  # mark: net-head
