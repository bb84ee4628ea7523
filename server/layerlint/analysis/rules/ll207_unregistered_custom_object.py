"""LL207 unregistered-custom-object: a custom class saved with a model but never registered.

A custom layer, model, loss or metric that a saved model needs is not registered for
serialization, and the code that loads the file does not pass it in `custom_objects`.

What goes wrong: a `.keras` (or `.h5`) file records each object by class name; to rebuild one,
`load_model` looks the name up in `custom_objects`, then in the registry filled by
`@keras.saving.register_keras_serializable()`. It never imports your module to find the class,
even when that module is importable. Measured with Keras 3.15.1 and tf-keras 2.21:
- a Sequential/functional model holding an unregistered custom layer: TypeError "<class
  'keras.src.models.sequential.Sequential'> could not be deserialized properly. Please ensure
  that components that are Python object instances (layers, models, etc.) returned by
  `get_config()` are explicitly deserialized in the model's `from_config()` method.";
- an unregistered subclassed model, loss or metric (compiled in): TypeError "Could not locate
  class 'Net'. Make sure custom classes and functions are decorated with
  `@keras.saving.register_keras_serializable()`." (`compile=False` skips the loss and metric,
  and leaves the model uncompiled);
- tf-keras: TypeError "Cannot deserialize object of type `Block`" (.keras) and ValueError
  "Unknown layer: 'Block'" (.h5);
- with the decorator, or `custom_objects={"Block": Block}`, or inside `custom_object_scope`,
  the model loads and predicts the same. Sublayers that a registered class creates in its own
  `__init__` need nothing: they are rebuilt by that `__init__`, not deserialized.

Reported where such an object enters a model that the same scope (function, method or the
module's top-level code) saves with `.save(...)` or `save_model(...)`: on the construction
of each unregistered custom class (a Keras Layer, Model, Loss, Metric, Optimizer, Initializer,
Regularizer or Constraint subclass of this module), unless `custom_objects` of a `load_model`
or a `custom_object_scope` in that scope names it. Error when that scope also loads the file
back with `load_model` (this program crashes), warning when it only saves (every later load
needs `custom_objects`). Not followed: models built by helper functions of other blocks, and
custom loss functions (plain `def`s), which need the decorator too.

Fix: decorate the class with `@keras.saving.register_keras_serializable()` (tf-keras:
`tf_keras.saving...`; for `tf.keras` spellings `tf.keras.utils.register_keras_serializable`, the
same function, since TensorFlow 2.21's `tf.keras` has no `saving`), adding `import keras` when
the module has no name for it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator

from layerlint.analysis.facts import BlockFacts, line_ref
from layerlint.analysis.frameworks import framework_of
from layerlint.analysis.imports import qualified_name
from layerlint.analysis.model_index import ClassModel
from layerlint.analysis.source import parse_block_text
from layerlint.analysis.walk import own_nodes, walk
from layerlint.findings import Finding, FixProposal, Related, Severity

CODE = "LL207"
NAME = "unregistered-custom-object"
SEVERITY = Severity.WARNING
SUMMARY = "A custom Keras class saved with a model but not registered: load_model() cannot rebuild it."
FIX = "Decorate the class with @keras.saving.register_keras_serializable()."

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef)
_KERAS_PREFIXES = ("tensorflow.python.keras.", "tensorflow.keras.", "tf_keras.", "keras.")
# Where Keras keeps the base classes whose subclasses a saved model records by name.
_SERIALIZED_MODULES = {"layers", "models", "losses", "metrics", "optimizers", "initializers",
                       "regularizers", "constraints"}
_SERIALIZED_BASES = {"Layer", "Model", "Sequential", "Loss", "Metric", "Optimizer",
                     "Initializer", "Regularizer", "Constraint"}
_FILE_EXTENSION = re.compile(r"\.[A-Za-z0-9]{2,6}$")
_MODEL_FILE = re.compile(r"\.(keras|h5|hdf5)$|^[^.]*$")
_SCOPE_FUNCTIONS = ("custom_object_scope", "CustomObjectScope")


def check(facts: BlockFacts) -> Iterable[Finding]:
    if not any(marker in facts.text for marker in (".save(", "save_model(")):
        return
    tree, _ = parse_block_text(facts.text)  # cached: the engine parsed this text already
    if tree is None:
        return
    for scope in _scopes(tree, facts):
        nodes = list(own_nodes(scope))
        saves = [node for node in nodes if isinstance(node, ast.Call) and _is_model_save(node, facts)]
        if not saves:
            continue
        loads = [node for node in nodes if isinstance(node, ast.Call) and _is_load_model(node, facts)]
        covered = _named_custom_objects(nodes, loads, facts)
        reloads = sorted((load for load in loads if load.lineno >= saves[0].lineno),
                         key=lambda node: node.lineno)
        if covered is None:
            continue  # custom objects given in a form this analysis cannot read
        reported: set[str] = set()
        for call in sorted((n for n in nodes if isinstance(n, ast.Call)),
                           key=lambda n: (n.lineno, n.col_offset)):
            name = qualified_name(call.func, facts.imports)
            model = facts.local_classes.get(name or "")
            if model is None or name in reported or name in covered:
                continue
            # Only a save that runs after the object is built can write it (a script that saves
            # one model and later builds another class does not save the second).
            later_saves = [save for save in saves if save.lineno >= call.lineno]
            if not later_saves:
                continue
            framework = serialized_framework(model, facts, set())
            if framework is None or is_registered(model, facts):
                continue
            reported.add(model.name)
            later_reloads = [load for load in reloads if load.lineno >= later_saves[0].lineno]
            yield _finding(facts, call, model, framework, later_saves[0], later_reloads)


def _scopes(tree: ast.Module, facts: BlockFacts) -> Iterator[ast.AST]:
    """Every function and method, and the module's own statements when these facts are the
    module program."""
    # The engine analyses top-level statements twice, block by block and once more as one
    # module program (which sees variables across statements); module-level code is read
    # from the program only, so each finding comes once.
    if facts.module_program:
        yield tree
    for statement in tree.body:
        if isinstance(statement, _SCOPES):
            yield statement
        elif isinstance(statement, ast.ClassDef):
            yield from (member for member in statement.body if isinstance(member, _SCOPES))




def _is_model_save(call: ast.Call, facts: BlockFacts) -> bool:
    """`model.save("m.keras")`, `self.model.save(path)`, `keras.models.save_model(m, path)`;
    not `np.save(...)`, `torch.save(...)` or `image.save("x.png")`."""
    qualified = qualified_name(call.func, facts.imports) or ""
    if qualified.endswith(".save_model") or qualified == "save_model":
        return framework_of(qualified) in ("keras", "tf_keras")
    if not isinstance(call.func, ast.Attribute) or call.func.attr != "save":
        return False
    receiver = call.func.value
    head = receiver
    while isinstance(head, ast.Attribute):
        head = head.value
    if isinstance(head, ast.Name) and head.id in facts.imports:
        return False  # a module's save function (numpy, torch, joblib), not a model's method
    path = call.args[0] if call.args else next(
        (keyword.value for keyword in call.keywords if keyword.arg == "filepath"), None)
    if isinstance(path, ast.Constant) and isinstance(path.value, str):
        return bool(_MODEL_FILE.search(path.value.rsplit("/", 1)[-1]))
    if path is None:
        return False
    # `img.save(os.path.join(out, f"img_{step}.png"))`: a file name in the expression that ends
    # in another extension says this is not a model being saved.
    endings = [
        node.value.rsplit("/", 1)[-1] for node in walk(path)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and _FILE_EXTENSION.search(node.value)
    ]
    return not endings or any(_MODEL_FILE.search(ending) for ending in endings)


def _is_load_model(call: ast.Call, facts: BlockFacts) -> bool:
    qualified = qualified_name(call.func, facts.imports) or ""
    return qualified.endswith("load_model") and framework_of(qualified) in ("keras", "tf_keras")


def _named_custom_objects(
    nodes: list[ast.AST], loads: list[ast.Call], facts: BlockFacts
) -> set[str] | None:
    """Class names given to `load_model(custom_objects=...)` or a `custom_object_scope` in the
    scope; None when one of them is not a literal dict (assume it names everything)."""
    names: set[str] = set()
    mappings = [kw.value for call in loads for kw in call.keywords if kw.arg == "custom_objects"]
    for node in nodes:
        if isinstance(node, ast.Call):
            qualified = qualified_name(node.func, facts.imports) or ""
            if qualified.rsplit(".", 1)[-1] in _SCOPE_FUNCTIONS:
                mappings.extend(node.args[:1])
    for mapping in mappings:
        if not isinstance(mapping, ast.Dict):
            return None
        for key, value in zip(mapping.keys, mapping.values):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.add(key.value)
            if isinstance(value, ast.Name):
                names.add(value.id)
    return names


def serialized_framework(model: ClassModel, facts: BlockFacts, seen: set[str]) -> str | None:
    """"keras" or "tf_keras" when a saved model records instances of this class by name."""
    framework = facts.frameworks.get(model.name)
    if framework in ("keras", "tf_keras"):
        return framework
    seen.add(model.name)
    for base in model.base_names:
        local = facts.local_classes.get(base)
        if local is not None:
            found = serialized_framework(local, facts, seen) if base not in seen else None
            if found:
                return found
            continue
        framework = framework_of(base)
        if framework not in ("keras", "tf_keras"):
            continue
        rest = next((base[len(p):] for p in _KERAS_PREFIXES if base.startswith(p)), "")
        parts = rest.split(".")
        if parts[0] in _SERIALIZED_MODULES or (len(parts) == 1 and parts[0] in _SERIALIZED_BASES):
            return framework
    return None


def is_registered(model: ClassModel, facts: BlockFacts) -> bool:
    for decorator in model.node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (qualified_name(target, facts.imports) or "").endswith("register_keras_serializable"):
            return True
    return False


def _finding(
    facts: BlockFacts, call: ast.Call, model: ClassModel, framework: str, save: ast.Call,
    loads: list[ast.Call],
) -> Finding:
    # Imported here, not at the top: layerlint.fixes imports layerlint.analysis, whose package
    # import loads every rule; a top-level import would close that circle.
    from layerlint.fixes.keras_registration import registration_decorator

    decorator = f"@{registration_decorator(facts.imports, framework)[0]}()"
    if framework == "tf_keras":
        failure = (f"fails with ValueError \"Unknown layer: '{model.name}'\" (HDF5) or TypeError "
                   f"\"Cannot deserialize object of type `{model.name}`\" (.keras)")
    elif is_plain_layer(model, facts, set()):
        failure = ("raises `TypeError: <class ...> could not be deserialized properly` for the "
                   "model that holds it")
    else:
        failure = f"raises `TypeError: Could not locate class '{model.name}'`"
    related = [Related(facts.span(save), f"the model holding {model.name} is saved here")]
    if loads:
        load = loads[0]
        related.append(Related(facts.span(load), f"load_model() here cannot rebuild {model.name}"))
        message = (
            f"{model.name} is saved with the model on line {line_ref(save.lineno)} but is not "
            f"registered for serialization, and load_model() on line {line_ref(load.lineno)} gets "
            f"no custom_objects for it: loading {failure}. Decorate {model.name} with {decorator}."
        )
        severity = Severity.ERROR
    else:
        message = (
            f"{model.name} is saved with the model on line {line_ref(save.lineno)} but is not "
            f"registered for serialization: load_model() cannot rebuild it from the file and "
            f"{failure} unless every load passes custom_objects={{'{model.name}': "
            f"{model.name}}}. Decorate {model.name} with {decorator}."
        )
        severity = SEVERITY
    fix = FixProposal(
        f"Register {model.name} with {decorator}", "register-serializable",
        {"class_name": model.name, "framework": framework},
    )
    return Finding(CODE, NAME, severity, facts.span(call), message, tuple(related), (fix,))


def is_plain_layer(model: ClassModel, facts: BlockFacts, seen: set[str]) -> bool:
    """A Layer subclass that is not a Model: it fails inside the model that holds it."""
    if facts.frameworks.get(model.name) is None:
        return False
    seen.add(model.name)
    for base in model.base_names:
        local = facts.local_classes.get(base)
        if local is not None:
            if base not in seen and not is_plain_layer(local, facts, seen):
                return False
        elif base.rsplit(".", 1)[-1] in ("Model", "Sequential", "Functional"):
            return False
    return True
