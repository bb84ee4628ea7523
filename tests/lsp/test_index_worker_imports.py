"""The project index process (`lsp/index_worker.py`) imports only what reading save evidence
needs: not asyncio, concurrent.futures or the TLS libraries asyncio loads (~6 MiB of its
memory), which only the server's event loop and jedi's thread use (`analysis/installed.py`)."""

from __future__ import annotations

from import_probe import printed_by

PROBE = (
    "import sys; import layerlint.lsp.index_worker; "
    "print(sorted({m.split('.')[0] for m in sys.modules} & {'asyncio', 'concurrent', 'ssl', "
    "'jedi', 'libcst', 'lsprotocol', 'pygls'}))"
)


def test_the_index_worker_does_not_import_an_event_loop_or_tls():
    assert printed_by(PROBE) == "[]"


def test_the_index_worker_reads_the_catalog_without_importlib_resources():
    # importlib.resources loads tempfile, shutil, random, bz2 and lzma: ~1.6 MiB.
    probe = ("import sys; import layerlint.lsp.index_worker; "
             "print(sorted({'importlib.resources', 'tempfile', 'shutil'} & set(sys.modules)))")
    assert printed_by(probe) == "[]"
