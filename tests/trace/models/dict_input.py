"""A subclassed Keras model whose input is a dict keyed by input name."""

import keras
from keras import layers


# layerlint: input-shape={"image": [1, 16, 16, 3], "tokens": {"shape": [1, 6], "dtype": "int32"}}
class ImageAndText(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv = layers.Conv2D(4, 3)
        self.pool = layers.GlobalAveragePooling2D()
        self.embed = layers.Embedding(100, 4)
        self.text_pool = layers.GlobalAveragePooling1D()
        self.head = layers.Dense(2)

    def call(self, inputs):
        image = self.pool(self.conv(inputs["image"]))  # mark: image
        text = self.text_pool(self.embed(inputs["tokens"]))  # mark: text
        return self.head(keras.ops.concatenate([image, text], axis=-1))  # mark: head
