"""LL201 non-serializable-constructor-argument: a layer, function or array in `__init__`, no get_config.

A custom layer (or model) whose constructor takes such a value and that defines no
`get_config()` cannot be saved.

What goes wrong: Keras 3 and tf-keras generate `get_config()` for a custom layer or model from
the arguments its constructor received, but only when every value is a str, int, float, bool or
None (nested in lists, tuples or dicts). One other value (a layer, a function, a numpy array)
and `model.save("m.keras")`, `get_config()` or `clone_model` raise, measured with Keras 3.15.1:
`NotImplementedError: Object Wrapper was created by passing non-serializable argument values in
__init__(), and therefore the object must override get_config() in order to be serializable.`
(tf-keras 2.21: `Layer Wrapper was created by passing ...`). A `ModelCheckpoint` callback saves
this way at the end of the first epoch. Layers whose arguments are all basic save and load fine
without `get_config()`, so the rule needs evidence that an argument is not basic:
- its annotation names a class (`keras.layers.Layer`, `np.ndarray`, a layer class of this file)
  or `Callable`;
- `__init__` keeps it as `self.<name>` and the class calls it (`self.inner(x)`), iterates it and
  calls the items, or hands it to `Sequential`;
- its default value is not basic (`activation=tf.nn.relu`, `scale=np.ones(3)`): Keras 3 includes
  defaults in the generated config, so saving fails even when the caller passes nothing;
  tf-keras looks only at the values passed, so there it is a warning.

Only a serialization of a model holding the class fails, so the severity follows what the
module and the project's other files do with such a model (`save_evidence`: rebinding, helper
functions and notebook cells followed):
- error when one is serialized: saved to a `.keras`/`.h5` file (also through `save_model`),
  given to `clone_model`, `get_config()` or `to_json()`, or fitted with a `ModelCheckpoint`
  that is not `save_weights_only`; a warning instead when the annotation also admits basic
  values (`str | Callable`) or only a tf-keras default hints at the type;
- warning when a save's file format cannot be read from the code (a SavedModel directory, the
  Keras 2 default without an extension, does not call get_config());
- information otherwise: weights-only saves, `export()`, `tf.saved_model.save` and
  `tf.train.Checkpoint` write variables only (measured: all succeed), and a save inside
  `assertRaises` expects the failure.
Not reported: tf-keras Model subclasses (tf-keras 2.21's `Model.get_config()` logs a warning
and returns `{}`, and `save("m.keras")` succeeds) and functional-style Model subclasses
(`super().__init__(inputs=..., outputs=...)`: Keras writes their config from the layer graph).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from layerlint.analysis.facts import BlockFacts, line_ref
from layerlint.analysis.frameworks import framework_of, model_base_framework
from layerlint.analysis.imports import qualified_name
from layerlint.analysis.keras_class import is_plain_layer, keras_flavour
from layerlint.analysis.model_index import ClassModel
from layerlint.analysis.node_index import has_type, nodes_of_type
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.analysis.save_evidence import Use, elsewhere, use_span
from layerlint.analysis.walk import walk
from layerlint.findings import Finding, Related, Severity
from layerlint.fix_requests import AddLayerConfig, layer_config_title
from layerlint.syntax.import_names import saving_namespace
from layerlint.syntax.init_method import config_fix_problem

CODE = "LL201"
NAME = "non-serializable-constructor-argument"
SEVERITY = Severity.ERROR

_CALLABLE = {"typing.Callable", "collections.abc.Callable", "Callable"}
_OBJECT_NAMESPACES = ("keras", "tf_keras", "tensorflow", "numpy", "torch", "jax")
_BASIC_TYPES = {"str", "int", "float", "bool", "None", "list", "tuple", "dict", "typing.List",
                "typing.Tuple", "typing.Dict", "typing.Sequence", "collections.abc.Sequence"}
_BASIC_BUILTIN_CALLS = {"dict", "list", "tuple", "str", "int", "float", "bool", "frozenset", "set"}
_UNION = {"typing.Union", "typing.Optional"}
_ARRAY_TYPES = {"ndarray", "NDArray", "Tensor", "Variable", "KerasTensor"}


@dataclass(frozen=True)
class Evidence:
    argument: ast.arg
    kind: str
    """What the value is: "a layer", "a function", "an array", "a layer or function", ..."""
    reason: str
    certain: bool


def check(facts: BlockFacts) -> Iterable[Finding]:
    for model in facts.classes:
        flavour = keras_flavour(facts, model.name)
        if flavour is None or "__init__" not in model.methods:
            continue
        if _config_defined(model, facts, set()) or functional_style(model):
            continue
        if flavour == "legacy" and not is_plain_layer(model, facts, set()):
            continue  # a tf-keras Model's get_config() logs a warning and returns {}
        evidence = non_basic_arguments(model, facts, flavour)
        if evidence:
            yield _finding(facts, model, flavour, evidence)


def functional_style(model: ClassModel) -> bool:
    """`super().__init__(inputs=..., outputs=...)` (or two positional arguments): a Model
    subclass built like a functional model, whose config Keras writes from its graph."""
    for node in nodes_of_type(model.methods["__init__"], ast.Call):
        if (isinstance(node.func, ast.Attribute)
                and node.func.attr == "__init__"):
            keywords = {keyword.arg for keyword in node.keywords}
            positional = len(node.args) - (isinstance(node.func.value, ast.Name))
            if {"inputs", "outputs"} & keywords or positional >= 2:
                return True
    return False


def _config_defined(model: ClassModel, facts: BlockFacts, seen: set[str]) -> bool:
    """True when the class or a base may define get_config (unknown bases count as "may")."""
    if "get_config" in model.methods:
        return True
    seen.add(model.name)
    for base in model.base_names:
        if model_base_framework(base):
            continue
        local = facts.local_classes.get(base)
        if local is None or base in seen or _config_defined(local, facts, seen):
            return True
    return False


def non_basic_arguments(model: ClassModel, facts: BlockFacts, flavour: str) -> list[Evidence]:
    init = model.methods["__init__"]
    arguments = [*init.args.posonlyargs, *init.args.args][1:]
    defaults: dict[str, ast.expr] = dict(
        zip([a.arg for a in arguments][len(arguments) - len(init.args.defaults):],
            init.args.defaults)
    )
    for argument, default in zip(init.args.kwonlyargs, init.args.kw_defaults):
        if default is not None:
            defaults[argument.arg] = default
    usage = _usage_evidence(model, init)
    found = []
    for argument in [*arguments, *init.args.kwonlyargs]:
        evidence = (
            _annotation_evidence(argument, facts)
            or usage.get(argument.arg)
            or _default_evidence(defaults.get(argument.arg), facts, flavour)
        )
        if evidence is not None:
            kind, reason, certain = evidence
            found.append(Evidence(argument, kind, reason, certain))
    return found


# -- evidence -------------------------------------------------------------------------------
def _annotation_evidence(argument: ast.arg, facts: BlockFacts) -> tuple[str, str, bool] | None:
    if argument.annotation is None:
        return None
    kinds = [_annotation_kind(member, facts) for member in _union_members(argument.annotation, facts)]
    non_basic = [kind for kind in kinds if kind not in (None, "basic")]
    if not non_basic:
        return None
    certain = all(kind not in (None, "basic") for kind in kinds)
    text = ast.unparse(argument.annotation)
    return non_basic[0], f"annotated `{text}`", certain


def _union_members(node: ast.expr, facts: BlockFacts) -> list[ast.expr]:
    """`A | B | None` and `Optional[A]`/`Union[A, B]` -> their members, None dropped."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_members(node.left, facts) + _union_members(node.right, facts)
    if isinstance(node, ast.Subscript) and qualified_name(node.value, facts.imports) in _UNION:
        inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return [m for element in inner for m in _union_members(element, facts)]
    if isinstance(node, ast.Constant) and node.value is None:
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # "keras.layers.Layer"
        try:
            return _union_members(ast.parse(node.value, mode="eval").body, facts)
        except SyntaxError:
            return [node]
    return [node]


def _annotation_kind(node: ast.expr, facts: BlockFacts) -> str | None:
    """"a layer", "a function", ... for a non-basic type; "basic"; None when unknown."""
    head = node.value if isinstance(node, ast.Subscript) else node
    qualified = qualified_name(head, facts.imports)
    if qualified is None:
        return None
    if qualified in _CALLABLE or qualified.endswith(".Callable"):
        return "a function"
    if qualified in _BASIC_TYPES:
        return "basic"
    if qualified in facts.local_classes and qualified in facts.frameworks:
        return "a layer"
    root, last = qualified.split(".")[0], qualified.rsplit(".", 1)[-1]
    if root not in _OBJECT_NAMESPACES or "." not in qualified:
        return None
    if last in _ARRAY_TYPES:
        return "an array"
    if not last[:1].isupper():
        return None
    if framework_of(qualified) and ("layers" in qualified or last in ("Layer", "Model")):
        return "a layer"
    return f"a `{last}` object"


def _usage_evidence(
    model: ClassModel, init: ast.FunctionDef | ast.AsyncFunctionDef
) -> dict[str, tuple[str, str, bool]]:
    """Arguments the class calls (directly, through `self.<attr>`, or item by item) or hands to
    `Sequential`: only a layer or a function can be called."""
    receiver = init.args.args[0].arg if init.args.args else "self"
    names = {a.arg for a in [*init.args.args[1:], *init.args.kwonlyargs]}
    stored: dict[str, str] = {}
    for assign in nodes_of_type(init, ast.Assign):
        if (len(assign.targets) == 1
                and isinstance(assign.value, ast.Name) and assign.value.id in names):
            target = assign.targets[0]
            if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                    and target.value.id == receiver):
                stored[target.attr] = assign.value.id
    evidence: dict[str, tuple[str, str, bool]] = {}

    def holder(node: ast.expr, in_init: bool) -> str | None:
        """The argument `node` refers to: `self.<attr>` anywhere, the bare name in __init__."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return stored.get(node.attr) if node.value.id in ("self", receiver) else None
        if in_init and isinstance(node, ast.Name) and node.id in names:
            return node.id
        return None

    for method in model.methods.values():
        in_init = method is init
        # Without a `for` loop only the calls matter (the same nodes in the same order).
        for node in walk(method) if has_type(method, ast.For) else nodes_of_type(method, ast.Call):
            if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
                argument = holder(node.iter, in_init)
                if argument and _calls_name(node.body, node.target.id):
                    evidence.setdefault(argument, (
                        "a list of layers or functions", "its items are called", True))
            if not isinstance(node, ast.Call):
                continue
            argument = holder(node.func, in_init)
            if argument:
                evidence.setdefault(argument, (
                    "a layer or function", f"called as `{ast.unparse(node.func)}(...)`", True))
            elif node.args and _ends_with_sequential(node.func):
                for element in _elements(node.args[0]):
                    argument = holder(element, in_init)
                    if argument:
                        evidence.setdefault(argument, (
                            "a layer", "passed to `Sequential`", True))
    return evidence


def _ends_with_sequential(func: ast.expr) -> bool:
    """Whether the callee's text ends with `Sequential` (`keras.Sequential`, `Sequential`)."""
    if isinstance(func, ast.Name):
        return func.id.endswith("Sequential")
    if isinstance(func, ast.Attribute):
        return func.attr.endswith("Sequential")
    return ast.unparse(func).endswith("Sequential")


def _calls_name(statements: list[ast.stmt], name: str) -> bool:
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
        for statement in statements for node in walk(statement)
    )


def _elements(node: ast.expr) -> list[ast.expr]:
    return list(node.elts) if isinstance(node, (ast.List, ast.Tuple)) else [node]


def _default_evidence(
    default: ast.expr | None, facts: BlockFacts, flavour: str
) -> tuple[str, str, bool] | None:
    if default is None or _is_basic_literal(default):
        return None
    text = ast.unparse(default)
    if len(text) > 40:
        text = text[:37] + "..."
    certain = flavour == "keras3"  # only Keras 3 puts defaults into the generated config
    if isinstance(default, ast.Lambda):
        return "a function", f"its default is `{text}`", certain
    if isinstance(default, ast.Call):
        callee = qualified_name(default.func, facts.imports)
        if callee in _BASIC_BUILTIN_CALLS or callee is None:
            return None
        return "a non-basic object", f"its default is `{text}`", certain
    if isinstance(default, ast.Attribute):
        qualified = qualified_name(default, facts.imports) or ""
        if qualified.split(".")[0] in _OBJECT_NAMESPACES and qualified != ast.unparse(default):
            return "a function or object", f"its default is `{text}`", certain
    return None


def _is_basic_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_basic_literal(element) for element in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is None or _is_basic_literal(k) for k in node.keys) and all(
            _is_basic_literal(v) for v in node.values)
    return False


# -- the finding ----------------------------------------------------------------------------
def _finding(
    facts: BlockFacts, model: ClassModel, flavour: str, evidence: list[Evidence]
) -> Finding:
    certain = any(item.certain for item in evidence)
    described = "; ".join(
        f"`{item.argument.arg}` is {item.kind} ({item.reason})" for item in evidence
    )
    names = ", ".join(item.argument.arg for item in evidence)
    subject = "Object" if flavour == "keras3" else "Layer"
    message = (
        f"{model.name} defines no get_config(), and Keras can generate one only from str, int, "
        f"float, bool and None arguments: {described}. Saving the model (`model.save()`, a "
        f"ModelCheckpoint callback) or calling get_config() raises NotImplementedError: "
        f"\"{subject} {model.name} was created by passing non-serializable argument values in "
        f"`__init__()`, and therefore the {subject.lower()} must override `get_config()`\". "
        f"Add get_config() returning the arguments ({names} through serialize_keras_object) and "
        f"a from_config() that deserializes them."
    )
    related = tuple(
        Related(facts.span(item.argument), f"`{item.argument.arg}` is {item.kind}: {item.reason}")
        for item in evidence[1:]
    )
    uses = [use for use in facts.evidence.of(model.name) if not use.expected_to_fail]
    definite = [use for use in uses if use.file_format != "maybe"]
    if definite:
        severity = Severity.ERROR if certain else Severity.WARNING
        message += f" {_reached(definite[0], facts, 'serializes a model holding it')}"
        related += (_related(definite[0], facts, model.name),) if not definite[0].where else ()
    elif uses:
        severity = Severity.WARNING
        message += (f" {_reached(uses[0], facts, 'saves a model holding it')}; the file format "
                    f"is not readable from the code (a SavedModel directory would not fail).")
        related += (_related(uses[0], facts, model.name),) if not uses[0].where else ()
    else:
        severity = Severity.INFORMATION
        message += (" Nothing in this module or project serializes a model holding it (weights-only "
                    "saves, export() and tf.saved_model.save do not call get_config()), so this "
                    "fails only once such a model is saved to .keras/.h5 or cloned.")
    # Where nothing serializes the model there is nothing to fix yet (and a test that expects
    # the NotImplementedError would break).
    fixes = () if severity == Severity.INFORMATION else _fixes(
        facts, model, facts.frameworks[model.name], evidence)
    return Finding(CODE, NAME, severity, facts.span(evidence[0].argument), message, related, fixes)


def _reached(use: Use, facts: BlockFacts, what: str) -> str:
    if use.where:
        return f"`{use.text}` {elsewhere(use)} {what}."
    return f"`{use.text}` on line {line_ref(use.line - facts.line_offset)} {what}."


def _related(use: Use, facts: BlockFacts, name: str) -> Related:
    return Related(use_span(use, facts.line_offset), f"a model holding {name} is serialized here")


def _fixes(
    facts: BlockFacts, model: ClassModel, framework: str, evidence: list[Evidence]
) -> tuple[AddLayerConfig, ...]:
    if config_fix_problem(model.node) or saving_namespace(facts.imports, framework) is None:
        return ()
    return (AddLayerConfig(
        title=layer_config_title(model.name), class_name=model.name,
        definition_line=model.node.lineno, framework=framework,
        serialized=tuple(item.argument.arg for item in evidence),
    ),)


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary="A custom layer takes a layer, function or array in __init__ but defines no get_config().",
    fix_title="Add get_config()/from_config() that serialize the non-basic arguments.",
    fix_safety="unsafe",
    severity_by_evidence={
        Severity.ERROR: (
            "when a model holding it is serialized (.keras/.h5 save, ModelCheckpoint, get_config, "
            "to_json, clone_model)"
        ),
        Severity.WARNING: "when the save's format is unknown or the argument may be basic",
        Severity.INFORMATION: "otherwise",
    },
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
import keras


class Wrapper(keras.layers.Layer):
    def __init__(self, inner: keras.layers.Layer, **kwargs):  # LL201
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, x):
        return self.inner(x)


inputs = keras.Input(shape=(4,))
model = keras.Model(inputs, Wrapper(keras.layers.Dense(2))(inputs))
model.save("model.keras")  # NotImplementedError: ... must override get_config()
""",
        fix=(
            "`Add get_config/from_config to Wrapper` (see `layerlint.fixes.layer_config`); offered when"
            " a serialization is in reach."
        ),
        fix_safety=(
            "Adds get_config/from_config and may keep an unkept constructor argument as an attribute; a"
            " layer kept that way becomes tracked (its weights join the layer's)."
        ),
        when_to_ignore=(
            "When no model holding the layer is ever written to a .keras/.h5 file, cloned or asked for "
            "its config: weights-only checkpoints, `tf.saved_model.save` and `export()` store variables"
            " only (the finding is information then)."
        ),
    ),
)
