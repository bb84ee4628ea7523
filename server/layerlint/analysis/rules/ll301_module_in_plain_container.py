"""LL301 module-in-plain-container: nn.Modules kept in a plain list, tuple or dict attribute.

What goes wrong: `nn.Module.__setattr__` registers a submodule only when the value itself is a
Module (or a Parameter); a Python list, tuple or dict of modules is stored as an ordinary
attribute. Nothing fails: the forward pass runs, but everything that walks the registered
children skips those modules. Measured with torch 2.13 (CPU):
- `parameters()` and `state_dict()` leave them out (a model with three `nn.Linear(4, 4)` in a
  list and one registered head reports 5 parameters, not 65), so the optimizer never updates
  them (after `loss.backward(); opt.step()` their weights are unchanged, although they have
  gradients) and a checkpoint never saves them;
- `.to(torch.float64)` (or a device) moves the registered layers only; the next forward pass
  fails with `RuntimeError: mat1 and mat2 must have the same dtype, but got Double and Float`;
- `.eval()` does not reach them: a Dropout in a list keeps `training=True` and stays random.
The same holds for `nn.Parameter`s in a plain list or dict (`nn.ParameterList`/`ParameterDict`).

Reported: an attribute of a torch module that `__init__` (or a helper it calls) binds to a
list, tuple, dict, list comprehension or a local list/dict, built literally or by `append`/
`extend`/item assignment, holding modules or parameters constructed there. Silent: containers
of stateless layers without randomness (a list of `nn.ReLU()` loses nothing), of modules that are
registered anyway (`self.conv` attributes, or the list handed to `nn.Sequential(*self.layers)`
or `add_module`), and of objects passed in from outside (keeping a teacher model out of
`parameters()` with `self.teacher = [teacher]` is a known deliberate idiom).

Fix: wrap the container in `nn.ModuleList` / `nn.ModuleDict` (`nn.ParameterList` /
`nn.ParameterDict` for parameters); iteration, indexing, `len`, `append` and item assignment keep
working. No fix for dicts whose keys are not strings (ModuleDict raises `TypeError: module name
should be a string`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from layerlint.analysis import frameworks
from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.imports import qualified_name
from layerlint.analysis.model_index import ClassModel
from layerlint.analysis.walk import walk
from layerlint.findings import Finding, FixProposal, Severity

CODE = "LL301"
NAME = "module-in-plain-container"
SEVERITY = Severity.ERROR
SUMMARY = (
    "nn.Modules kept in a plain list/tuple/dict attribute: missing from parameters(), "
    "state_dict(), .to() and .eval()."
)
FIX = "Wrap the container in nn.ModuleList / nn.ModuleDict (nn.ParameterList / ParameterDict)."

_CONTAINERS = {"Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"}
_REGISTERING_METHODS = {"add_module", "register_module", "register_parameter"}
_WRAPPERS = {("list", "module"): "ModuleList", ("dict", "module"): "ModuleDict",
             ("list", "parameter"): "ParameterList", ("dict", "parameter"): "ParameterDict"}


@dataclass
class _Container:
    """What one attribute (or local variable) holds as the class's construction code runs."""

    shape: str
    """"list" (list, tuple, comprehension) or "dict"."""
    statement: ast.stmt
    target: ast.expr
    kinds: set[str] = field(default_factory=set)
    """"module", "parameter", "harmless" for each element seen."""
    element_names: list[str] = field(default_factory=list)
    string_keys: bool = True


def check(facts: BlockFacts) -> Iterable[Finding]:
    for model in facts.classes:
        if facts.frameworks.get(model.name) == "torch":
            yield from _check_class(model, facts)


def _check_class(model: ClassModel, facts: BlockFacts) -> Iterator[Finding]:
    methods = [model.methods[name] for name in _construction_methods(model)]
    if not methods:
        return
    registered = _registered_elsewhere(methods, facts)
    for attribute, container in _plain_containers(methods, model, facts).items():
        if attribute in registered or not container.kinds & {"module", "parameter"}:
            continue
        holds = "module" if "module" in container.kinds else "parameter"
        yield _finding(facts, model, attribute, container, holds)


def _construction_methods(model: ClassModel) -> list[str]:
    """`__init__` and the methods it calls through `self`, transitively."""
    if "__init__" not in model.methods:
        return []
    order = ["__init__"]
    for name in order:
        for node in walk(model.methods[name]):
            if (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and _is_self(node.func.value) and node.func.attr in model.methods
                and node.func.attr not in order
            ):
                order.append(node.func.attr)
    return order


# -- what a container holds ------------------------------------------------------------------
def _plain_containers(
    methods: list[ast.FunctionDef | ast.AsyncFunctionDef], model: ClassModel, facts: BlockFacts
) -> dict[str, _Container]:
    attributes: dict[str, _Container] = {}
    for method in methods:
        scan = _MethodScan(facts, method, attributes)
        for statement in _statements_in_order(method):
            scan.statement(statement)
    return attributes


def _statements_in_order(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.stmt]:
    """Every statement of the function body, nested ones included, in source order."""
    nodes = [node for node in walk(function) if isinstance(node, ast.stmt) and node is not function]
    yield from sorted(nodes, key=lambda node: (node.lineno, node.col_offset))


@dataclass
class _MethodScan:
    """Follows one construction method statement by statement: which attributes and local
    variables hold containers, and which local variables hold a module."""

    facts: BlockFacts
    method: ast.FunctionDef | ast.AsyncFunctionDef
    attributes: dict[str, _Container]
    local_lists: dict[str, _Container] = field(default_factory=dict)
    local_modules: dict[str, str] = field(default_factory=dict)

    def statement(self, statement: ast.stmt) -> None:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                self.bind(target, statement, statement.value)
        elif isinstance(statement, ast.AugAssign) and isinstance(statement.op, ast.Add):
            container = self.container_of(statement.target)
            if container is not None:
                self.add_elements(container, statement.value)
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value
            if isinstance(call.func, ast.Attribute) and call.args:
                container = self.container_of(call.func.value)
                operation = (container.shape, call.func.attr) if container else None
                if container is not None and operation == ("list", "append"):
                    self.add_element(container, call.args[0])
                elif container is not None and operation in (("list", "extend"), ("dict", "update")):
                    self.add_elements(container, call.args[0])

    def bind(self, target: ast.expr, statement: ast.stmt, value: ast.expr) -> None:
        if isinstance(target, ast.Subscript):  # heads["a"] = nn.Linear(...)
            container = self.container_of(target.value)
            if container is not None and container.shape == "dict":
                container.string_keys &= _key_type(target.slice, self.method, statement) == "str"
                self.add_element(container, value)
            return
        attribute = _self_attribute(target)
        if attribute is not None:
            if isinstance(value, ast.Name) and value.id in self.local_lists:
                local = self.local_lists[value.id]
                self.attributes[attribute] = _Container(
                    local.shape, statement, target, local.kinds, local.element_names,
                    local.string_keys)
                return
            container = self.new_container(value, statement, target)
            if container is not None:
                self.attributes[attribute] = container
            else:
                self.attributes.pop(attribute, None)  # rebound to something else
            return
        if isinstance(target, ast.Name):
            container = self.new_container(value, statement, target)
            self.local_lists.pop(target.id, None)
            self.local_modules.pop(target.id, None)
            if container is not None:
                self.local_lists[target.id] = container
            elif (kind := self.element_kind(value)) is not None:
                self.local_modules[target.id] = kind

    def new_container(self, value: ast.expr, statement: ast.stmt, target: ast.expr) -> _Container | None:
        """A container started by `value`: `[...]`, `(...)`, `{...}`, comprehensions,
        `list(...)`/`tuple(...)`/`dict(...)`."""
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and (
            value.func.id in ("list", "tuple", "dict") and len(value.args) <= 1 and not value.keywords
        ):
            container = _Container("dict" if value.func.id == "dict" else "list", statement, target)
            if value.args:
                self.add_elements(container, value.args[0])
            return container
        if isinstance(value, (ast.List, ast.Tuple, ast.ListComp, ast.GeneratorExp)):
            container = _Container("list", statement, target)
        elif isinstance(value, (ast.Dict, ast.DictComp)):
            container = _Container("dict", statement, target)
        else:
            return None
        self.add_elements(container, value)
        return container

    def add_elements(self, container: _Container, value: ast.expr) -> None:
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            for element in value.elts:
                self.add_element(container, element)
        elif isinstance(value, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            self.add_element(container, value.elt)
        elif isinstance(value, ast.Dict):
            for key, element in zip(value.keys, value.values):
                container.string_keys &= key is not None and _key_type(key, self.method, value) == "str"
                self.add_element(container, element)
        elif isinstance(value, ast.DictComp):
            container.string_keys &= _key_type(value.key, self.method, value) == "str"
            self.add_element(container, value.value)

    def add_element(self, container: _Container, element: ast.expr) -> None:
        kind = self.element_kind(element)
        if kind is not None:
            container.kinds.add(kind)
            name = _constructor_name(element, self.facts)
            if name and kind != "harmless" and name not in container.element_names:
                container.element_names.append(name)

    def element_kind(self, element: ast.expr) -> str | None:
        """"module", "parameter", "harmless" (registered anyway, or nothing to lose), or None."""
        if isinstance(element, ast.IfExp):
            kinds = {self.element_kind(arm) for arm in (element.body, element.orelse)}
            return next((k for k in ("module", "parameter", "harmless") if k in kinds), None)
        if isinstance(element, ast.Name):
            return self.local_modules.get(element.id)
        if _self_attribute(element) is not None:
            return "harmless"  # `self.conv` is registered by its own assignment
        return _constructed_kind(element, self.facts) if isinstance(element, ast.Call) else None

    def container_of(self, node: ast.expr) -> _Container | None:
        attribute = _self_attribute(node)
        if attribute is not None:
            return self.attributes.get(attribute)
        if isinstance(node, ast.Name):
            return self.local_lists.get(node.id)
        return None


def _constructed_kind(call: ast.Call, facts: BlockFacts) -> str | None:
    qualified = qualified_name(call.func, facts.imports)
    if qualified is None:
        return None
    if qualified in ("torch.nn.Parameter", "torch.nn.parameter.Parameter"):
        return "parameter"
    if facts.frameworks.get(qualified) == "torch" and qualified in facts.local_classes:
        return "module"
    if frameworks.framework_of(qualified) != "torch" or not qualified.startswith("torch.nn."):
        return None
    name = qualified.rsplit(".", 1)[-1]
    info = frameworks.builtin_layer(qualified)
    if info is None:
        # A torch.nn class the catalog does not list (newer torch): a module all the same.
        return "module" if name[:1].isupper() and name not in ("Parameter", "Buffer") else None
    if info.stateless and not info.random and not info.container:
        return "harmless"  # a list of ReLUs loses no parameters, buffers or train/eval state
    return "module"


def _constructor_name(element: ast.expr, facts: BlockFacts) -> str | None:
    if isinstance(element, ast.Call):
        qualified = qualified_name(element.func, facts.imports)
        return qualified.rsplit(".", 1)[-1] if qualified else None
    return None


def _registered_elsewhere(
    methods: list[ast.FunctionDef | ast.AsyncFunctionDef], facts: BlockFacts
) -> set[str]:
    """Attributes whose elements are registered anyway: handed to a torch container
    (`nn.Sequential(*self.layers)`) or to `add_module`/`register_module`/`setattr(self, ...)`,
    directly or in a loop over the attribute."""
    registered: set[str] = set()
    for method in methods:
        for node in walk(method):
            if not isinstance(node, ast.Call):
                continue
            qualified = qualified_name(node.func, facts.imports) or ""
            is_container = (
                frameworks.framework_of(qualified) == "torch"
                and qualified.rsplit(".", 1)[-1] in _CONTAINERS
            )
            is_registering = (
                isinstance(node.func, ast.Attribute) and _is_self(node.func.value)
                and node.func.attr in _REGISTERING_METHODS
            ) or (isinstance(node.func, ast.Name) and node.func.id == "setattr" and node.args
                  and _is_self(node.args[0]))
            if is_container or is_registering:
                for argument in walk(node):
                    attribute = _self_attribute(argument)
                    if attribute is not None:
                        registered.add(attribute)
                if is_registering:
                    registered.update(_loop_sources(method, node))
    return registered


def _loop_sources(method: ast.AST, call: ast.Call) -> set[str]:
    """`self.layers` for `for i, layer in enumerate(self.layers): self.add_module(...)`."""
    sources: set[str] = set()
    for loop in walk(method):
        if isinstance(loop, (ast.For, ast.AsyncFor)) and any(node is call for node in walk(loop)):
            for node in walk(loop.iter):
                attribute = _self_attribute(node)
                if attribute is not None:
                    sources.add(attribute)
    return sources


# -- the finding -----------------------------------------------------------------------------
def _finding(
    facts: BlockFacts, model: ClassModel, attribute: str, container: _Container, holds: str
) -> Finding:
    wrapper = _WRAPPERS[(container.shape, holds)]
    kind_text = {"list": "list", "dict": "dict"}[container.shape]
    if isinstance(container.statement, (ast.Assign, ast.AnnAssign)) and isinstance(
        container.statement.value, ast.Tuple
    ):
        kind_text = "tuple"
    what = ", ".join(container.element_names[:3]) or ("modules" if holds == "module" else "parameters")
    lost = (
        "parameters(), state_dict(), .to(device) and .train()/.eval() skip them: the optimizer "
        "never updates them, checkpoints do not save them, and after model.to(...) the forward "
        "pass mixes devices or dtypes"
        if holds == "module" else
        "parameters() and state_dict() skip them: the optimizer never updates them and "
        "checkpoints do not save them"
    )
    message = (
        f"self.{attribute} keeps {what} in a plain {kind_text}, so PyTorch does not register "
        f"them as part of {model.name}: {lost}. Use nn.{wrapper}."
    )
    fixes: tuple[FixProposal, ...] = ()
    if container.shape == "list" or container.string_keys:
        fixes = (FixProposal(
            title=f"Wrap self.{attribute} in nn.{wrapper}",
            kind="wrap-module-container",
            data={"class_name": model.name, "attribute": attribute, "wrapper": wrapper,
                  "definition_line": container.statement.lineno},
        ),)
    return Finding(CODE, NAME, SEVERITY, facts.span(container.target), message, fixes=fixes)


def _key_type(key: ast.expr, scope: ast.AST, user: ast.AST) -> str:
    """"str", "other" or "unknown": the type of a dict key, following a loop variable to the
    literal it iterates over (`for task in ("age", "gender")`, or a parameter's default)."""
    if isinstance(key, ast.JoinedStr) or (
        isinstance(key, ast.Call) and isinstance(key.func, ast.Name) and key.func.id == "str"
    ):
        return "str"
    if isinstance(key, ast.Constant):
        return "str" if isinstance(key.value, str) else "other"
    if not isinstance(key, ast.Name):
        return "unknown"
    iterable = _iterable_binding(key.id, scope, user)
    if isinstance(iterable, ast.Name):
        iterable = _parameter_default(iterable.id, scope)
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and (
        iterable.func.id == "range"
    ):
        return "other"
    if isinstance(iterable, (ast.Tuple, ast.List, ast.Set)) and iterable.elts:
        types = {_key_type(element, scope, user) for element in iterable.elts}
        return types.pop() if len(types) == 1 else "unknown"
    return "unknown"


def _iterable_binding(name: str, scope: ast.AST, user: ast.AST) -> ast.expr | None:
    """What `name` iterates over in the comprehension or for loop around `user`."""
    loops = [
        node for node in walk(scope)
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension))
        and isinstance(node.target, ast.Name) and node.target.id == name
    ]
    enclosing = [
        loop for loop in loops
        if isinstance(loop, ast.comprehension) or any(node is user for node in walk(loop))
    ]
    return enclosing[-1].iter if enclosing else None


def _parameter_default(name: str, scope: ast.AST) -> ast.expr | None:
    functions = [node for node in walk(scope) if isinstance(node, (ast.FunctionDef,
                                                                       ast.AsyncFunctionDef))]
    for function in functions:
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults = dict(zip([a.arg for a in positional[len(positional) - len(arguments.defaults):]],
                            arguments.defaults))
        defaults.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d})
        if name in defaults:
            return defaults[name]
    return None


def _self_attribute(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute) and _is_self(node.value):
        return node.attr
    return None


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"
