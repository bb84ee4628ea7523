"""A small Keras feature extractor with a classic bug: one BatchNormalization reused.

Run `layerlint check examples/feature_extractor.py` to see the finding, or run this file
under TensorFlow to see the crash it predicts.
"""

import numpy as np
from keras.layers import BatchNormalization, Conv2D, Layer, MaxPool2D


class FeatureExtractor(Layer):
    def __init__(self):
        super().__init__()
        self.conv_1 = Conv2D(6, 4, padding="valid", activation="relu")
        self.conv_2 = Conv2D(16, 4, padding="valid", activation="relu")
        self.bn = BatchNormalization()
        self.maxpool = MaxPool2D(pool_size=2, strides=2)  # reused below: fine, stateless

    def call(self, x):
        x = self.maxpool(self.bn(self.conv_1(x)))
        x = self.maxpool(self.bn(self.conv_2(x)))  # LL101: bn already holds 6-channel statistics
        return x


if __name__ == "__main__":
    extractor = FeatureExtractor()
    print(extractor(np.zeros((1, 32, 32, 3), dtype="float32")).shape)
