"""`layerlint serve` whose project index arrives only after `SLOW_INDEX_SECONDS` (run as a
script by `test_project_index.py`): its worker sleeps before building."""

from __future__ import annotations

import sys
from pathlib import Path

from layerlint.cli import main
from layerlint.lsp import project_index

SLOW_INDEX_SECONDS = 5.0

if __name__ == "__main__":
    project_index.WORKER_COMMAND = [
        sys.executable, "-c",
        f"import time, sys; time.sleep({SLOW_INDEX_SECONDS}); "
        "from layerlint.lsp.index_worker import main; sys.exit(main())",
    ]
    sys.argv[0] = str(Path(__file__))
    sys.exit(main(["serve"]))
