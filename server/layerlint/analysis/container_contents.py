"""What a container attribute holds: which `self.<name>` attributes and local variables of a
class's construction code are bound to a list, tuple or dict, and what goes into each.

Written once for the model index (layer attributes kept in a list, `self.blocks = blocks`) and
LL301 (torch modules in a plain container). The caller says what an element is (`classify`);
the scan follows the statements in source order, so a loop that fills a local list comes before
the `self.blocks = blocks` after it. Followed: literals, comprehensions, `list()`/`tuple()`/
`dict()`, `append`/`extend`/`update`, `+=`, item assignment (`heads["a"] = ...`), local
variables bound to an element (`layer = nn.Linear(...)`, then `blocks.append(layer)`), and
aliasing (`self.blocks = blocks` shares one element list with the local).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar, cast

from layerlint.analysis.walk import walk
from layerlint.syntax.self_attributes import self_attribute

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
E = TypeVar("E")
Classify = Callable[[ast.expr, Callable[[str], E | None]], E | None]
"""What an element expression is (None: nothing the caller tracks); the second argument gives
what a local variable was bound to."""


@dataclass(frozen=True)
class DictKey:
    """One key put into a dict container: the key (None for `**other`), the node that used it
    (the statement, or the dict literal/comprehension) and the method it was written in."""

    key: ast.expr | None
    user: ast.AST
    method: FunctionNode


@dataclass
class Container(Generic[E]):
    """What one attribute (or local variable) holds as the construction code runs."""

    shape: Literal["list", "dict"]
    """"list" (list, tuple, comprehension, generator) or "dict"."""
    statement: ast.stmt
    """The statement that bound it."""
    target: ast.expr
    elements: list[tuple[ast.expr, E]] = field(default_factory=list)
    """Each element expression the caller classified, with its class, in the order added."""
    keys: list[DictKey] = field(default_factory=list)


_STATEMENT_TYPES = frozenset(ast.stmt.__subclasses__())
"""Every statement node type (each derives from `ast.stmt` directly)."""


def statements_in_order(function: FunctionNode) -> Iterator[ast.stmt]:
    """Every statement of the function body, nested ones included, in source order."""
    statement_types = _STATEMENT_TYPES  # the parser makes no subclasses of node types
    nodes = cast("list[ast.stmt]", [node for node in walk(function)
                                    if type(node) in statement_types and node is not function])
    yield from sorted(nodes, key=lambda node: (node.lineno, node.col_offset))


@dataclass
class ContainerScan(Generic[E]):
    """Follows construction methods statement by statement. `attributes` is what each
    attribute holds at the end; `bindings` lists every `self.<name> = <container>` statement
    with the container it binds (its elements are the final ones: later appends included);
    `attribute_appends` every `self.<name>.append(<element>)` statement, keyed by its id, with
    what it appends, whether or not the scan knows the attribute as a container (a base class
    may have created the list)."""

    classify: Classify[E]
    attributes: dict[str, Container[E]] = field(default_factory=dict)
    bindings: list[Container[E]] = field(default_factory=list)
    attribute_appends: dict[int, tuple[str, ast.expr, E]] = field(default_factory=dict)
    _method: FunctionNode | None = None
    _local_containers: dict[str, Container[E]] = field(default_factory=dict)
    _local_values: dict[str, E] = field(default_factory=dict)

    def scan(self, method: FunctionNode) -> None:
        """Follows one method; attributes carry over from the methods scanned before it."""
        self._method = method
        self._local_containers = {}
        self._local_values = {}
        for statement in statements_in_order(method):
            self._statement(statement)

    def element(self, node: ast.expr) -> E | None:
        return self.classify(node, self._local_values.get)

    def _statement(self, statement: ast.stmt) -> None:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                self._bind(target, statement, statement.value)
        elif isinstance(statement, ast.AugAssign) and isinstance(statement.op, ast.Add):
            container = self.container_of(statement.target)
            if container is not None:
                self._add_elements(container, statement.value)
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value
            if isinstance(call.func, ast.Attribute) and call.args:
                self._note_attribute_append(statement, call.func, call.args[0])
                container = self.container_of(call.func.value)
                operation = (container.shape, call.func.attr) if container else None
                if container is not None and operation == ("list", "append"):
                    self._add_element(container, call.args[0])
                elif container is not None and operation in (("list", "extend"), ("dict", "update")):
                    self._add_elements(container, call.args[0])

    def _note_attribute_append(self, statement: ast.stmt, method: ast.Attribute, element: ast.expr) -> None:
        attribute = self_attribute(method.value)
        if attribute is not None and method.attr == "append":
            kind = self.element(element)
            if kind is not None:
                self.attribute_appends[id(statement)] = (attribute, element, kind)

    def _bind(self, target: ast.expr, statement: ast.stmt, value: ast.expr) -> None:
        if isinstance(target, ast.Subscript):  # heads["a"] = nn.Linear(...)
            container = self.container_of(target.value)
            if container is not None and container.shape == "dict":
                self._add_key(container, target.slice, statement)
                self._add_element(container, value)
            return
        attribute = self_attribute(target)
        if attribute is not None:
            container = None
            if isinstance(value, ast.Name) and value.id in self._local_containers:
                local = self._local_containers[value.id]
                container = Container(local.shape, statement, target, local.elements, local.keys)
            else:
                container = self._new_container(value, statement, target)
            if container is not None:
                self.attributes[attribute] = container
                self.bindings.append(container)
            else:
                self.attributes.pop(attribute, None)  # rebound to something else
            return
        if isinstance(target, ast.Name):
            container = self._new_container(value, statement, target)
            self._local_containers.pop(target.id, None)
            self._local_values.pop(target.id, None)
            if container is not None:
                self._local_containers[target.id] = container
            elif (kind := self.element(value)) is not None:
                self._local_values[target.id] = kind

    def _new_container(self, value: ast.expr, statement: ast.stmt, target: ast.expr) -> Container[E] | None:
        """A container started by `value`: `[...]`, `(...)`, `{...}`, comprehensions,
        `list(...)`/`tuple(...)`/`dict(...)`."""
        container: Container[E]
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and (
            value.func.id in ("list", "tuple", "dict") and len(value.args) <= 1 and not value.keywords
        ):
            container = Container("dict" if value.func.id == "dict" else "list", statement, target)
            if value.args:
                self._add_elements(container, value.args[0])
            return container
        if isinstance(value, (ast.List, ast.Tuple, ast.ListComp, ast.GeneratorExp)):
            container = Container("list", statement, target)
        elif isinstance(value, (ast.Dict, ast.DictComp)):
            container = Container("dict", statement, target)
        else:
            return None
        self._add_elements(container, value)
        return container

    def _add_elements(self, container: Container[E], value: ast.expr) -> None:
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            for element in value.elts:
                self._add_element(container, element)
        elif isinstance(value, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            self._add_element(container, value.elt)
        elif isinstance(value, ast.Dict):
            for key, element in zip(value.keys, value.values):
                self._add_key(container, key, value)
                self._add_element(container, element)
        elif isinstance(value, ast.DictComp):
            self._add_key(container, value.key, value)
            self._add_element(container, value.value)

    def _add_key(self, container: Container[E], key: ast.expr | None, user: ast.AST) -> None:
        assert self._method is not None
        container.keys.append(DictKey(key, user, self._method))

    def _add_element(self, container: Container[E], element: ast.expr) -> None:
        kind = self.element(element)
        if kind is not None:
            container.elements.append((element, kind))

    def container_of(self, node: ast.expr) -> Container[E] | None:
        attribute = self_attribute(node)
        if attribute is not None:
            return self.attributes.get(attribute)
        if isinstance(node, ast.Name):
            return self._local_containers.get(node.id)
        return None
