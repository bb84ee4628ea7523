"""Reading one scope (module code, a function, a class's methods) in order, without running
anything: what each variable holds (the project's classes constructed in the expression
assigned to it, and what the names it reads hold; rebinding replaces, the arms of an `if`
merge) and what the code does with it (`model_uses.Use`: saves with the file format read from
the path, reloads, torch moves, training, weights-only stores, variable reads). What the scope
cannot know stays a marker in the held sets for `save_evidence` to resolve: `@ret:f` (what
function `f` returns), `@arg:f:p` (what callers pass to parameter `p`), `@global:name` (what
module code binds to a global a function reads).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from layerlint.analysis.flow import TRY_NODES
from layerlint.analysis.frameworks import framework_of
from layerlint.analysis.imports import ImportTable, qualified_name
from layerlint.analysis.model_uses import Use
from layerlint.analysis.walk import child_nodes, walk
from layerlint.syntax import torch_moves

_TRAINING = {"fit", "fit_generator", "train_on_batch", "compile"}
_STORING = {"save_weights", "export"}
INSPECTING = {"variables", "trainable_variables", "non_trainable_variables", "weights",
              "trainable_weights", "non_trainable_weights", "get_weights", "count_params",
              "summary"}
"""Attributes and methods of a model that read its weights (an "inspect" use)."""

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
_TORCH_WRAPPERS = ("DataParallel", "DistributedDataParallel", "prepare")
_RAISES = ("assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "raises")
_LIBRARY_ROOTS = {"numpy", "tensorflow", "torch", "jax", "keras", "tf_keras", "PIL", "os", "sys",
                  "pandas", "sklearn", "scipy", "matplotlib", "tensorflow_datasets", "math",
                  "functools", "typing", "collections", "dataclasses", "absl", "json"}


@dataclass
class Scope:
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


class Reader:
    """Reads one scope's statements in order, keeping what each variable holds."""

    def __init__(self, imports: ImportTable, classes: frozenset[str], functions: dict[str, list[str]],
                 torch_keys: frozenset[str], scope_name: str, offset: int):
        self.imports = imports
        self.classes = classes
        self.functions = functions
        self.torch_keys = torch_keys
        self.scope_name = scope_name
        self.offset = offset
        self.result = Scope()
        self.assigned: dict[str, ast.expr | None] = {}
        """Variable -> the expression last assigned to it (read only for save paths)."""
        self.module_strings: dict[str, tuple[str, ...]] = {}
        """String constants of module-level names (`MODEL_PATH = "m.keras"`), read by functions."""
        self.guarded = False
        self.parameters: frozenset[str] = frozenset()
        self.local_names: frozenset[str] | None = None
        """A function's or method's own names; None in module code. Another name it reads is
        a global of the module (`@global:name`)."""
        self.inner_functions: frozenset[int] = frozenset()
        """The functions a module function defines at the top of its body (ids): such a name
        holds `factory/inner` (`create_huber/huber_fn`), so a factory's call holds the function
        it returns, which a saved model records by the inner function's own name."""

    # -- statements ---------------------------------------------------------------------
    def run(self, statements: list[ast.stmt], env: dict[str, frozenset[str]]) -> dict:
        for statement in statements:
            env = self.statement(statement, env)
        return env

    def statement(self, node: ast.stmt, env: dict) -> dict:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if id(node) in self.inner_functions:
                env[node.name] = frozenset({f"{self.scope_name}/{node.name}"})
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
        elif isinstance(node, TRY_NODES):
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
            for child in child_nodes(node):
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
            if node.attr in INSPECTING and not _is_module(node.value, self.imports):
                self._use("inspect", node, held)
            return held
        if isinstance(node, ast.Starred):
            return self.value(node.value, env)
        if isinstance(node, ast.Subscript):
            self.value(node.slice, env)
            return self.value(node.value, env)
        if isinstance(node, ast.Lambda):
            return frozenset()
        held = frozenset()
        for child in child_nodes(node):
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
        if qualified == "torch.save":
            # `torch.save(model, path)` pickles the whole module, plain attributes included: no
            # "state" use (`model.state_dict()`, saved or loaded, is one, read as a method).
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
        func = node.func  # an attribute: the caller found `receiver.method(...)`
        if not isinstance(func, ast.Attribute) or _is_module(func.value, self.imports):
            return
        if method in _TRAINING:
            self._use("train", node, receiver)
        elif method in _STORING:
            self._use("store", node, receiver)
        elif method in INSPECTING:
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
        elif method == "compile" and isinstance(func.value, ast.Name):
            losses = self._compiled_functions(node)
            if losses:
                name = func.value.id
                env[name] = env.get(name, frozenset()) | losses
        elif method in torch_moves.MOVE_METHODS and method != "type_as":
            changes = torch_moves.changes(node)
            if torch_moves.DEVICE in changes:
                self._use("move", node, receiver)
            if torch_moves.DTYPE in changes:
                self._use("cast", node, receiver, dtype=torch_moves.cast_dtype(node))
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
        """Local functions given as losses or metrics to compile(), and what the calls there
        make: a class's instance, or whatever a local function returns (`create_huber(2.0)`
        gives the function it returns, recorded under that function's own name, not the
        factory)."""
        values = [kw.value for kw in node.keywords if kw.arg in ("loss", "metrics", "weighted_metrics")]
        values += node.args[1:2]
        found = set()
        for value in values:
            nodes = walk(value)
            callees = {id(child.func) for child in nodes if isinstance(child, ast.Call)}
            for child in nodes:
                if isinstance(child, ast.Name) and child.id in self.functions \
                        and id(child) not in callees:
                    found.add(child.id)
                elif isinstance(child, ast.Call):
                    key = self.key(child.func)
                    if key is not None:
                        found.add(f"@ret:{key}" if key in self.functions else key)
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
             save_format: ast.expr | None = None, file_format: str = "", dtype: str = "") -> None:
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
                  columns=_columns(node, self.offset), path_parameter=parameter, dtype=dtype)
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
