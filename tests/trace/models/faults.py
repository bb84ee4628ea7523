"""Models that misbehave in ways a trace must survive: memory blow-up, sys.exit, a flood of
output, a segfault."""

import ctypes
import sys

from keras import layers


class Hoards(layers.Layer):
    def call(self, x):
        hoard = []
        while True:
            hoard.append(bytearray(64 * 1024 * 1024))  # mark: hoard


class Exits(layers.Layer):
    def call(self, x):
        sys.exit(3)  # mark: exit


class Floods(layers.Layer):
    def call(self, x):
        for _ in range(40_000):
            print("x" * 100)  # mark: print
        return x


class Segfaults(layers.Layer):
    def call(self, x):
        ctypes.string_at(0)  # mark: segfault
        return x
