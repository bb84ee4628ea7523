"""LL208 loss-config-missing: a custom Loss takes arguments of its own but defines no get_config.

A `keras.losses.Loss` subclass whose `__init__` takes arguments besides `name`, `reduction` and
`dtype`, without a `get_config()` that returns them.

What goes wrong: unlike layers, Keras generates no config for a Loss from its constructor
arguments: `Loss.get_config()` returns `name`, `reduction` and `dtype` only, and a model file
records that. When the file is loaded (with the class registered or in `custom_objects`),
Keras calls `cls(**config)`. Measured with Keras 3.15.1 and tf-keras 2.21 (.keras and .h5):
- an argument with a default comes back at its default, silently: `Focal(gamma=3.0)` is reloaded
  as `Focal(gamma=2.0)`, so training resumed from the file optimises another loss;
- an argument without a default cannot be passed: Keras 3 raises `TypeError: <class 'Focal'>
  could not be deserialized properly` (the constructor misses `gamma`).
Registering the class (LL207) does not help: the arguments are not in the file.

Reported on the class when a model compiled with it is saved to a file (`save_evidence`):
warning (error when an argument has no default and the program loads the file back, compiled,
so it crashes). Information when nothing in the module or project saves such a model.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from layerlint.analysis.facts import BlockFacts, line_ref
from layerlint.analysis.frameworks import framework_of
from layerlint.analysis.model_index import ClassModel
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.analysis.save_evidence import Use, elsewhere, same_file, use_span
from layerlint.analysis.source import parse_block_text
from layerlint.findings import Finding, Related, Severity, Span
from layerlint.fix_requests import AddLayerConfig, layer_config_title
from layerlint.syntax.init_method import config_fix_problem

CODE = "LL208"
NAME = "loss-config-missing"
SEVERITY = Severity.WARNING

_BASE_ARGUMENTS = {"self", "name", "reduction", "dtype"}


def check(facts: BlockFacts) -> Iterable[Finding]:
    if "Loss" not in facts.text:
        return
    tree, _ = parse_block_text(facts.text)  # cached: the engine parsed this text already
    for node in tree.body if tree is not None else ():
        if not isinstance(node, ast.ClassDef):
            continue
        model = facts.local_classes.get(node.name)
        framework = _loss_framework(model, facts, set()) if model is not None else None
        if (model is None or framework is None or "__init__" not in model.methods
                or _defines_config(model, facts, set())):
            continue
        arguments = _own_arguments(model.methods["__init__"])
        if arguments:
            yield _finding(facts, model, framework, arguments)


def _loss_framework(model: ClassModel, facts: BlockFacts, seen: set[str]) -> str | None:
    """"keras" or "tf_keras" for a subclass of a Keras Loss (directly or through this module)."""
    seen.add(model.name)
    for base in model.base_names:
        local = facts.local_classes.get(base)
        if local is not None:
            found = _loss_framework(local, facts, seen) if base not in seen else None
            if found:
                return found
        elif base.endswith(".Loss") or ".losses." in base:
            framework = framework_of(base)
            if framework in ("keras", "tf_keras"):
                return framework
    return None


def _defines_config(model: ClassModel, facts: BlockFacts, seen: set[str]) -> bool:
    if "get_config" in model.methods:
        return True
    seen.add(model.name)
    return any(
        base in facts.local_classes and base not in seen
        and _defines_config(facts.local_classes[base], facts, seen)
        for base in model.base_names
    )


def _own_arguments(init: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[ast.arg, bool]]:
    """(argument, has a default) for the arguments a Loss's own config cannot carry."""
    positional = [*init.args.posonlyargs, *init.args.args]
    first_default = len(positional) - len(init.args.defaults)
    found = [(argument, index >= first_default) for index, argument in enumerate(positional)]
    found += [(argument, default is not None)
              for argument, default in zip(init.args.kwonlyargs, init.args.kw_defaults)]
    return [(argument, default) for argument, default in found if argument.arg not in _BASE_ARGUMENTS]


def _finding(
    facts: BlockFacts, model: ClassModel, framework: str, arguments: list[tuple[ast.arg, bool]]
) -> Finding:
    names = ", ".join(f"`{argument.arg}`" for argument, _ in arguments)
    required = [argument.arg for argument, default in arguments if not default]
    saves = [use for use in facts.evidence.of(model.name, ("save", "checkpoint"))
             if not use.expected_to_fail]
    message = (
        f"{model.name} takes {names} but defines no get_config(): Keras records only a Loss's "
        f"name, reduction and dtype, so a model reloaded from a file rebuilds {model.name} "
    )
    message += (
        f"without {', '.join(required)} (TypeError: could not be deserialized properly)"
        if required else "with the default values of these arguments, silently"
    )
    related: tuple[Related, ...] = ()
    if saves:
        save = saves[0]
        crash = required and _reloaded(facts, save)
        severity = Severity.ERROR if crash else Severity.WARNING
        where = (elsewhere(save) if save.where
                 else f"on line {line_ref(save.line - facts.line_offset)}")
        message += f". A model compiled with it is saved {where}."
        if not save.where:
            related = (Related(use_span(save, facts.line_offset),
                               f"a model compiled with {model.name} is saved here"),)
    else:
        severity = Severity.INFORMATION
        message += (". Nothing in this module or project saves a model compiled with it, so this "
                    "matters once one is saved and reloaded.")
    message += " Add get_config() returning them."
    fixes: tuple[AddLayerConfig, ...] = ()
    if severity != Severity.INFORMATION and not config_fix_problem(model.node):
        fixes = (AddLayerConfig(
            title=layer_config_title(model.name), class_name=model.name,
            definition_line=model.node.lineno, framework=framework,
        ),)
    line = model.node.lineno
    column = facts.lines[line - 1].find(model.name) + 1
    span = Span(line, column, line, column + len(model.name)) if column else facts.span(model.node)
    return Finding(CODE, NAME, severity, span, message, related, fixes)


def _reloaded(facts: BlockFacts, save: Use) -> bool:
    return any(reload.where == save.where and reload.compiles and same_file(save, reload)
               for reload in facts.evidence.reloads)


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary="A custom Loss takes arguments but defines no get_config(): a reloaded model loses them.",
    fix_title="Add get_config()/from_config() that return and pass back the arguments.",
    fix_safety="unsafe",
    severity_by_evidence={
        Severity.WARNING: (
            "when a model compiled with it is saved (error when a required argument makes the program's"
            " own reload crash)"
        ),
        Severity.INFORMATION: "otherwise",
    },
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
import keras


class Focal(keras.losses.Loss):  # LL208
    def __init__(self, gamma=2.0, **kwargs):
        super().__init__(**kwargs)
        self.gamma = gamma

    def call(self, y_true, y_pred):
        return keras.ops.mean((y_true - y_pred) ** 2) * self.gamma


model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile("adam", loss=Focal(gamma=3.0))
model.save("model.keras")  # the file keeps name, reduction and dtype, not gamma
""",
        fix=(
            "`Add get_config/from_config to Focal`: a get_config() that adds the arguments to the base "
            "config, and a from_config() that passes them back (see `layerlint.fixes.layer_config`)."
        ),
        fix_safety=(
            "Adds get_config/from_config and may keep an unkept constructor argument as an attribute; a"
            " layer kept that way becomes tracked (its weights join the layer's)."
        ),
        when_to_ignore=(
            "When the saved file is never loaded with its loss (inference loads with `compile=False`, "
            "training never resumes from it), or the arguments are always left at their defaults."
        ),
    ),
)
