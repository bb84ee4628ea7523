"""LL207 unregistered-custom-object: a custom class saved with a model but never registered.

A custom layer, model, loss or metric (or a loss function given to `compile`) that a saved model
holds is not registered for serialization, and the code that loads the file does not pass it in
`custom_objects`.

What goes wrong: a `.keras` (or `.h5`) file records each object by class name and module; to
rebuild one, `load_model` looks the name up in `custom_objects`, then in the registry filled by
`@keras.saving.register_keras_serializable()`. Keras 3 imports the recorded module only for
classes of the `keras`, `keras_hub`, `keras_cv` and `keras_nlp` packages; tf-keras imports any
recorded module that can be imported, so in a `.keras` file a tf-keras Model subclass defined in
an importable module (not the `__main__` script) loads back without registration, while a layer
inside a Sequential or functional model still fails. Measured with Keras 3.15.1 and tf-keras
2.21:
- a Sequential/functional model holding an unregistered custom layer: TypeError "<class
  'keras.src.models.sequential.Sequential'> could not be deserialized properly. Please ensure
  that components that are Python object instances (layers, models, etc.) returned by
  `get_config()` are explicitly deserialized in the model's `from_config()` method.";
- an unregistered subclassed model, loss or metric (compiled in): TypeError "Could not locate
  class 'Net'. Make sure custom classes and functions are decorated with
  `@keras.saving.register_keras_serializable()`."; a loss function: "Could not locate function
  'my_loss'" (tf-keras .h5: "Unknown loss function: 'my_loss'"). `compile=False` skips losses
  and metrics, and leaves the model uncompiled;
- tf-keras: TypeError "Cannot deserialize object of type `Block`" (.keras) and ValueError
  "Unknown layer: 'Block'" (.h5);
- with the decorator, or `custom_objects={"Block": Block}`, or inside `custom_object_scope`,
  the model loads and predicts the same. Sublayers that a registered class creates in its own
  `__init__` need nothing: they are rebuilt by that `__init__`, not deserialized.
A SavedModel directory (`save("dir")` or `save_format="tf"` in Keras 2), `tf.saved_model.save`,
`export()`, `tf.train.Checkpoint(...).save` and weights-only saves record no class names, and
`tf.saved_model.load` needs none.

Reported on the first construction of each unregistered custom class (a Keras Layer, Model,
Loss, Metric, Optimizer, Initializer, Regularizer or Constraint subclass of this module; on the
class itself when only another project file builds it) and on each unregistered loss function,
when a model it flows into (`save_evidence`: rebinding and helper functions followed) is saved
to a Keras file. Error when that file is loaded back with `load_model` (same path expression or
file name) without `custom_objects` naming it: this program crashes. Information otherwise
(every later load needs `custom_objects`), also when the file format cannot be read from the
code. Not reported: saves inside `assertRaises`/`pytest.raises` blocks, classes inside the
keras, keras_hub, keras_cv and keras_nlp packages (Keras imports their modules).

A loss made by a factory (`loss=create_huber(2.0)`, where `create_huber` defines and returns
`huber_fn`) is recorded by the inner function's own name: `Could not locate function
'huber_fn'` (Keras 3.15.1 and tf-keras 2.21 alike), and `custom_objects={"create_huber": ...}`
does not help. It is reported on the inner function, without a quick-fix: registering the
factory registers the wrong function, and the load must pass
`custom_objects={"huber_fn": create_huber(2.0)}` with the arguments the model was compiled with.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from layerlint.analysis.deferred_evidence import DeferredEvidence
from layerlint.analysis.facts import BlockFacts, line_ref
from layerlint.analysis.frameworks import framework_of
from layerlint.analysis.imports import qualified_name
from layerlint.analysis.keras_class import is_plain_layer
from layerlint.analysis.model_index import ClassModel
from layerlint.analysis.recent_answers import recent_answer
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.analysis.save_evidence import Use, elsewhere, same_file, use_span
from layerlint.analysis.source import parse_block_text
from layerlint.findings import Finding, Related, Severity, Span
from layerlint.fix_requests import RegisterSerializable
from layerlint.syntax.keras_registration import registration_decorator

CODE = "LL207"
NAME = "unregistered-custom-object"
SEVERITY = Severity.ERROR

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_KERAS_PREFIXES = ("tensorflow.python.keras.", "tensorflow.keras.", "tf_keras.", "keras.")
# Where Keras keeps the base classes whose subclasses a saved model records by name.
_SERIALIZED_MODULES = {"layers", "models", "losses", "metrics", "optimizers", "initializers",
                       "regularizers", "constraints"}
_SERIALIZED_BASES = {"Layer", "Model", "Sequential", "Loss", "Metric", "Optimizer",
                     "Initializer", "Regularizer", "Constraint"}
_COMPILED_BASES = ("Loss", "Metric")
_KERAS_PACKAGES = {"keras", "keras_hub", "keras_cv", "keras_nlp"}
_SAVES = ("save", "checkpoint")
_SAVE_WORDS = ("save", "Checkpoint")
"""What a module's text holds when one of its uses is a save (`.save(`, `save_model(`) or a
checkpoint (a `ModelCheckpoint` given to `fit`)."""


def check(facts: BlockFacts) -> Iterable[Finding]:
    # The package test first: a check builds the evidence only when a rule reads it.
    if _inside_keras_package(facts.path):
        return
    if isinstance(facts.evidence, DeferredEvidence) and not facts.evidence.ready \
            and not _could_report(facts, facts.evidence):
        return  # a check, evidence not built yet: built only where a finding is possible
    if not facts.evidence.uses:
        return
    tree, _ = parse_block_text(facts.text)  # cached: the engine parsed this text already
    if tree is None:
        return
    for key, framework, compiled_only in _candidates(facts, tree):
        saves = _saves_of(facts, key)
        if not saves:
            continue
        factory, _, inner = key.rpartition("/")
        name = inner  # what the saved file records: a factory's function by its own name
        span = _site(facts, tree, key)
        if span is None:
            continue
        if _given_at_reload(facts, name, saves):
            continue  # the code that loads the file names it in custom_objects
        model = facts.local_classes.get(name) if not factory else None
        reloads = _failing_reloads(facts, name, saves, compiled_only, model)
        yield _finding(facts, span, name, framework, saves, reloads, factory)


def _could_report(facts: BlockFacts, evidence: DeferredEvidence) -> bool:
    """Whether these facts could hold a finding, asked without building the evidence. A loss
    function needs a function of the block, a `compile(...)` that holds it and a save in the
    module (a model holds a function only through this module's own compile calls, or by the
    name of a class it shares); a class needs to be unregistered, recorded by a saved model
    and named in the block (its site, the first construction `Name(...)` or else its
    definition, is in the block that reports it). Reads every class's model: only a check
    asks, whose blocks keep no trace of what they read (`class_reads`)."""
    tree, _ = parse_block_text(facts.text)
    if tree is None:
        return True
    functions = [node.name for node in tree.body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if functions and (
            any(name in facts.local_classes for name in functions)  # a class's name: held as one
            or (evidence.module_mentions(("compile",)) and evidence.module_mentions(_SAVE_WORDS))):
        return True
    return any(
        "." not in name and name in facts.text
        and serialized_framework(model, facts, set()) is not None
        and not is_registered(model.node, facts)
        for name, model in facts.local_classes.items())


def _saves_of(facts: BlockFacts, name: str) -> list[Use]:
    """The saves (and checkpoints) of a class that are not expected to fail."""
    return [use for use in facts.evidence.of(name, _SAVES) if not use.expected_to_fail]


def _given_at_reload(facts: BlockFacts, name: str, saves: list[Use]) -> bool:
    """The module names the class in a custom_object_scope, or a reload of the saved file
    names it in custom_objects: the code knows the file needs it."""
    given = facts.evidence.given
    if given is None or name in given:
        return True
    return any(
        reload.where == save.where and same_file(save, reload)
        and (reload.covered is None or name in reload.covered)
        for save in saves for reload in facts.evidence.reloads
    )


def _candidates(facts: BlockFacts, tree: ast.Module) -> Iterable[tuple[str, str, bool]]:
    """(key, framework, only rebuilt when compiled) of the unregistered classes and loss
    functions this module defines (a function a factory returns: `factory/inner`)."""
    # Names first: only a saved class's model is read, so a block's cached findings do not
    # depend on every class of the module (`class_reads`).
    for name in facts.local_classes:
        if "." in name or not _saves_of(facts, name):
            continue  # a class of another workspace file, or one nothing saves
        model = facts.local_classes[name]
        framework = serialized_framework(model, facts, set())
        if framework is not None and not is_registered(model.node, facts):
            yield name, framework, _is_compiled_object(model, facts, set())
    functions = _loss_functions(facts)
    if functions:
        framework = "tf_keras" if "tf_keras" in facts.imports.values() and not any(
            framework_of(q) == "keras" for q in facts.imports.values()) else "keras"
        for name, node in functions.items():
            if not is_registered(node, facts):
                yield name, framework, True


def _loss_functions(facts: BlockFacts) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Functions that a saved model holds, by key: module functions given to compile() as a
    loss or metric, and functions a module function defines and returns, where compile() got
    a call of that factory (`create_huber/huber_fn`: `loss=create_huber(2.0)`)."""
    held = {key for use in facts.evidence.uses for key in use.held}
    program, _ = parse_block_text(facts.text)
    # a block sees only its own functions (the module program sees none): that is where their
    # findings go
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for node in program.body if program else ():
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if node.name in held:
            found[node.name] = node
        for inner in node.body:
            if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and f"{node.name}/{inner.name}" in held:
                found[f"{node.name}/{inner.name}"] = inner
    return found


def _site(facts: BlockFacts, tree: ast.Module, name: str) -> Span | None:
    """Where the finding about `name` goes, when that place is in these facts: its first
    construction in the module, else its definition (a class built only in other files, a
    loss function)."""
    constructions = facts.evidence.constructions.get(name, ())
    model = facts.local_classes.get(name)
    if constructions and model is not None:
        line, column, end_line, end_column = constructions[0]
        relative = line - facts.line_offset
        if not 0 < relative <= len(facts.lines) or not facts.lines[relative - 1].strip():
            return None
        if _in_definition(tree, relative) == facts.module_program:
            return None  # module-level code is reported from the module program only
        return Span(relative, column + 1, end_line - facts.line_offset, end_column + 1)
    if facts.module_program:
        return None
    factory, _, name = name.rpartition("/")
    for node in tree.body:
        if factory and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                and node.name == factory:
            node = next((inner for inner in node.body if isinstance(inner, _DEFINITIONS)
                         and inner.name == name), node)
        if isinstance(node, _DEFINITIONS) and node.name == name:
            line = node.lineno
            text = facts.lines[line - 1] if line <= len(facts.lines) else ""
            column = text.find(name)
            return Span(line, column + 1, line, column + 1 + len(name)) if column >= 0 else None
    return None


def _in_definition(tree: ast.Module, line: int) -> bool:
    return any(
        isinstance(node, _DEFINITIONS) and node.lineno <= line <= (node.end_lineno or node.lineno)
        for node in tree.body
    )


def _failing_reloads(
    facts: BlockFacts, name: str, saves: list[Use], compiled_only: bool, model: ClassModel | None,
) -> list[tuple[Use, Use]]:
    """(save, reload) pairs where load_model reads the saved file and cannot rebuild `name`."""
    pairs = []
    for save in saves:
        if save.file_format != "file":
            continue
        if save.where and model is not None and _importable_tf_keras_model(model, facts):
            continue  # tf-keras imports the class's module (not __main__) from a .keras file
        for reload in facts.evidence.reloads:
            if reload.where != save.where or not same_file(save, reload):
                continue
            if reload.covered is None or name in reload.covered:
                continue
            if compiled_only and not reload.compiles:
                continue
            pairs.append((save, reload))
    return pairs


def _importable_tf_keras_model(model: ClassModel, facts: BlockFacts) -> bool:
    return (facts.frameworks.get(model.name) == "tf_keras" and not is_plain_layer(model, facts, set())
            and bool(facts.path) and str(facts.path).endswith(".py"))


_inside: dict[str, tuple[float, bool]] = {}
"""Path -> (when, `_inside_keras_package(path)`): asked for every block, answered again after
30 seconds like the project root (`project_evidence`), since a package's `__init__.py` may
come or go while a file is open."""


def _inside_keras_package(path: str | None) -> bool:
    """A module of the keras, keras_hub, keras_cv or keras_nlp packages: Keras 3 imports the
    recorded module of their classes when it loads a file."""
    if not path:
        return False
    return recent_answer(_inside, path, lambda: any(
        parent.name in _KERAS_PACKAGES and (parent / "__init__.py").is_file()
        for parent in list(Path(path).parents)[:8]), limit=4096)


def _is_compiled_object(model: ClassModel, facts: BlockFacts, seen: set[str]) -> bool:
    """A Loss or Metric subclass: rebuilt only when load_model compiles the model."""
    seen.add(model.name)
    for base in model.base_names:
        local = facts.local_classes.get(base)
        if local is not None:
            if base not in seen and _is_compiled_object(local, facts, seen):
                return True
        elif base.rsplit(".", 1)[-1] in _COMPILED_BASES or ".losses." in base or ".metrics." in base:
            return True
    return False


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




def is_registered(node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef, facts: BlockFacts) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (qualified_name(target, facts.imports) or "").endswith("register_keras_serializable"):
            return True
    return False


def _where(use: Use, facts: BlockFacts) -> str:
    if use.where:
        return elsewhere(use)
    return f"on line {line_ref(use.line - facts.line_offset)}"


def _related(use: Use, facts: BlockFacts, message: str) -> tuple[Related, ...]:
    return () if use.where else (Related(use_span(use, facts.line_offset), message),)


def _places(facts: BlockFacts, name: str, saves: list[Use],
            failing: list[tuple[Use, Use]]) -> tuple[Use, Use | None, tuple[Related, ...]]:
    """The save a finding names, the load that fails on it (None when none does) and their
    related places."""
    if failing:
        save, load = failing[0]
        return save, load, _related(save, facts, f"the model holding {name} is saved here") + \
            _related(load, facts, f"load_model() here cannot rebuild {name}")
    save = next((use for use in saves if use.file_format == "file"), saves[0])
    return save, None, _related(save, facts, f"the model holding {name} is saved here")


def _finding(
    facts: BlockFacts, span: Span, name: str, framework: str, saves: list[Use],
    failing: list[tuple[Use, Use]], factory: str = "",
) -> Finding:
    if factory:
        return _factory_finding(facts, span, name, factory, saves, failing)
    decorator = f"@{registration_decorator(facts.imports, framework)[0]}()"
    model = facts.local_classes.get(name)
    kind = "class" if model is not None else "function"
    if model is None:
        failure = f"raises `TypeError: Could not locate function '{name}'`"
    elif framework == "tf_keras":
        failure = (f"fails with ValueError \"Unknown layer: '{name}'\" (HDF5) or TypeError "
                   f"\"Cannot deserialize object of type `{name}`\" (.keras)")
    elif is_plain_layer(model, facts, set()):
        failure = ("raises `TypeError: <class ...> could not be deserialized properly` for the "
                   "model that holds it")
    else:
        failure = f"raises `TypeError: Could not locate class '{name}'`"
    held = "is saved with" if model is not None else "is compiled into"
    save, load, related = _places(facts, name, saves, failing)
    if load is not None:
        message = (
            f"{name} {held} the model saved {_where(save, facts)} but is not registered for "
            f"serialization, and load_model() {_where(load, facts)} gets no custom_objects for "
            f"it: loading {failure}. Decorate {name} with {decorator}."
        )
        severity = Severity.ERROR
    else:
        unsure = "" if save.file_format == "file" else (
            " (if this writes a .keras/.h5 file; a SavedModel directory records no class names)")
        message = (
            f"{name} {held} the model saved {_where(save, facts)}{unsure} but is not registered "
            f"for serialization: load_model() cannot rebuild it from the file and {failure} "
            f"unless every load passes custom_objects={{'{name}': {name}}}. Decorate {name} with "
            f"{decorator}."
        )
        severity = Severity.INFORMATION
    fix = RegisterSerializable(title=f"Register {name} with {decorator}", class_name=name,
                               framework=framework, target=kind)
    return Finding(CODE, NAME, severity, span, message, related, (fix,))


def _factory_finding(
    facts: BlockFacts, span: Span, name: str, factory: str, saves: list[Use],
    failing: list[tuple[Use, Use]],
) -> Finding:
    """A loss or metric a factory makes (`create_huber(2.0)` returns `huber_fn`): the file
    records the inner function's name, and only `custom_objects` can give it back (registering
    the factory registers the wrong function; the inner one closes over the factory's
    arguments). No quick-fix: the arguments to pass are the saved model's."""
    given = f"custom_objects={{'{name}': {factory}(...)}}"
    what = f"{name}, the function {factory}() returns,"
    save, load, related = _places(facts, name, saves, failing)
    if load is not None:
        message = (
            f"{what} is compiled into the model saved {_where(save, facts)}, and load_model() "
            f"{_where(load, facts)} gets no custom_objects for it: loading raises `TypeError: "
            f"Could not locate function '{name}'`. Pass {given} to load_model(), with the "
            "arguments the saved model was compiled with."
        )
        return Finding(CODE, NAME, Severity.ERROR, span, message, related, ())
    message = (
        f"{what} is compiled into the model saved {_where(save, facts)}: load_model() cannot "
        f"rebuild it from the file unless every load passes {given}, with the arguments the "
        "saved model was compiled with."
    )
    return Finding(CODE, NAME, Severity.INFORMATION, span, message, related, ())


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary="A custom Keras class saved with a model but not registered: load_model() cannot rebuild it.",
    fix_title="Decorate the class with @keras.saving.register_keras_serializable().",
    fix_safety="safe",
    severity_by_evidence={
        Severity.ERROR: "when the saved .keras/.h5 file is loaded back without custom_objects",
        Severity.INFORMATION: "otherwise",
    },
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
import keras


class Double(keras.layers.Layer):
    def call(self, x):
        return x * 2


inputs = keras.Input(shape=(4,))
model = keras.Model(inputs, Double()(inputs))  # LL207
model.save("model.keras")
keras.models.load_model("model.keras")  # TypeError: Could not locate class 'Double'
""",
        fix=(
            "Decorate the class or function with `@keras.saving.register_keras_serializable()` "
            "(tf-keras: `tf_keras.saving...`; for `tf.keras` spellings "
            "`tf.keras.utils.register_keras_serializable`, the same function, since TensorFlow 2.21's "
            "`tf.keras` has no `saving`), adding `import keras` when the module has no name for it."
        ),
        fix_safety=(
            "Adds @register_keras_serializable() to a Layer/Model subclass (which always has "
            "get_config, so the decorator never raises): the forward pass, the weights and the "
            "checkpoint layout stay as they were; load_model() can now rebuild the class."
        ),
        when_to_ignore=(
            "When every load passes `custom_objects` or runs inside `custom_object_scope` in code "
            "layerlint does not see (a serving script, another repository)."
        ),
    ),
)
