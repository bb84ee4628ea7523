"""tf-keras (Keras 2): a subclassed model with a custom layer."""

import tf_keras as keras


class Scale(keras.layers.Layer):
    def call(self, x):
        return x * 2.0


class Small(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(5)
        self.scale = Scale()

    def call(self, x):
        return self.scale(self.dense(x))  # mark: small-body


if __name__ == "__main__":
    model = Small()
    model.build((None, 7))
    model.summary()
