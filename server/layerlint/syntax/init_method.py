"""A class's own `__init__`, its `super().__init__(...)` statement, and whether a generated
`get_config`/`from_config` fits the class (LL201/LL208 offer the fix only then, and the fix
checks again on the text it rewrites)."""

from __future__ import annotations

import ast


def own_init(class_node: ast.ClassDef) -> ast.FunctionDef | None:
    """The `__init__` defined in the class body itself, if any."""
    return next((item for item in class_node.body
                 if isinstance(item, ast.FunctionDef) and item.name == "__init__"), None)


def super_init_statement(init: ast.FunctionDef) -> ast.stmt | None:
    """The top-level `super().__init__(...)` statement of `__init__` (or `Base.__init__(self)`)."""
    for statement in init.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "__init__"):
            return statement
    return None


def config_fix_problem(class_node: ast.ClassDef) -> str | None:
    """Why the class cannot get a generated config, or None when it can."""
    init = own_init(class_node)
    if init is None:
        return "the class has no __init__ of its own"
    if any(isinstance(item, ast.FunctionDef) and item.name in ("get_config", "from_config")
           for item in class_node.body):
        return "the class already defines get_config or from_config"
    if init.args.vararg is not None or init.args.posonlyargs:
        return "__init__ takes *args or positional-only arguments, which a config cannot name"
    if not init.args.args:
        return "__init__ has no receiver argument"
    if super_init_statement(init) is None:
        return "__init__ has no `super().__init__(...)` statement to store arguments after"
    if class_node.body[0].lineno == class_node.lineno:
        return "the class body is on the `class` line"
    return None
