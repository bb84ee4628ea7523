"""The model index: model classes of a block, their layer attributes, and what each layer
variable of functional-API code holds.

A class counts as a model class when a base resolves to a Keras `Layer`/`Model` or torch
`nn.Module` through the imports, or to another model class of the same file (resolved by the
engine). Layer attributes are collected from `__init__`, `build()` and the helper methods they
call, because Keras 3 libraries create most sublayers in `build()`. What a list attribute holds
(`self.blocks = blocks` after a loop that fills `blocks`, `self.blocks.append(...)`) comes from
the container scan shared with LL301 (`container_contents`).
"""

from __future__ import annotations

import ast
import weakref
from collections.abc import Container
from dataclasses import dataclass, field

from layerlint.analysis import catalog, frameworks, tree_memo
from layerlint.analysis.container_contents import ContainerScan
from layerlint.analysis.imports import ImportTable, qualified_name
from layerlint.analysis.shapes import constructor_channels
from layerlint.analysis.walk import walk
from layerlint.syntax.self_attributes import is_self, methods_reached

CONSTRUCTION_METHODS = ("__init__", "build")
FORWARD_METHODS = {"keras": ("call",), "tf_keras": ("call",), "torch": ("forward",)}
_SEQUENTIAL = {"Sequential", "ModuleList", "ModuleDict"}


@dataclass(frozen=True)
class LayerSpec:
    """What one construction expression builds."""

    kind: str
    """"builtin", "custom" (a model class of this file), "container" (Sequential, ModuleList),
    or "list" (a Python list/tuple of layers)."""
    class_name: str
    info: catalog.LayerInfo | None = None
    out_channels: int | None = None
    in_channels: int | None = None
    elements: tuple[LayerSpec, ...] = ()

    @property
    def label(self) -> str:
        return self.class_name


@dataclass(frozen=True)
class LayerDefinition:
    """An assignment that binds a layer to a name (`self.bn = BatchNormalization()`)."""

    name: str
    spec: LayerSpec
    statement: ast.stmt
    method: str | None
    simple: bool
    """True when the statement is a plain `target = Constructor(...)` that a fix can duplicate."""


@dataclass
class ClassModel:
    name: str
    node: ast.ClassDef
    framework: str | None
    """Set when a base resolves directly to a framework base class."""
    base_names: list[str]
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
    attributes: dict[str, list[LayerDefinition]] = field(default_factory=dict)
    other_attributes: set[str] = field(default_factory=set)
    """Every `self.<name>` assigned anywhere in the class, layers or not (for free names)."""
    reached: tuple[str, ...] | None = None
    """The methods `attributes` were collected from (`methods_reached` from `__init__` and
    `build`), where `build_class_model` made the model (`rebuilt_class_model`)."""


def construction_spec(
    node: ast.expr, imports: ImportTable, local_classes: Container[str], keras_version: str | None
) -> LayerSpec | None:
    """The layer built by `node`, if it is a layer construction (`local_classes`: the names of
    the module's classes, a set or a mapping keyed by them)."""
    if isinstance(node, (ast.List, ast.Tuple)):
        elements = tuple(
            spec
            for element in node.elts
            if (spec := construction_spec(element, imports, local_classes, keras_version))
        )
        return LayerSpec("list", "list", elements=elements) if elements else None
    if isinstance(node, ast.ListComp) and isinstance(node.elt, ast.Call):
        element = construction_spec(node.elt, imports, local_classes, keras_version)
        return LayerSpec("list", "list", elements=(element,)) if element else None
    if not isinstance(node, ast.Call):
        return None
    qualified = qualified_name(node.func, imports)
    if qualified is None:
        return None
    last = qualified.rsplit(".", 1)[-1]
    if qualified in local_classes:
        return LayerSpec("custom", qualified)
    info = frameworks.builtin_layer(qualified, keras_version)
    if info is None:
        return None
    if last in _SEQUENTIAL or info.container:
        elements = ()
        if node.args:
            inner = construction_spec(node.args[0], imports, local_classes, keras_version)
            if inner is not None and inner.kind == "list":
                elements = inner.elements
            elif inner is not None:
                elements = tuple(
                    spec
                    for arg in node.args
                    if (spec := construction_spec(arg, imports, local_classes, keras_version))
                )
        return LayerSpec("container", last, info=info, elements=elements)
    in_channels, out_channels = constructor_channels(info, node)
    return LayerSpec("builtin", last, info=info, out_channels=out_channels,
                     in_channels=in_channels)


def class_base_names(node: ast.ClassDef, imports: ImportTable) -> list[str]:
    return [name for base in node.bases if (name := qualified_name(base, imports))]


def build_class_model(
    node: ast.ClassDef, imports: ImportTable, local_classes: set[str], keras_version: str | None
) -> ClassModel:
    base_names = class_base_names(node, imports)
    framework = next(
        (fw for base in base_names if (fw := frameworks.model_base_framework(base))), None
    )
    methods = {
        item.name: item
        for item in node.body
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    model = ClassModel(node.name, node, framework, base_names, methods)
    model.reached = tuple(methods_reached(methods, CONSTRUCTION_METHODS, walk=walk))
    for method_name in model.reached:
        _collect_definitions(model, methods[method_name], imports, local_classes, keras_version)
    for method in methods.values():
        model.other_attributes.update(_self_stores(method))
    return model


def rebuilt_class_model(previous: ClassModel, node: ast.ClassDef) -> ClassModel | None:
    """`build_class_model(node, ...)` from the model of an earlier tree of the same class
    built with the same imports, local classes and Keras version, where the edit left what
    the layer attributes come from as it was: the same name and base nodes, the same method
    names in the same order, and the methods the attributes were collected from the same
    nodes (the rest of a method's tree is not read: a keystroke in `call()`). The other
    methods' assigned attributes are read again (each method's are remembered on its tree).
    None where the model must be built."""
    note = _note_of(previous, ())
    return None if note is None else _rebuilt(note, node)


@dataclass(frozen=True)
class _Note:
    """What `rebuilt_class_model` reads of a model, kept on its first construction method's
    tree (`remember_model`) without holding the class's tree: of its nodes, the base
    expressions, its attributes' statements and, weakly, the methods they came from."""

    inputs: tuple
    name: str
    bases: list[ast.expr]
    method_names: tuple[str, ...]
    reached: tuple[tuple[str, weakref.ref], ...]
    framework: str | None
    base_names: tuple[str, ...]
    attributes: dict[str, list[LayerDefinition]]


def _note_of(model: ClassModel, inputs: tuple) -> _Note | None:
    if model.reached is None:
        return None
    return _Note(inputs, model.name, list(model.node.bases), tuple(model.methods),
                 tuple((name, weakref.ref(model.methods[name])) for name in model.reached),
                 model.framework, tuple(model.base_names), model.attributes)


def _rebuilt(note: _Note, node: ast.ClassDef) -> ClassModel | None:
    if node.name != note.name or node.bases != note.bases:
        return None  # (`!=` on node lists compares the nodes by identity)
    methods = {item.name: item for item in node.body
               if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if tuple(methods) != note.method_names or any(
            methods[name] is not method() for name, method in note.reached):
        return None
    model = ClassModel(node.name, node, note.framework, list(note.base_names), methods,
                       {name: list(definitions) for name, definitions in note.attributes.items()},
                       reached=tuple(name for name, _ in note.reached))
    for method in methods.values():
        model.other_attributes.update(_self_stores(method))
    return model


_NOTE_KEY = "class model"


def remember_model(model: ClassModel, inputs: tuple) -> None:
    """Note what `model`, built for `inputs` (what the caller keys models on), says of its
    attributes on the first method they come from, so that a later tree of the class sharing
    that method's node rebuilds it (`remembered_model`), also once the model is gone (the
    last version that parsed, while the class was broken)."""
    if model.reached:
        tree_memo.memo(model.methods[model.reached[0]])[_NOTE_KEY] = _note_of(model, inputs)


def remembered_model(node: ast.ClassDef, inputs: tuple) -> ClassModel | None:
    """The model of `node` rebuilt from the last note (`remember_model`) on its first
    construction method for the same `inputs`, where the edit allows (`rebuilt_class_model`);
    None where there is none."""
    methods = {item.name: item for item in node.body
               if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
    anchor = next((methods[name] for name in CONSTRUCTION_METHODS if name in methods), None)
    if anchor is None:
        return None
    note = tree_memo.memo(anchor).get(_NOTE_KEY)
    if note is None or note.inputs != inputs:
        return None
    return _rebuilt(note, node)


def _self_stores(method: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    """The attributes a method assigns through `self` (`self.<name> = ...`), in walk order,
    remembered on its tree (`tree_memo`: the method's node is its unchanged text)."""
    memo = tree_memo.memo(method)
    stores = memo.get("self stores")
    if stores is None:
        stores = memo["self stores"] = tuple(
            child.attr for child in walk(method)  # the parser makes no subclasses of these
            if type(child) is ast.Attribute and type(child.ctx) is ast.Store
            and is_self(child.value))
    return stores


_DEFINING_TYPES = frozenset({ast.Assign, ast.AnnAssign, ast.Expr})
"""The statements `_collect_definitions` reads (an assignment, a `self.<name>.append(...)`)."""


def _collect_definitions(
    model: ClassModel,
    method: ast.FunctionDef | ast.AsyncFunctionDef,
    imports: ImportTable,
    local_classes: set[str],
    keras_version: str | None,
) -> None:
    scanned: ContainerScan[LayerSpec] | None = None

    def scan() -> ContainerScan[LayerSpec]:
        nonlocal scanned
        if scanned is None:
            scanned = ContainerScan(lambda element, _local: construction_spec(
                element, imports, local_classes, keras_version))
            scanned.scan(method)
        return scanned

    def local_list_bound(target: ast.expr) -> LayerSpec | None:
        """What `self.<name> = <local list>` binds: the layers the local holds once the method
        has run (filled before by a loop, or after, through the shared list)."""
        container = next((c for c in scan().bindings if c.target is target), None)
        if container is None or container.shape != "list" or not container.elements:
            return None
        return LayerSpec("list", "list", elements=tuple(spec for _, spec in container.elements))

    for statement in walk(method):
        if type(statement) not in _DEFINING_TYPES:  # the parser makes no subclasses
            continue
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if statement.value is None:
                continue
            spec = construction_spec(statement.value, imports, local_classes, keras_version)
            for target in targets:
                if isinstance(target, ast.Attribute) and is_self(target.value):
                    if spec is None and isinstance(statement.value, ast.Name):
                        spec = local_list_bound(target)
                    if spec is not None:
                        simple = len(targets) == 1 and spec.kind in ("builtin", "custom", "container")
                        model.attributes.setdefault(target.attr, []).append(
                            LayerDefinition(target.attr, spec, statement, method.name, simple)
                        )
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            appended = scan().attribute_appends.get(id(statement))  # self.<name>.append(<layer>)
            if appended is not None:
                attribute, _, element = appended
                list_spec = LayerSpec("list", "list", elements=(element,))
                model.attributes.setdefault(attribute, []).append(
                    LayerDefinition(attribute, list_spec, statement, method.name, False)
                )


def referenced_names(node: ast.AST) -> set[str]:
    """Plain names used by a class (bases, constructions), to key its cache on what it uses."""
    # The head of a dotted name (`layers` in `layers.Dense`) is a Name node of the same walk.
    name_type = ast.Name
    return {child.id for child in walk(node) if type(child) is name_type}
