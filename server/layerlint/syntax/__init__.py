"""Python-syntax helpers below both `layerlint.analysis` and `layerlint.fixes`.

Stdlib only (`ast`, no libcst, no other layerlint package but `fix_requests`' data): the
analysis and the quick-fixes both read the same things from a module's syntax (what its imports
bind and how a name is spelled through them, which names a scope already uses, the
`self.<name>` attributes of a class), and each of those is written once, here. Nothing in this
package imports `layerlint.analysis` or `layerlint.fixes` (tests/test_import_direction.py).
"""
