"""A functional-API model built at module level: layers run inside keras.Model."""

import keras
from keras import layers

inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(4, 3)(inputs)  # mark: conv
x = layers.Flatten()(x)  # mark: flatten
outputs = layers.Dense(10)(x)  # mark: dense
model = keras.Model(inputs, outputs)
