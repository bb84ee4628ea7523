"""Models that never finish, sleep, or kill their process: the trace must survive them."""

import os
import time

from keras import layers


class Spins(layers.Layer):
    def call(self, x):
        while True:  # mark: spin
            x = x
        return x


class Sleeps(layers.Layer):
    def call(self, x):
        for _ in range(600):
            time.sleep(0.1)  # mark: sleep
        return x


class Exits(layers.Layer):
    def call(self, x):
        os._exit(1)  # mark: exit
        return x
