"""The analysis core: text in, findings out. No pygls, no framework imports.

`analyse(text)` is the one entry point every surface uses (CLI, language server, pylsp
plugin). It is incremental by construction: results are cached per top-level block of the
module, so re-analysing after a keystroke re-parses only the block that changed.

The engine is imported on first use of these names (PEP 562), so that a process that needs
one submodule (the project index worker imports `project_evidence`) does not load the rules,
the catalog and the shape inference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from layerlint.analysis.engine import AnalysisResult, SyntaxProblem, analyse

__all__ = ["AnalysisResult", "SyntaxProblem", "analyse"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from layerlint.analysis import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
