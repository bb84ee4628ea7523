"""layerlint: catches Keras/PyTorch model-code bugs while you type."""

__version__ = "0.1.0"


def load_ipython_extension(ipython) -> None:
    """`%load_ext layerlint`: registers the `%layerlint_trace` shape-trace magic."""
    from layerlint.ipython_magic import load_ipython_extension as load

    load(ipython)
