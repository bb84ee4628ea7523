"""The shared container scan: what each `self.<name>` list, tuple or dict holds once the
construction code has run, followed in source order."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable

from layerlint.analysis.container_contents import Container, ContainerScan


def _layer_name(element: ast.expr, local: Callable[[str], str | None]) -> str | None:
    """Elements are the called name (`Dense()` -> "Dense"); a local bound to one counts too."""
    if isinstance(element, ast.Name):
        return local(element.id)
    if isinstance(element, ast.Call) and isinstance(element.func, ast.Name):
        return element.func.id
    return None


def _scan(source: str) -> ContainerScan[str]:
    module = ast.parse(textwrap.dedent(source))
    scan = ContainerScan(_layer_name)
    for function in module.body:
        assert isinstance(function, ast.FunctionDef)
        scan.scan(function)
    return scan


def _held(container: Container[str]) -> list[str]:
    return [name for _, name in container.elements]


def test_a_local_list_filled_in_a_loop_then_assigned() -> None:
    scan = _scan("""
        def __init__(self):
            blocks = []
            for _ in range(3):
                blocks.append(BatchNormalization())
            self.blocks = blocks
    """)
    container = scan.attributes["blocks"]
    assert (container.shape, _held(container)) == ("list", ["BatchNormalization"])
    assert scan.bindings == [container]
    assert isinstance(container.statement, ast.Assign) and container.statement.lineno == 6


def test_the_attribute_shares_its_elements_with_the_local() -> None:
    scan = _scan("""
        def __init__(self):
            blocks = [Conv()]
            self.blocks = blocks
            blocks.append(Dense())
    """)
    assert _held(scan.attributes["blocks"]) == ["Conv", "Dense"]


def test_tuples_extend_add_assign_and_locals_bound_to_an_element() -> None:
    scan = _scan("""
        def __init__(self):
            layer = Dense()
            self.pair = (Conv(), layer)
            self.stack = list()
            self.stack.extend([Norm(), Drop()])
            self.stack += [Pool()]
            self.other = [1, 2]
    """)
    assert _held(scan.attributes["pair"]) == ["Conv", "Dense"]
    assert _held(scan.attributes["stack"]) == ["Norm", "Drop", "Pool"]
    assert _held(scan.attributes["other"]) == []


def test_dicts_record_their_keys_and_item_assignment() -> None:
    scan = _scan("""
        def __init__(self):
            self.heads = {"age": Dense()}
            self.heads["gender"] = Conv()
            self.heads.update({**extra})
    """)
    container = scan.attributes["heads"]
    assert (container.shape, _held(container)) == ("dict", ["Dense", "Conv"])
    keys = [key.key.value if isinstance(key.key, ast.Constant) else key.key for key in container.keys]
    assert keys == ["age", "gender", None]


def test_rebinding_to_something_else_forgets_the_container_and_methods_carry_over() -> None:
    scan = _scan("""
        def __init__(self):
            self.blocks = [Dense()]
            self.blocks = make_blocks()
            self.heads = []
            self._helper()

        def _helper(self):
            self.heads.append(Dense())
    """)
    assert "blocks" not in scan.attributes
    assert _held(scan.attributes["heads"]) == ["Dense"]


def test_appends_to_an_attribute_are_listed_even_when_its_container_is_unknown() -> None:
    scan = _scan("""
        def build(self, shape):
            self.blocks.append(Dense())
            self.blocks.append(helper())
            self.blocks.extend([Conv()])
    """)
    appends = sorted((attribute, name) for attribute, _, name in scan.attribute_appends.values())
    assert appends == [("blocks", "Dense"), ("blocks", "helper")]
    assert "blocks" not in scan.attributes  # a base class made the list: its contents are unknown
