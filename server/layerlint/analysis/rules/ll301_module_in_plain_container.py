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
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator

from layerlint.analysis import frameworks
from layerlint.analysis.container_contents import Container, ContainerScan
from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.imports import qualified_name
from layerlint.analysis.model_index import ClassModel
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.analysis.walk import walk
from layerlint.findings import Finding, Severity
from layerlint.fix_requests import WrapModuleContainer
from layerlint.syntax.self_attributes import is_self, methods_reached, self_attribute

CODE = "LL301"
NAME = "module-in-plain-container"
SEVERITY = Severity.ERROR

_CONTAINERS = {"Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"}
_REGISTERING_METHODS = {"add_module", "register_module", "register_parameter"}
_WRAPPERS = {("list", "module"): "ModuleList", ("dict", "module"): "ModuleDict",
             ("list", "parameter"): "ParameterList", ("dict", "parameter"): "ParameterDict"}


def check(facts: BlockFacts) -> Iterable[Finding]:
    for model in facts.classes:
        if facts.frameworks.get(model.name) == "torch":
            yield from _check_class(model, facts)


def _check_class(model: ClassModel, facts: BlockFacts) -> Iterator[Finding]:
    # `__init__` and the methods it calls through `self`, transitively.
    construction = methods_reached(model.methods, ("__init__",), walk=walk)
    methods = [model.methods[name] for name in construction]
    if not methods:
        return
    registered = _registered_elsewhere(methods, facts)
    for attribute, container in _plain_containers(methods, model, facts).items():
        kinds = _kinds(container)
        if attribute in registered or not kinds & {"module", "parameter"}:
            continue
        holds = "module" if "module" in kinds else "parameter"
        yield _finding(facts, model, attribute, container, holds)


# -- what a container holds ------------------------------------------------------------------
def _plain_containers(
    methods: list[ast.FunctionDef | ast.AsyncFunctionDef], model: ClassModel, facts: BlockFacts
) -> dict[str, Container[str]]:
    def element_kind(element: ast.expr, local: Callable[[str], str | None]) -> str | None:
        """"module", "parameter", "harmless" (registered anyway, or nothing to lose), or None."""
        if isinstance(element, ast.IfExp):
            kinds = {element_kind(arm, local) for arm in (element.body, element.orelse)}
            return next((k for k in ("module", "parameter", "harmless") if k in kinds), None)
        if isinstance(element, ast.Name):
            return local(element.id)
        if self_attribute(element) is not None:
            return "harmless"  # `self.conv` is registered by its own assignment
        return _constructed_kind(element, facts) if isinstance(element, ast.Call) else None

    scan = ContainerScan(element_kind)
    for method in methods:
        scan.scan(method)
    return scan.attributes


def _kinds(container: Container[str]) -> set[str]:
    return {kind for _, kind in container.elements}


def _element_names(container: Container[str], facts: BlockFacts) -> list[str]:
    names: list[str] = []
    for element, kind in container.elements:
        name = _constructor_name(element, facts)
        if name and kind != "harmless" and name not in names:
            names.append(name)
    return names


def _string_keys(container: Container[str]) -> bool:
    return all(
        key.key is not None and _key_type(key.key, key.method, key.user) == "str"
        for key in container.keys
    )


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
                isinstance(node.func, ast.Attribute) and is_self(node.func.value)
                and node.func.attr in _REGISTERING_METHODS
            ) or (isinstance(node.func, ast.Name) and node.func.id == "setattr" and node.args
                  and is_self(node.args[0]))
            if is_container or is_registering:
                for argument in walk(node):
                    attribute = self_attribute(argument)
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
                attribute = self_attribute(node)
                if attribute is not None:
                    sources.add(attribute)
    return sources


# -- the finding -----------------------------------------------------------------------------
def _finding(
    facts: BlockFacts, model: ClassModel, attribute: str, container: Container[str], holds: str
) -> Finding:
    wrapper = _WRAPPERS[(container.shape, holds)]
    kind_text = {"list": "list", "dict": "dict"}[container.shape]
    if isinstance(container.statement, (ast.Assign, ast.AnnAssign)) and isinstance(
        container.statement.value, ast.Tuple
    ):
        kind_text = "tuple"
    names = _element_names(container, facts)
    what = ", ".join(names[:3]) or ("modules" if holds == "module" else "parameters")
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
    fixes: tuple[WrapModuleContainer, ...] = ()
    if container.shape == "list" or _string_keys(container):
        fixes = (WrapModuleContainer(
            title=f"Wrap self.{attribute} in nn.{wrapper}", class_name=model.name,
            attribute=attribute, wrapper=wrapper, definition_line=container.statement.lineno,
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


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary=(
        "nn.Modules kept in a plain list/tuple/dict attribute: missing from parameters(), state_dict(),"
        " .to() and .eval()."
    ),
    fix_title="Wrap the container in nn.ModuleList / nn.ModuleDict (nn.ParameterList / ParameterDict).",
    fix_safety="unsafe",
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = [nn.Linear(4, 4) for _ in range(3)]  # LL301: not in parameters()

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x
""",
        fix=(
            "Wrap the container in `nn.ModuleList` / `nn.ModuleDict` (`nn.ParameterList` / "
            "`nn.ParameterDict` for parameters); iteration, indexing, `len`, `append` and item "
            "assignment keep working. No fix for dicts whose keys are not strings (ModuleDict raises "
            "`TypeError: module name should be a string`)."
        ),
        fix_safety=(
            "The wrapped modules join parameters() and state_dict(): optimizers now train them and "
            "checkpoint keys change."
        ),
        when_to_ignore=(
            "When keeping the modules out of `parameters()` and `state_dict()` is the point, such as a "
            "frozen teacher or an EMA copy kept in a list; modules passed in from outside "
            "(`self.teacher = [teacher]`) are already not reported."
        ),
    ),
)
