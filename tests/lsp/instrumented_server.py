"""`layerlint serve` with two test instruments (run as a script by the end-to-end tests).

- The analysis raises for any text containing `CRASH_MARKER`, to test that a crashing
  analysis never takes the server down.
- At exit, the names of all imported modules are written to the file named by argv[1], to
  test that the server never imports TensorFlow, Keras or torch.
- At exit, the paths of the documents the analysis still keeps state for (blocks, block memo,
  last good findings) are written to argv[1] + ".documents.json", to test that a closed
  document is forgotten.
"""

from __future__ import annotations

import atexit
import json
import sys
from pathlib import Path

from layerlint import analysis
from layerlint.cli import main

CRASH_MARKER = "# test: crash the analysis"

_real_analyse = analysis.analyse


def crashing_analyse(text: str, **options):  # type: ignore[no-untyped-def]
    if CRASH_MARKER in text:
        raise RuntimeError("injected analysis failure")
    return _real_analyse(text, **options)


def write_modules(path: Path) -> None:
    path.write_text(json.dumps(sorted(sys.modules)))


def write_kept_documents(path: Path) -> None:
    from layerlint.analysis import block_memo, caches, document_state

    kept = {
        "document_state": sorted(document_state._documents),
        "block_memo": sorted(block_memo._memos),
        "last_good": sorted({key[0] for key in caches.last_good}),
    }
    path.write_text(json.dumps(kept))


if __name__ == "__main__":
    analysis.analyse = crashing_analyse
    atexit.register(write_modules, Path(sys.argv[1]))
    atexit.register(write_kept_documents, Path(sys.argv[1] + ".documents.json"))
    sys.exit(main(["serve"]))
