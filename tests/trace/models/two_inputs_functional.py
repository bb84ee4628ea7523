"""A functional Keras model with two inputs: token ids (into an Embedding) and features."""

import keras
from keras import layers

features = keras.Input(shape=(8,), name="features")
tokens = keras.Input(shape=(5,), dtype="int32", name="tokens")
embedded = layers.Embedding(50, 4)(tokens)  # mark: embedding
flat = layers.Flatten()(embedded)  # mark: flatten
merged = layers.Concatenate()([flat, features])  # mark: concat
output = layers.Dense(3)(merged)  # mark: dense
model = keras.Model(inputs=[tokens, features], outputs=output)
