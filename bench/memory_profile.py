"""Resident memory of `analyse()` in one process, over the benchmark's edit sequences.

`python -m bench.memory_profile --lines 10000 [--inside]` writes the generated model file and
every text of the two workloads (`edit_script`, `document_script`) to a temporary folder (in a
child process, so that generating them does not grow this one), then analyses the file, the
typing texts and the document texts one after the other, as the server does, and prints the
VmRSS after each phase, with the memory of the imports for reference. The document's path is
in an empty folder (no other project file's evidence), or with `--inside` in `bench/out/` of
this repository (as the latency benchmark runs it: the project index then reads the repository).
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.process_memory import resident_kib

ROOT = Path(__file__).resolve().parents[1]

_WRITE_TEXTS = """
import sys
from pathlib import Path
from bench.document_script import plan_document_edits
from bench.edit_script import apply_edit, plan_typing
from bench.generate_models import generate_module
folder, lines, edits = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
text = generate_module(lines, 0).text
(folder / "open.py").write_text(text)
current = text
for index, edit in enumerate(plan_typing(text, edits)):
    current = apply_edit(current, edit)
    (folder / f"typing{index:03d}.py").write_text(current)
for index, step in enumerate(plan_document_edits(text, edits)):
    (folder / f"document{index:03d}.py").write_text(step.text)
"""


def _mib() -> float:
    return resident_kib(os.getpid()) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--edits", type=int, default=65)
    parser.add_argument("--inside", action="store_true",
                        help="analyse the file as bench/out/models_<lines>.py of this repository")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        texts = Path(scratch) / "texts"
        texts.mkdir()
        subprocess.run([sys.executable, "-c", _WRITE_TEXTS, str(texts), str(options.lines),
                        str(options.edits)], check=True, cwd=ROOT)
        path = (ROOT / "bench" / "out" / f"models_{options.lines}.py" if options.inside
                else Path(scratch) / "project" / f"models_{options.lines}.py")
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"start {_mib():.1f} MiB")
        import layerlint.lsp.server  # noqa: F401  (what the server imports)
        from layerlint.analysis.engine import analyse
        from layerlint.lsp.document_analysis import settle_memory

        print(f"imports (pygls, lsprotocol, layerlint.lsp.server) {_mib():.1f} MiB")
        analyse((texts / "open.py").read_text(), path=str(path))
        settle_memory()  # as the server does after a document's first analysis
        print(f"after opening the {options.lines}-line file {_mib():.1f} MiB")
        for workload in ("typing", "document"):
            for text_file in sorted(texts.glob(f"{workload}*.py")):
                analyse(text_file.read_text(), path=str(path))
            gc.collect()
            print(f"after the {workload} workload ({options.edits} edits) {_mib():.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
