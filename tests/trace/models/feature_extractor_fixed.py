"""The bundled example after the split fix: one BatchNormalization per convolution."""

import numpy as np
from keras.layers import BatchNormalization, Conv2D, Layer, MaxPool2D


class FeatureExtractor(Layer):
    def __init__(self):
        super().__init__()
        self.conv_1 = Conv2D(6, 4, padding="valid", activation="relu")
        self.conv_2 = Conv2D(16, 4, padding="valid", activation="relu")
        self.bn_1 = BatchNormalization()
        self.bn_2 = BatchNormalization()
        self.maxpool = MaxPool2D(pool_size=2, strides=2)

    def call(self, x):
        x = self.maxpool(self.bn_1(self.conv_1(x)))
        x = self.maxpool(self.bn_2(self.conv_2(x)))
        return x


if __name__ == "__main__":
    extractor = FeatureExtractor()
    print(extractor(np.zeros((1, 32, 32, 3), dtype="float32")).shape)
