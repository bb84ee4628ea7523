"""Moved to `layerlint.fixes.import_names`, the one module for spelling names through imports.

Kept only because the LL201 and LL204 rule modules still import these two names from here;
delete this file once they import them from `import_names`.
"""

from __future__ import annotations

from layerlint.fixes.import_names import saving_namespace, tensorflow_name

__all__ = ["saving_namespace", "tensorflow_name"]
