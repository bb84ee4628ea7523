"""Quick-fix "Set self.built = False at the end of X.__init__" (LL205).

Some Keras releases mark a built-in layer built inside its `__init__`, so a subclass's own
`build()` never runs. Resetting the flag after the base `__init__` makes Keras build the layer on
its first call, as every other layer:

    def __init__(self, **kwargs):                 def __init__(self, **kwargs):
        super().__init__(**kwargs)          ->        super().__init__(**kwargs)
                                                      self.built = False  # ...

A class without `__init__` gets one that forwards every argument. The statement goes last in
`__init__` (before a final bare `return`), the new method before the first method of the class.

`data`: class_name, definition_line (a line of the class in the module).
"""

from __future__ import annotations

import libcst as cst

from layerlint.fix_requests import ResetBuilt
from layerlint.fixes import FixError
from layerlint.fixes.class_rewrite import (
    method,
    parse_members,
    rewrite_class,
    statement_index_after_docstring,
)

RESET = "self.built = False  # the base layer sets built=True in __init__, which would skip build()\n"
NEW_INIT = f"""def __init__(self, *args, **kwargs):
    super().__init__(*args, **kwargs)
    {RESET}"""


def apply(source: str, request: ResetBuilt) -> str:
    return rewrite_class(source, request.class_name, _reset_built, request.definition_line)


def _reset_built(node: cst.ClassDef, first_line: int) -> cst.ClassDef:
    del first_line  # the class is found by name; no position inside it is needed
    if not isinstance(node.body, cst.IndentedBlock):
        raise FixError(f"class {node.name.value} is written on one line; give it a body first")
    members = list(node.body.body)
    index = method(members, "__init__")
    if index is not None:
        init = members[index]
        assert isinstance(init, cst.FunctionDef)
        members[index] = _append_reset(init)
    else:
        members = _insert_init(members)
    return node.with_changes(body=node.body.with_changes(body=members))


def _append_reset(init: cst.FunctionDef) -> cst.FunctionDef:
    if not isinstance(init.body, cst.IndentedBlock):
        raise FixError("__init__ is written on one line; give it a body first")
    statements = list(init.body.body)
    position = len(statements)
    last = statements[-1] if statements else None
    if isinstance(last, cst.SimpleStatementLine) and len(last.body) == 1 and isinstance(
        last.body[0], cst.Return
    ) and last.body[0].value is None:
        position -= 1
    statements.insert(position, cst.parse_statement(RESET))
    return init.with_changes(body=init.body.with_changes(body=statements))


def _insert_init(members: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    first_method = next(
        (i for i, member in enumerate(members) if isinstance(member, cst.FunctionDef)), None
    )
    position = first_method if first_method is not None else len(members)
    position = max(position, statement_index_after_docstring(members))
    (init,) = parse_members(NEW_INIT)
    assert isinstance(init, cst.FunctionDef)
    if position > 0:
        init = init.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    if position < len(members):
        following = members[position]
        if isinstance(following, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and not (
                following.leading_lines):  # keep a blank line between the methods
            members[position] = following.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    return [*members[:position], init, *members[position:]]
