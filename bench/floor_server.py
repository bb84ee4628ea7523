"""`layerlint serve` whose analysis finds nothing: the latency floor of the server itself.

Everything a keystroke costs outside the analysis is still there (reading and decoding the
message, applying the change, the LSP layer's conversion, writing `publishDiagnostics`); only
`analysis.analyse` returns no finding and no syntax problem without reading the text. Run beside
the real server (`python -m bench.latency --servers layerlint layerlint-floor ruff`), it says how
much of layerlint's edit-to-diagnostics time is the analysis and how much the server around it.

    python -m bench.floor_server    # speaks LSP on stdin/stdout, as `layerlint serve` does
"""

from __future__ import annotations

import sys

from layerlint import analysis
from layerlint.analysis import AnalysisResult
from layerlint.cli import main


def nothing_found(text: str, **_: object) -> AnalysisResult:
    """What `analysis.analyse` answers for a text in which it finds nothing."""
    return AnalysisResult()


def serve() -> int:
    analysis.analyse = nothing_found  # type: ignore[assignment]  # the LSP layer's only call
    return main(["serve"])


if __name__ == "__main__":
    sys.exit(serve())
