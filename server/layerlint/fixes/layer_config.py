"""Quick-fix "Add get_config/from_config to Wrapper": make a custom layer saveable (LL201).

Keras generates a layer's config only from basic-typed constructor arguments; a layer object, a
function or an array passed to `__init__` makes `model.save()` raise NotImplementedError. The
fix appends two methods to the class that return every constructor argument and rebuild the
layer from them, passing the non-basic ones through Keras' own serializer:

    def get_config(self):
        config = super().get_config()
        config.update({
            "inner": keras.saving.serialize_keras_object(self.inner),
            "units": self.units,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config["inner"] = keras.saving.deserialize_keras_object(config["inner"])
        return cls(**config)

An argument `__init__` does not keep as `self.<arg> = <arg>` is stored right after the
`super().__init__(...)` call under a free attribute name. When `__init__` takes no `**kwargs`,
the config holds the arguments only (the base config's name/trainable/dtype could not be passed
back). Measured under Keras 3.15.1 and tf-keras 2.21: nested layers, named functions (found by
`custom_objects` or registration), `keras.activations` functions and numpy arrays round-trip
through `.keras` save + load with this code.

The edit only inserts whole lines, so every other byte of the module stays as it was. The
request (`fix_requests.AddLayerConfig`): class_name, definition_line (the `class` line,
1-based), framework ("keras" or "tf_keras"), serialized (the argument names to pass through the
serializer).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from layerlint.fix_requests import AddLayerConfig
from layerlint.fixes import FixError
from layerlint.fixes.import_names import add_import, newline_of, parse
from layerlint.fixes.text_blocks import split_lines
from layerlint.syntax.import_names import saving_namespace
from layerlint.syntax.imports import collect_imports
from layerlint.syntax.init_method import config_fix_problem, own_init, super_init_statement
from layerlint.syntax.scope_names import names_taken_in_class, names_taken_in_module


@dataclass(frozen=True)
class ConfigArgument:
    name: str
    attribute: str
    stored: bool
    """True when `__init__` already keeps the argument as `self.<attribute> = <name>`."""
    serialized: bool


def apply(source: str, request: AddLayerConfig) -> str:
    class_name, line, framework = request.class_name, request.definition_line, request.framework
    serialized = set(request.serialized)
    tree = parse(source)
    class_node = next(
        (node for node in ast.walk(tree)
         if isinstance(node, ast.ClassDef) and node.name == class_name and node.lineno == line),
        None,
    )
    if class_node is None:
        raise FixError(f"class {class_name} is not on line {line} any more: re-run the analysis")
    problem = config_fix_problem(class_node)
    if problem:
        raise FixError(f"cannot add a config to {class_name}: {problem}")
    init = own_init(class_node)
    assert init is not None
    names = {arg.arg for arg in [*init.args.args[1:], *init.args.kwonlyargs]}
    unknown = sorted(serialized - names)
    if unknown:
        raise FixError(f"{class_name}.__init__ takes no argument {', '.join(unknown)} any more: "
                       "re-run the analysis")
    arguments = config_arguments(class_node, init, serialized)
    namespace = saving_namespace(collect_imports(tree.body), framework, names_taken_in_module(tree))
    if namespace is None:
        raise FixError(f"no name reaches the {framework} serialization functions in this module")
    lines = split_lines(source)
    newline = newline_of(lines)
    body_indent = _indent(lines[class_node.body[0].lineno - 1])
    unit = body_indent[len(_indent(lines[class_node.lineno - 1])):] or "    "
    methods = _methods(arguments, namespace.prefix, init.args.kwarg is not None, body_indent, unit)
    _insert(lines, class_node.end_lineno or class_node.lineno, ["", *methods], newline)
    super_init = super_init_statement(init)
    assert super_init is not None
    receiver = init.args.args[0].arg
    storage = [
        f"{_indent(lines[super_init.lineno - 1])}{receiver}.{argument.attribute} = {argument.name}"
        for argument in arguments if not argument.stored
    ]
    _insert(lines, super_init.end_lineno or super_init.lineno, storage, newline)
    return add_import("".join(lines), namespace.import_line)


def config_arguments(
    class_node: ast.ClassDef, init: ast.FunctionDef, serialized: set[str]
) -> list[ConfigArgument]:
    """Every named argument of `__init__` (self, *args and **kwargs excluded), with the
    attribute that holds it."""
    receiver = init.args.args[0].arg
    stored = _stored_attributes(init, receiver)
    taken = names_taken_in_class(class_node)
    arguments = []
    for arg in [*init.args.args[1:], *init.args.kwonlyargs]:
        name = arg.arg
        if name in stored:
            attribute, is_stored = stored[name], True
        else:
            attribute = _free_attribute(name, taken)
            taken.add(attribute)
            is_stored = False
        arguments.append(ConfigArgument(name, attribute, is_stored, name in serialized))
    return arguments


def _stored_attributes(init: ast.FunctionDef, receiver: str) -> dict[str, str]:
    """Argument -> attribute for top-level `self.<attribute> = <argument>` statements."""
    stored: dict[str, str] = {}
    for statement in init.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else (
            [statement.target] if isinstance(statement, ast.AnnAssign) else [])
        value = getattr(statement, "value", None)
        if len(targets) != 1 or not isinstance(value, ast.Name):
            continue
        target = targets[0]
        if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                and target.value.id == receiver):
            stored.setdefault(value.id, target.attr)
    return stored


def _free_attribute(name: str, taken: set[str]) -> str:
    for candidate in (name, f"_{name}", f"{name}_config"):
        if candidate not in taken:
            return candidate
    number = 1
    while f"_{name}_{number}" in taken:
        number += 1
    return f"_{name}_{number}"


def _methods(
    arguments: list[ConfigArgument], prefix: str, accepts_kwargs: bool, indent: str, unit: str
) -> list[str]:
    inner, item = indent + unit, indent + unit + unit
    base = "super().get_config()" if accepts_kwargs else "{}"
    entries = [
        f'{item}"{a.name}": '
        + (f"{prefix}.serialize_keras_object(self.{a.attribute})," if a.serialized
           else f"self.{a.attribute},")
        for a in arguments
    ]
    get_config = [
        f"{indent}def get_config(self):",
        f"{inner}config = {base}",
        f"{inner}config.update({{",
        *entries,
        f"{inner}}})",
        f"{inner}return config",
    ]
    restores = [
        f'{inner}config["{a.name}"] = {prefix}.deserialize_keras_object(config["{a.name}"])'
        for a in arguments if a.serialized
    ]
    from_config = [
        f"{indent}@classmethod",
        f"{indent}def from_config(cls, config):",
        *restores,
        f"{inner}return cls(**config)",
    ]
    return [*get_config, "", *from_config]


def _insert(lines: list[str], after_line: int, new_lines: list[str], newline: str) -> None:
    if not new_lines:
        return
    if after_line <= len(lines) and not lines[after_line - 1].endswith(("\n", "\r")):
        lines[after_line - 1] += newline
    lines[after_line:after_line] = [
        (text + newline) if text else newline for text in new_lines
    ]


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]
