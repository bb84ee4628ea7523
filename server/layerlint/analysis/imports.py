"""The analysis' name for `layerlint.syntax.imports` (import table, dotted and qualified names).

Written once in the syntax layer, which the fixes use too; kept importable here because most
analysis modules read imports through this name.
"""

from layerlint.syntax.imports import ImportTable, collect_imports, dotted_name, qualified_name

__all__ = ["ImportTable", "collect_imports", "dotted_name", "qualified_name"]
