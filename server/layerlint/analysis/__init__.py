"""The analysis core: text in, findings out. No pygls, no framework imports.

`analyse(text)` is the one entry point every surface uses (CLI, language server, pylsp
plugin). It is incremental by construction: results are cached per top-level block of the
module, so re-analysing after a keystroke re-parses only the block that changed.
"""

from layerlint.analysis.engine import AnalysisResult, SyntaxProblem, analyse

__all__ = ["AnalysisResult", "SyntaxProblem", "analyse"]
