"""What a program does with its models: which are serialized, reloaded, moved, saved,
trained or inspected.

The custom-layer and torch rules need evidence that a class's misbehaviour is reachable: a
layer without `get_config()` only fails when a model holding it is serialized (LL201), an
unregistered class only when a file holding it is loaded back (LL207), a plain tensor attribute
only when its module is moved, cast or saved (LL302). This module reads that evidence from the
code, without running anything:

- which objects flow into which model: a light taint analysis per scope (module code, each
  function and method) over variables; an expression holds the custom classes constructed in
  it and what the names it reads hold (`x = Block()(inp)`, `model = keras.Model(inp, x)`);
  rebinding replaces (`model = Custom(); model = Sequential(...)` holds no Custom), the arms of
  an `if` are merged; a class holds what its methods construct; a call of a module function
  returns what its `return`s hold, and a function's parameters hold what its callers pass;
- what happens to a model: `.save()`/`save_model()` with the file format read from the path
  (`.keras`/`.h5`: a Keras file; no extension or `save_format="tf"`: a SavedModel, which calls
  no `get_config()`; another extension: not a model), `get_config()`, `to_json()`,
  `clone_model()`, a `ModelCheckpoint` (not `save_weights_only`) given to `fit`; `load_model`
  with its `custom_objects` and `compile=False`; torch `.to()`/`.cuda()`/`.half()`/...,
  `state_dict()`, `torch.save`. `tf.train.Checkpoint(...).save`, weights-only saves, `export()`
  and `tf.saved_model.save` are not serializations of the model's config; uses inside
  `assertRaises`/`pytest.raises` blocks are marked as expected to fail;
- what happens to a model's weights (LL202: a tf.Variable Keras 3 neither trains nor saves):
  `fit()`/`compile()`/`train_on_batch()` ("train"); a save that writes the weights but not
  the config: `save_weights()`, `export()`, a `.save()` to a SavedModel or another extension,
  `tf.train.Checkpoint(model=...)` ("store"); `.variables`/`.weights`/`.get_weights()`/
  `.count_params()`/`.summary()` ("inspect"). Only whether they happen matters, not where.

A key is a class or function name of the module, or the qualified name of one imported from
another module of the project (`.blocks.Block`). Results of class and function definitions are
cached by their text, so a keystroke in one class re-reads that class only.
"""

from __future__ import annotations

import ast
import re
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import cached_property

from layerlint.analysis.frameworks import framework_of
from layerlint.analysis.imports import ImportTable, qualified_name
from layerlint.analysis.walk import walk
from layerlint.findings import Span

SERIALIZING = ("save", "get_config", "to_json", "clone_model", "checkpoint")
"""Kinds of use that serialize a Keras model's config."""
TORCH_KINDS = ("move", "state")
WEIGHT_KINDS = ("train", "save", "checkpoint", "store", "inspect")
"""Kinds of use where a layer's weights matter: trained, written to a file (with or without
the config), or read."""
_FATE_ONLY = ("train", "store", "inspect")
"""Kinds only `WEIGHT_KINDS` reads: their lines are in no message."""
_TRAINING = {"fit", "fit_generator", "train_on_batch", "compile"}
_STORING = {"save_weights", "export"}
_INSPECTING = {"variables", "trainable_variables", "non_trainable_variables", "weights",
               "trainable_weights", "non_trainable_weights", "get_weights", "count_params",
               "summary"}

_MODEL_FILE = re.compile(r"\.(keras|h5|hdf5)$", re.IGNORECASE)
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,6}$")
_CHECKPOINTS = {"tensorflow.train.Checkpoint", "tensorflow.train.CheckpointManager",
                "tensorflow.compat.v1.train.Checkpoint", "tensorflow.compat.v2.train.Checkpoint"}
_IMAGES = ("array_to_img", "PIL.", "Image.fromarray", "Image.open", "Image.new")
_SELF_RETURNING = {"to", "cuda", "cpu", "half", "float", "double", "bfloat16", "eval", "train",
                   "requires_grad_", "type", "apply", "share_memory"}
_DATA_METHODS = {"fit", "predict", "evaluate", "predict_on_batch", "train_on_batch",
                 "test_on_batch", "predict_step", "train_step", "test_step", "summary",
                 "count_params", "get_weights", "save", "save_weights", "to_json", "to_yaml",
                 "get_config", "numpy", "item", "tolist", "parameters", "named_parameters",
                 "state_dict", "fit_generator", "predict_generator", "evaluate_generator"}
"""Methods whose result holds data about a model (a History, predictions, a config), not the
model: `pd.DataFrame(model.fit(...).history).to_json()` serializes no model."""
_TORCH_MOVES = {"to", "cuda", "half", "double", "bfloat16", "float", "type"}
_TORCH_WRAPPERS = ("DataParallel", "DistributedDataParallel", "prepare")
_RAISES = ("assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "raises")
_LIBRARY_ROOTS = {"numpy", "tensorflow", "torch", "jax", "keras", "tf_keras", "PIL", "os", "sys",
                  "pandas", "sklearn", "scipy", "matplotlib", "tensorflow_datasets", "math",
                  "functools", "typing", "collections", "dataclasses", "absl", "json"}
_CACHE_SIZE = 2048


@dataclass(frozen=True)
class Use:
    """One thing the code does with a model (or one reload)."""

    kind: str
    """"save", "get_config", "to_json", "clone_model", "checkpoint" (a ModelCheckpoint given to
    fit), "reload" (load_model), "move" or "state" (torch), "train", "store" (weights written
    without the config) or "inspect" (variables read)."""
    line: int
    """Line in the analysed program (absolute in the module)."""
    text: str
    """The call as written, shortened."""
    file_format: str = ""
    """"file" (.keras/.h5), "maybe" (not readable from the code) for saves; "savedmodel" or
    "other" (not a model file) for a `.save()` that is a "store"; "" otherwise."""
    path: str = ""
    """The path expression as written ("" when none), to match a save with its reload."""
    expected_to_fail: bool = False
    """Inside an assertRaises/pytest.raises block."""
    covered: frozenset[str] | None = frozenset()
    """Reload: names given in custom_objects or a custom_object_scope; None: not readable
    (assume every class is given)."""
    compiles: bool = True
    """Reload: False with `compile=False` (losses and metrics are not rebuilt)."""
    where: str = ""
    """Another file of the project where this happens ("" for this module)."""
    held: frozenset[str] = frozenset()
    """Keys of the classes and functions the model holds (after resolution)."""
    columns: tuple[int, int, int] = (0, 0, 0)
    """(column, end line, end column) of the call; columns 0-based."""
    cell: int = 0
    """The notebook cell of a use in another project file (`line` is then the line in it)."""
    path_parameter: str = ""
    """`function:parameter` when the saved path is that parameter (its callers decide)."""
    contained: frozenset[str] = frozenset()
    """`held`, and what the held classes construct in their own methods (a torch module's
    submodules move with it; a Keras model's sublayers built in its `__init__` are rebuilt by
    that `__init__`, not serialized, so they are not in `held`)."""


@dataclass(frozen=True)
class Evidence:
    uses: tuple[Use, ...] = ()
    reloads: tuple[Use, ...] = ()
    constructions: dict[str, tuple[tuple[int, int, int, int], ...]] = field(default_factory=dict)
    """Key -> spans (line, column, end line, end column; absolute, columns 0-based in bytes) of
    the calls that construct it."""
    given: frozenset[str] | None = frozenset()
    """Names given to a `custom_object_scope` anywhere in the module (None: not readable)."""

    def of(self, key: str, kinds: tuple[str, ...] = SERIALIZING) -> list[Use]:
        """Uses of these kinds of a model that holds `key` as a serialized object (torch
        kinds: that holds it anywhere, submodules included)."""
        deep = set(kinds) <= set(TORCH_KINDS)
        return [use for use in self.uses
                if use.kind in kinds and key in (use.contained if deep else use.held)]

    @cached_property
    def weight_fates(self) -> tuple[tuple[str, str], ...]:
        """(kind, key) of every `WEIGHT_KINDS` use: LL202 follows them through the classes
        that hold or derive from a class, so they are part of every class's cache key."""
        return tuple(sorted({(use.kind, key) for use in self.uses if use.kind in WEIGHT_KINDS
                             for key in use.held}))

    def signature(self, keys: set[str] | frozenset[str], offset: int) -> tuple:
        """What the findings about `keys` depend on, lines relative to `offset` (cache key)."""
        if not keys:
            return ()
        relevant = [use for use in self.uses
                    if use.contained & keys and use.kind not in _FATE_ONLY]
        uses = tuple((use.kind, use.line - offset, use.file_format, use.path, use.where,
                      use.expected_to_fail, tuple(sorted(use.held & keys)),
                      tuple(sorted(use.contained & keys))) for use in relevant)
        if not uses:
            return self.weight_fates
        reloads = tuple((use.line - offset, use.path, use.covered, use.compiles, use.where)
                        for use in self.reloads)
        return self.weight_fates + uses + reloads


EMPTY = Evidence()


def elsewhere(use: Use) -> str:
    """`in train.py line 12` / `in train.ipynb cell 3, line 2` for a use in another file."""
    if use.cell:
        return f"in {use.where} cell {use.cell}, line {use.line}"
    return f"in {use.where} line {use.line}"


def use_span(use: Use, offset: int) -> Span:
    """The span of a use of this module, relative to a block starting after line `offset`."""
    column, end_line, end_column = use.columns
    return Span(use.line - offset, column + 1, end_line - offset, end_column + 1)


# -- one scope ------------------------------------------------------------------------------
@dataclass
class _Scope:
    """The result of reading one scope; held sets may still contain markers (`@ret:f`,
    `@arg:f:p`, `@global:name`) that the program resolves."""

    uses: list[tuple[Use, frozenset[str]]] = field(default_factory=list)
    reloads: list[Use] = field(default_factory=list)
    returns: set[str] = field(default_factory=set)
    bound: dict[str, set[str]] = field(default_factory=dict)
    """Module code: name -> what any of its assignments holds (what a function reading the
    global may see when it is called)."""
    arguments: dict[str, set[str]] = field(default_factory=dict)
    """`f:param` -> what callers in this scope pass to it."""
    path_arguments: dict[str, list[str]] = field(default_factory=dict)
    """`f:param` -> file formats of the paths callers in this scope pass to it."""
    constructions: dict[str, list[tuple[int, int, int, int]]] = field(default_factory=dict)
    covered: set[str] | None = field(default_factory=set)


class _Reader:
    """Reads one scope's statements in order, keeping what each variable holds."""

    def __init__(self, imports: ImportTable, classes: frozenset[str], functions: dict[str, list[str]],
                 torch_keys: frozenset[str], scope_name: str, offset: int):
        self.imports = imports
        self.classes = classes
        self.functions = functions
        self.torch_keys = torch_keys
        self.scope_name = scope_name
        self.offset = offset
        self.result = _Scope()
        self.assigned: dict[str, ast.expr | None] = {}
        """Variable -> the expression last assigned to it (read only for save paths)."""
        self.module_strings: dict[str, tuple[str, ...]] = {}
        """String constants of module-level names (`MODEL_PATH = "m.keras"`), read by functions."""
        self.guarded = False
        self.parameters: frozenset[str] = frozenset()
        self.local_names: frozenset[str] | None = None
        """A function's or method's own names; None in module code. Another name it reads is
        a global of the module (`@global:name`)."""

    # -- statements ---------------------------------------------------------------------
    def run(self, statements: list[ast.stmt], env: dict[str, frozenset[str]]) -> dict:
        for statement in statements:
            env = self.statement(statement, env)
        return env

    def statement(self, node: ast.stmt, env: dict) -> dict:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return env
        if isinstance(node, ast.Assign):
            held = self.value(node.value, env)
            for target in node.targets:
                self.bind(target, held, env, node.value)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            if node.value is not None:
                held = self.value(node.value, env)
                if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                    held = held | env.get(node.target.id, frozenset())
                self.bind(node.target, held, env, node.value)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.bind(node.target, self.value(node.iter, env), env, None)
            env = self._branches([node.body, node.orelse], env, keep=True)
        elif isinstance(node, ast.While):
            self.value(node.test, env)
            env = self._branches([node.body, node.orelse], env, keep=True)
        elif isinstance(node, ast.If):
            self.value(node.test, env)
            env = self._branches([node.body, node.orelse], env, keep=False)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            env = self.run(node.body, env)
            env = self._branches([h.body for h in node.handlers] + [node.orelse], env, keep=True)
            env = self.run(node.finalbody, env)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            guarded = self.guarded
            for item in node.items:
                held = self.value(item.context_expr, env)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, held, env, None)
                if _is_raises(item.context_expr):
                    self.guarded = True
            env = self.run(node.body, env)
            self.guarded = guarded
        elif isinstance(node, ast.Return) and node.value is not None:
            self.result.returns |= self.value(node.value, env)
        elif isinstance(node, ast.Match):
            self.value(node.subject, env)
            env = self._branches([case.body for case in node.cases], env, keep=True)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.value(child, env)
        return env

    def _branches(self, bodies: list[list[ast.stmt]], env: dict, keep: bool) -> dict:
        """Run each arm from the same state and merge; `keep`: the state before may also
        survive (a loop that runs no time, an exception)."""
        results = [self.run(body, dict(env)) for body in bodies]
        if keep or len(bodies) < 2 or not all(bodies):
            results.append(env)
        merged: dict = {}
        for result in results:
            for name, held in result.items():
                merged[name] = merged.get(name, frozenset()) | held
        return merged

    def bind(self, target: ast.expr, held: frozenset[str], env: dict,
             value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = held
            self.assigned[target.id] = value
            if self.local_names is None and held:
                self.result.bound.setdefault(target.id, set()).update(held)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.bind(element, held, env, None)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, held, env, None)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            self.value(target.value, env)

    # -- expressions --------------------------------------------------------------------
    def value(self, node: ast.expr | None, env: dict) -> frozenset[str]:
        """What the expression holds; records the uses of the calls inside it."""
        if node is None or isinstance(node, ast.Constant):
            return frozenset()
        if isinstance(node, ast.Name):
            if node.id in env or self.local_names is None or node.id in self.local_names:
                return env.get(node.id, frozenset())
            return frozenset({f"@global:{node.id}"})
        if isinstance(node, ast.Call):
            return self.call(node, env)
        if isinstance(node, ast.Attribute):
            held = self.value(node.value, env)
            if node.attr in _INSPECTING and not _is_module(node.value, self.imports):
                self._use("inspect", node, held)
            return held
        if isinstance(node, ast.Starred):
            return self.value(node.value, env)
        if isinstance(node, ast.Subscript):
            self.value(node.slice, env)
            return self.value(node.value, env)
        if isinstance(node, ast.Lambda):
            return frozenset()
        held: frozenset[str] = frozenset()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                held |= self.value(child, env)
            elif isinstance(child, ast.comprehension):
                held |= self.value(child.iter, env)
                for condition in child.ifs:
                    self.value(condition, env)
        return held

    def call(self, node: ast.Call, env: dict) -> frozenset[str]:
        func = node.func
        qualified = qualified_name(func, self.imports) or ""
        arguments = [self.value(a, env) for a in node.args]
        keywords = {kw.arg: self.value(kw.value, env) for kw in node.keywords}
        passed = frozenset().union(*arguments, *keywords.values())
        key = self.key(func)
        if key is not None:
            self._construction(key, node)
            if key in self.functions:
                self._pass_arguments(key, node, arguments, keywords)
                return frozenset({f"@ret:{key}"})
            return frozenset({key}) | passed
        last = qualified.rsplit(".", 1)[-1]
        if last.endswith("Checkpoint") and last != "ModelCheckpoint":
            for keyword in node.keywords:  # tf.train.Checkpoint(model=...) stores its weights
                self._use("store", node, keywords[keyword.arg])
        if qualified in _CHECKPOINTS:
            return frozenset({"@checkpoint"})
        if any(marker in qualified for marker in _IMAGES):
            return frozenset({"@image"})
        framework = framework_of(qualified)
        if last == "ModelCheckpoint":
            return self._model_checkpoint(node)
        if framework in ("keras", "tf_keras") and (last in ("save_model", "clone_model")):
            if node.args and not (last == "clone_model" and _keyword(node, "clone_function")):
                # a clone_function decides how each layer is copied (get_config or not)
                kind = "save" if last == "save_model" else "clone_model"
                path = node.args[1] if len(node.args) > 1 else _keyword(node, "filepath")
                self._use(kind, node, arguments[0], path, _keyword(node, "save_format"))
            return passed
        if framework in ("keras", "tf_keras") and last == "load_model":
            self._reload(node)
            return passed
        if last in ("custom_object_scope", "CustomObjectScope") and self.result.covered is not None:
            names = _mapping_names(node.args[0] if node.args else None)
            self.result.covered = None if names is None else self.result.covered | names
            return passed
        if qualified == "torch.save" and node.args:
            self._use("state", node, arguments[0])
            return passed
        if last in _TORCH_WRAPPERS and node.args:
            self._use("move", node, arguments[0])
            return arguments[0] | passed
        if isinstance(func, ast.Attribute):
            receiver = self.value(func.value, env)
            self._method_use(node, func.attr, receiver, keywords, env)
            if _is_module(func.value, self.imports):
                return passed
            if func.attr in _SELF_RETURNING:
                return receiver | passed
            if func.attr in _DATA_METHODS:
                return frozenset()
            return self._called(receiver) | passed
        return self._called(self.value(func, env)) | passed

    def _called(self, held: frozenset[str]) -> frozenset[str]:
        """What calling an object (or a method of it) returns: a Keras layer's output carries
        the layer into the model built from it; a torch module's output is a tensor."""
        if "*" in self.torch_keys:
            return frozenset(key for key in held if key.startswith("@"))
        return held - self.torch_keys

    def _method_use(self, node: ast.Call, method: str, receiver: frozenset[str], keywords: dict,
                    env: dict) -> None:
        if _is_module(node.func.value, self.imports):
            return
        if method in _TRAINING:
            self._use("train", node, receiver)
        elif method in _STORING:
            self._use("store", node, receiver)
        elif method in _INSPECTING:
            self._use("inspect", node, receiver)
        if method == "save":
            path = node.args[0] if node.args else _keyword(node, "filepath")
            self._use("save", node, receiver, path, _keyword(node, "save_format"))
        elif method in ("get_config", "to_json", "to_yaml"):
            self._use("to_json" if method == "to_yaml" else method, node, receiver)
        elif method == "fit":
            callbacks = keywords.get("callbacks", frozenset())
            for marker in callbacks:
                if marker.startswith("@ckpt:"):
                    self._use("checkpoint", node, receiver, file_format=marker[6:])
        elif method == "compile" and isinstance(node.func.value, ast.Name):
            losses = self._compiled_functions(node)
            if losses:
                name = node.func.value.id
                env[name] = env.get(name, frozenset()) | losses
        elif method in _TORCH_MOVES:
            self._use("move", node, receiver)
        elif method in ("state_dict", "load_state_dict"):
            self._use("state", node, receiver)

    def key(self, func: ast.expr) -> str | None:
        """The class or function a call constructs or calls, when it is the project's own."""
        if (isinstance(func, ast.Name) and (func.id in self.classes or func.id in self.functions)
                and func.id not in self.imports):
            return func.id
        if not _is_module(func, self.imports):
            return None
        qualified = qualified_name(func, self.imports)
        if qualified is None:
            return None
        head = qualified.lstrip(".").split(".")[0]
        last = qualified.rsplit(".", 1)[-1]
        if head in _LIBRARY_ROOTS or framework_of(qualified.lstrip(".")) or "." not in qualified:
            return None
        return qualified if last[:1].isupper() else None

    def _compiled_functions(self, node: ast.Call) -> frozenset[str]:
        """Local functions given as losses or metrics to compile()."""
        values = [kw.value for kw in node.keywords if kw.arg in ("loss", "metrics", "weighted_metrics")]
        values += node.args[1:2]
        found = set()
        for value in values:
            for child in ast.walk(value):
                if isinstance(child, ast.Name) and child.id in self.functions:
                    found.add(child.id)
                elif isinstance(child, ast.Call):
                    key = self.key(child.func)
                    if key is not None and key not in self.functions:
                        found.add(key)
        return frozenset(found)

    def _model_checkpoint(self, node: ast.Call) -> frozenset[str]:
        weights_only = _keyword(node, "save_weights_only")
        if isinstance(weights_only, ast.Constant) and weights_only.value is True:
            return frozenset()
        if weights_only is not None and not isinstance(weights_only, ast.Constant):
            return frozenset()  # decided at run time: no evidence either way
        path = node.args[0] if node.args else _keyword(node, "filepath")
        file_format = self.file_format(path, None)
        if file_format in ("savedmodel", "other"):
            return frozenset()
        return frozenset({f"@ckpt:{file_format}"})

    def _use(self, kind: str, node: ast.expr, held: frozenset[str], path: ast.expr | None = None,
             save_format: ast.expr | None = None, file_format: str = "") -> None:
        if not held or "@checkpoint" in held or "@image" in held:
            return  # holds no class of the project (a tensor's .float(), a checkpoint object)
        parameter = ""
        if kind == "save":
            file_format = self.file_format(path, save_format)
            if file_format in ("savedmodel", "other"):
                kind = "store"  # the weights, not the config (or not a model file at all)
            if (file_format == "maybe" and isinstance(path, ast.Name) and save_format is None
                    and path.id in self.parameters and path.id not in self.assigned):
                parameter = f"{self.scope_name}:{path.id}"  # decided by the callers' paths
        use = Use(kind, node.lineno + self.offset, _short(node), file_format,
                  ast.unparse(path) if path is not None else "", self.guarded,
                  columns=_columns(node, self.offset), path_parameter=parameter)
        self.result.uses.append((use, held))

    def _reload(self, node: ast.Call) -> None:
        path = node.args[0] if node.args else _keyword(node, "filepath")
        mapping = _keyword(node, "custom_objects")
        covered = frozenset() if mapping is None else _mapping_names(mapping)
        compile_flag = _keyword(node, "compile")
        compiles = not (isinstance(compile_flag, ast.Constant) and compile_flag.value is False)
        self.result.reloads.append(Use(
            "reload", node.lineno + self.offset, _short(node), "",
            ast.unparse(path) if path is not None else "", self.guarded,
            None if covered is None else frozenset(covered), compiles,
            columns=_columns(node, self.offset)))

    def _construction(self, key: str, node: ast.Call) -> None:
        spans = self.result.constructions.setdefault(key, [])
        spans.append((node.lineno + self.offset, node.col_offset,
                      (node.end_lineno or node.lineno) + self.offset, node.end_col_offset or 0))

    def _pass_arguments(self, function: str, node: ast.Call, arguments: list, keywords: dict) -> None:
        parameters = self.functions[function]
        passed = list(zip(parameters, node.args)) + [
            (kw.arg, kw.value) for kw in node.keywords if kw.arg in parameters]
        for parameter, value in passed:
            strings = self._strings(value)
            if strings:
                self.result.path_arguments.setdefault(f"{function}:{parameter}", []).append(
                    format_of(strings, isinstance(value, ast.Constant)))
        for index, held in enumerate(arguments):
            if index < len(parameters) and held:
                self.result.arguments.setdefault(f"{function}:{parameters[index]}", set()).update(held)
        for name, held in keywords.items():
            if name in parameters and held:
                self.result.arguments.setdefault(f"{function}:{name}", set()).update(held)

    # -- file formats -------------------------------------------------------------------
    def file_format(self, path: ast.expr | None, save_format: ast.expr | None) -> str:
        """"file", "savedmodel", "other" (not a model file) or "maybe"."""
        if isinstance(save_format, ast.Constant) and isinstance(save_format.value, str):
            return "savedmodel" if save_format.value.lower() in ("tf", "savedmodel") else "file"
        if path is None:
            return "maybe"
        whole_literal = isinstance(path, ast.Constant) or (
            isinstance(path, ast.Name) and isinstance(self.assigned.get(path.id), ast.Constant))
        return format_of(self._strings(path), whole_literal)

    def _strings(self, node: ast.expr, depth: int = 0) -> tuple[str, ...]:
        """String constants in a path expression, through the variables it reads."""
        found: list[str] = []
        for child in ast.walk(node):
            if isinstance(child, ast.Constant) and isinstance(child.value, str):
                found.append(child.value)
            elif isinstance(child, ast.Name):
                value = self.assigned.get(child.id)
                if value is not None and depth < 3:
                    found.extend(self._strings(value, depth + 1))
                elif child.id not in self.assigned:
                    found.extend(self.module_strings.get(child.id, ()))
        return tuple(found)


def format_of(strings: tuple[str, ...], whole_literal: bool = False) -> str:
    """"file", "savedmodel", "other" (not a model file) or "maybe", from the string constants
    of a path expression."""
    if not strings:
        return "maybe"
    endings = [string.rstrip().rsplit("/", 1)[-1] for string in strings]
    if any(_MODEL_FILE.search(ending) for ending in endings):
        return "file"
    if any(_EXTENSION.search(ending) for ending in endings):
        return "other"
    return "savedmodel"  # no extension: Keras 2's SavedModel directory (Keras 3 refuses it)


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in node.keywords if kw.arg == name), None)


def _mapping_names(node: ast.expr | None) -> frozenset[str] | None:
    if not isinstance(node, ast.Dict):
        return None
    names = set()
    for key, value in zip(node.keys, node.values):
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
        if isinstance(value, ast.Name):
            names.add(value.id)
    return frozenset(names)


def _is_module(node: ast.expr, imports: ImportTable) -> bool:
    head = node
    while isinstance(head, ast.Attribute):
        head = head.value
    return isinstance(head, ast.Name) and head.id in imports


def _is_raises(node: ast.expr) -> bool:
    func = node.func if isinstance(node, ast.Call) else node
    return isinstance(func, ast.Attribute) and func.attr in _RAISES


def _columns(node: ast.expr, offset: int) -> tuple[int, int, int]:
    return (node.col_offset, (node.end_lineno or node.lineno) + offset, node.end_col_offset or 0)


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


# -- the program ----------------------------------------------------------------------------
_scope_cache: OrderedDict[tuple, tuple[_Scope, frozenset[str]]] = OrderedDict()
_names_ids: dict[tuple, int] = {}
"""The names a module defines and imports -> a small number for the cache keys (a tuple's hash
is not cached, and every definition's key would hash it again)."""
_MARKERS = (".save(", "save_model(", "get_config(", "to_json(", "to_yaml(", "clone_model(",
            "ModelCheckpoint", "load_model(", "custom_object", ".compile(", ".fit(", ".to(",
            "save_weights(", ".export(", "train_on_batch(", "Checkpoint(",
            ".cuda(", ".half(", ".double(", ".float(", ".bfloat16(", ".type(", "state_dict",
            "torch.save", "DataParallel", "prepare(")


def _remember(key: tuple, value):
    _scope_cache[key] = value
    if len(_scope_cache) > _CACHE_SIZE:
        _scope_cache.popitem(last=False)
    return value


def evidence(
    parts: list[tuple[ast.Module, int, str]], imports: ImportTable, torch_classes: frozenset[str],
) -> Evidence:
    """Evidence of a program given as parsed parts (tree, line offset, source text of the
    part); the parts' module-level statements run in order as one program. `torch_classes`:
    the keys that are torch modules ("*": all of them, for a module that uses torch only)."""
    statements = [(stmt, offset, text) for tree, offset, text in parts for stmt in tree.body]
    classes = frozenset(s.name for s, _, _ in statements if isinstance(s, ast.ClassDef))
    functions = {
        s.name: [a.arg for a in [*s.args.posonlyargs, *s.args.args, *s.args.kwonlyargs]]
        for s, _, _ in statements if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    module_strings = _module_strings(statements)
    names_key = (classes, tuple(sorted((k, tuple(v)) for k, v in functions.items())),
                 tuple(sorted(imports.items())), torch_classes, tuple(sorted(module_strings.items())))
    names_id = _names_ids.setdefault(names_key, len(_names_ids))
    if len(_names_ids) > _CACHE_SIZE:
        _names_ids.clear()
    scopes: list[tuple[_Scope, int]] = []
    returns: dict[str, set[str]] = {}
    contains: dict[str, set[str]] = {}
    module_reader = _Reader(imports, classes, functions, torch_classes, "<module>", 0)
    env: dict[str, frozenset[str]] = {}
    for statement, offset, text in statements:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            # Cached with block-relative lines, so an edit above a class does not re-read it.
            key = (text, statement.lineno, names_id)
            cached = _scope_cache.get(key)
            if cached is None:
                cached = _remember(key, _definition(statement, imports, classes, functions,
                                                    torch_classes, 0, module_strings,
                                                    any(marker in text for marker in _MARKERS)))
            scope, held = cached
            scopes.append((scope, offset))
            if isinstance(statement, ast.ClassDef):
                contains[statement.name] = set(held)
            else:  # a notebook may define a function twice: a call may reach either
                returns.setdefault(statement.name, set()).update(scope.returns)
        else:
            module_reader.offset = offset
            env = module_reader.statement(statement, env)
    scopes.append((module_reader.result, 0))
    return _resolve(scopes, returns, contains)


def _shifted(scope: _Scope, offset: int) -> _Scope:
    """The scope's uses and reloads `offset` lines further down."""
    if offset == 0:
        return scope

    def shift(use: Use) -> Use:
        column, end_line, end_column = use.columns
        return replace(use, line=use.line + offset, columns=(column, end_line + offset, end_column))

    return _Scope(
        uses=[(shift(use), held) for use, held in scope.uses],
        reloads=[shift(use) for use in scope.reloads],
        returns=scope.returns, arguments=scope.arguments, path_arguments=scope.path_arguments,
        covered=scope.covered,
    )


def _module_strings(statements: list[tuple[ast.stmt, int, str]]) -> dict[str, tuple[str, ...]]:
    """String constants in the values of module-level `NAME = ...` assignments."""
    found: dict[str, tuple[str, ...]] = {}
    for statement, _, _ in statements:
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            strings = tuple(node.value for node in ast.walk(statement.value)
                            if isinstance(node, ast.Constant) and isinstance(node.value, str))
            if strings:
                found[statement.targets[0].id] = strings
    return found


def _definition(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, imports: ImportTable,
    classes: frozenset[str], functions: dict[str, list[str]], torch_classes: frozenset[str],
    offset: int, module_strings: dict[str, tuple[str, ...]], read_methods: bool = True,
) -> tuple[_Scope, frozenset[str]]:
    """A function's scope, or a class's methods as one scope and what the class constructs.
    `read_methods`: False when the class's text mentions no save, move or compile (its
    methods then have nothing to say; what it constructs still counts)."""
    if isinstance(node, ast.ClassDef):
        merged = _Scope()
        held: set[str] = {base for base in (b.id for b in node.bases if isinstance(b, ast.Name))
                          if base in classes}
        for member in node.body if read_methods else ():
            if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                scope = _function_scope(member, imports, classes, functions, torch_classes,
                                        offset, f"{node.name}.{member.name}", False, module_strings)
                _merge(merged, scope)
        reader = _Reader(imports, classes, functions, torch_classes, "", 0)
        for child in walk(node):
            if isinstance(child, ast.Call):
                key = reader.key(child.func)
                if key is not None and key != node.name:
                    held.add(key if key not in functions else f"@ret:{key}")
        return merged, frozenset(held)
    return _function_scope(node, imports, classes, functions, torch_classes, offset, node.name,
                           True, module_strings), frozenset()


def _function_scope(
    node: ast.FunctionDef | ast.AsyncFunctionDef, imports: ImportTable, classes: frozenset[str],
    functions: dict[str, list[str]], torch_classes: frozenset[str], offset: int, name: str,
    with_parameters: bool, module_strings: dict[str, tuple[str, ...]],
) -> _Scope:
    reader = _Reader(imports, classes, functions, torch_classes, name, offset)
    reader.module_strings = module_strings
    env: dict[str, frozenset[str]] = {}
    if with_parameters:
        reader.parameters = frozenset(functions.get(node.name, []))
        for parameter in functions.get(node.name, []):
            env[parameter] = frozenset({f"@arg:{node.name}:{parameter}"})
    reader.local_names = _local_names(node) | classes | frozenset(functions) | frozenset(imports)
    reader.run(node.body, env)
    return reader.result


def _local_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    """The names a function binds itself (parameters, assignments, nested definitions,
    imports), less those it declares `global`."""
    arguments = node.args
    names = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                             *filter(None, [arguments.vararg, arguments.kwarg])]}
    declared: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Load):
            names.add(child.id)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child is not node:
            names.add(child.name)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in child.names)
        elif isinstance(child, ast.Global):
            declared.update(child.names)
        elif isinstance(child, ast.arg):
            names.add(child.arg)  # a nested function's or lambda's parameter
    return frozenset(names - declared)


def _merge(into: _Scope, scope: _Scope) -> None:
    into.uses.extend(scope.uses)
    into.reloads.extend(scope.reloads)
    for key, held in scope.arguments.items():
        into.arguments.setdefault(key, set()).update(held)
    for key, formats in scope.path_arguments.items():
        into.path_arguments.setdefault(key, []).extend(formats)
    for key, spans in scope.constructions.items():
        into.constructions.setdefault(key, []).extend(spans)
    if into.covered is not None:
        into.covered = None if scope.covered is None else into.covered | scope.covered


def _resolve(placed: list[tuple[_Scope, int]], returns: dict[str, set[str]],
             contains: dict[str, set[str]]) -> Evidence:
    """Markers resolved, and the scopes' uses placed at their lines (scope, line offset)."""
    arguments: dict[str, set[str]] = {}
    bound: dict[str, set[str]] = {}
    path_formats: dict[str, list[str]] = {}
    covered: set[str] | None = set()
    scopes = [_shifted(scope, offset) for scope, offset in placed if scope.uses or scope.reloads]
    for scope, _ in placed:
        for key, formats in scope.path_arguments.items():
            path_formats.setdefault(key, []).extend(formats)
        for key, held in scope.arguments.items():
            arguments.setdefault(key, set()).update(held)
        for key, held in scope.bound.items():
            bound.setdefault(key, set()).update(held)
        if covered is not None:
            covered = None if scope.covered is None else covered | scope.covered
    memo: dict[tuple[str, bool], frozenset[str]] = {}

    def expand(key: str, seen: frozenset[str], deep: bool) -> frozenset[str]:
        if (key, deep) in memo:
            return memo[key, deep]
        if key in seen:
            return frozenset()
        seen = seen | {key}
        if key.startswith("@ret:"):
            inner = returns.get(key[5:], set())
            out: set[str] = set()
        elif key.startswith("@arg:"):
            inner = arguments.get(key[5:], set())
            out = set()
        elif key.startswith("@global:"):
            inner = bound.get(key[8:], set())
            out = set()
        else:
            inner = contains.get(key, set()) if deep else set()
            out = {key}
        for item in inner:
            out |= expand(item, seen, deep)
        result = frozenset(out)
        if not seen - {key}:
            memo[key, deep] = result
        return result

    def resolved(held: frozenset[str], deep: bool) -> frozenset[str]:
        out: set[str] = set()
        for key in held:
            out |= expand(key, frozenset(), deep)
        return frozenset(k for k in out if not k.startswith("@"))

    def file_format(use: Use) -> str:
        formats = path_formats.get(use.path_parameter, ()) if use.path_parameter else ()
        if not formats:
            return use.file_format
        if "file" in formats:
            return "file"
        return "maybe" if "maybe" in formats else "savedmodel"

    def kind(use: Use, file_format: str) -> str:
        """A save whose callers all pass SavedModel paths writes the weights only."""
        return "store" if use.kind == "save" and file_format == "savedmodel" else use.kind

    uses = tuple(
        Use(**{**use.__dict__, "held": resolved(held, False), "contained": resolved(held, True),
               "file_format": fmt, "kind": kind(use, fmt)})
        for scope in scopes for use, held in scope.uses
        for fmt in (file_format(use),)
    )
    uses = tuple(use for use in uses if use.contained)
    constructions: dict[str, list[tuple[int, int, int, int]]] = {}
    if any(use.kind not in _FATE_ONLY for use in uses):  # read for saved classes only
        for scope, offset in placed:
            for key, spans in scope.constructions.items():
                constructions.setdefault(key, []).extend(
                    (line + offset, column, end + offset, end_column)
                    for line, column, end, end_column in spans)
    reloads = []
    for scope in scopes:
        for use in scope.reloads:
            if covered is None or use.covered is None:
                reloads.append(Use(**{**use.__dict__, "covered": None}))
            else:
                reloads.append(Use(**{**use.__dict__, "covered": use.covered | covered}))
    return Evidence(
        uses, tuple(reloads),
        {key: tuple(sorted(spans)) for key, spans in constructions.items()},
        None if covered is None else frozenset(covered),
    )


def same_file(save: Use, reload: Use) -> bool:
    """A reload reads what a save wrote: the same path expression, or the same file name."""
    if not save.path or not reload.path:
        return False
    if save.path == reload.path:
        return True
    def name(path: str) -> str:
        return path.strip("'\"").rsplit("/", 1)[-1]
    return save.path[:1] in "'\"f" and name(save.path) == name(reload.path) and "." in name(save.path)


__all__ = ["EMPTY", "SERIALIZING", "TORCH_KINDS", "Evidence", "Use", "elsewhere", "evidence",
           "same_file", "use_span"]
