"""The process that builds a project index for the language server (`lsp/project_index.py`).

    python -m layerlint.lsp.index_worker < request > index

The request (pickled, on stdin) is a folder and the indexes the server already has; the answer
(pickled, on stdout) is the index of that folder's project (`project_evidence.build_index`),
which reads again only the files whose modification time or size changed since one of them.
Reading and parsing the project happens here, in its own process, so that it neither holds the
server's interpreter lock while a keystroke is analysed nor leaves parsed trees in its memory;
it runs at a lower CPU priority, forgets each file's trees once read (its memory is that of the
largest file, not of the project) and exits when done.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from collections.abc import Sequence
from pathlib import Path

from layerlint.analysis.project_evidence import ProjectIndex, build_index, project_root

_NICENESS = 10
"""Lower CPU priority, as background indexers run (clangd's background index, for one)."""

Request = tuple[Path, Sequence[ProjectIndex]]
"""(folder of an analysed file, the indexes the server holds that may be its project's)."""


def answer(request: Request) -> ProjectIndex:
    folder, known = request
    root = project_root(folder / "__init__.py")  # the root of any file in that folder
    previous = next((index for index in known if index.root == root), None)
    return build_index(root, previous, keep_trees=False)


def main() -> int:
    with contextlib.suppress(OSError):  # a background job: the editor's keystrokes come first
        os.nice(_NICENESS)
    request: Request = pickle.load(sys.stdin.buffer)
    sys.stdout.buffer.write(pickle.dumps(answer(request), protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
