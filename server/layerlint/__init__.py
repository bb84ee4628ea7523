"""layerlint: catches Keras/PyTorch model-code bugs while you type."""

__version__ = "0.1.0"
