"""What `layerlint serve` imports before its first message: not what only another command or
an explicit feature uses (the check command's batch machinery, the trace runner, jedi,
libcst), nor OpenSSL (asyncio's TLS, hashlib), nor importlib.resources (tempfile, bz2, lzma:
the catalog is read as files): each costs megabytes of resident memory for as
long as the editor runs the server. A feature imports its modules when first used."""

from __future__ import annotations

from import_probe import printed_by

PROBE = """
import atexit, sys
def loaded():
    print(sorted(name for name in sys.modules if name in NOT_AT_START
                 or name.startswith(("layerlint.batch", "layerlint.trace.runner", "jedi.",
                                     "libcst."))))
NOT_AT_START = {"ssl", "_ssl", "hashlib", "_hashlib", "multiprocessing", "jedi", "libcst",
                "urllib.request", "http.client", "layerlint.commands.check",
                "importlib.resources", "tempfile"}
atexit.register(loaded)
sys.argv = ["layerlint", "serve"]
from layerlint.cli import main
main()
"""


def test_serve_starts_without_other_commands_features_or_openssl() -> None:
    # stdin at its end: the server reads no message and exits, as when its client is gone.
    assert printed_by(PROBE).splitlines()[-1] == "[]"


def test_ssl_stays_importable_for_a_later_feature() -> None:
    probe = ("import sys; from layerlint.commands import serve; "
             "serve._import_asyncio_without_tls(); import asyncio, ssl; "
             "print('ssl' in sys.modules, ssl.create_default_context() is not None)")
    assert printed_by(probe, timeout=60).split() == ["True", "True"]
