"""Message pieces and the quick-fixes shared by the layer-reuse rules LL101-LL104: split a layer
into one per call site, or give each iteration of a loop its own layer."""

from __future__ import annotations

import ast

from layerlint.analysis.class_attributes import name_attributes
from layerlint.analysis.facts import BlockFacts, line_ref
from layerlint.analysis.model_index import ClassModel
from layerlint.analysis.node_index import nodes_of_type
from layerlint.analysis.reuse import ReuseCase, count_known_at, iteration_loop
from layerlint.analysis.walk import walk
from layerlint.findings import Finding, Related, Severity
from layerlint.fix_requests import LayerPerIteration, SplitLayer, split_layer_title
from layerlint.syntax.import_names import spelling
from layerlint.syntax.scope_names import choose_free_names
from layerlint.syntax.self_attributes import self_attribute


def layer_label(case: ReuseCase) -> str:
    spec = case.spec
    class_name = spec.class_name.rsplit(".", 1)[-1]
    if spec.kind in ("custom", "container") and case.category == "stateful":
        owner = "which owns" if spec.kind == "custom" else "holding"
        return f"`{case.ref.display}` ({class_name}, {owner} a layer with moving statistics)"
    if spec.kind == "custom":
        return f"`{case.ref.display}` ({class_name}, a custom layer)"
    return f"`{case.ref.display}` ({spec.class_name})"


def input_shape_bound(case: ReuseCase) -> bool:
    """Whether the layer's weights take their shape from its first input (Dense, Conv2D: yes;
    Embedding, torch modules sized by their constructor: no). Unknown counts as bound."""
    info = case.spec.info
    if info is None:
        return True
    return bool(info.shape_bound_weights or getattr(info, "weights_from_constructor", False))


def channels_text(channels: tuple[int, str | None] | None) -> str:
    if channels is None:
        return "unknown channels"
    count, source = channels
    return f"{count} channels from {source}" if source else f"{count} channels"


def indexed_siblings_text(case: ReuseCase) -> str:
    names = ", ".join(f"`{name}`" for name in case.indexed_siblings)
    return (
        f"the loop gives {names} one layer per iteration, but every iteration shares "
        f"`{case.ref.display}`"
    )


def first_line(facts: BlockFacts, case: ReuseCase) -> str | None:
    """The first call's line, as a reference the engine turns into an absolute number."""
    return line_ref(facts.span(case.first_node).line) if case.first_node is not None else None


def related(facts: BlockFacts, case: ReuseCase) -> tuple[Related, ...]:
    if case.first_node is None:
        return ()
    note = f"first call of {case.ref.display}"
    if case.first_channels is not None:
        note += f" (input: {channels_text(case.first_channels)})"
    return (Related(facts.span(case.first_node), note),)


def make_finding(
    facts: BlockFacts, case: ReuseCase, code: str, name: str, severity: Severity, message: str,
    with_fix: bool = True,
) -> Finding:
    # At most one applies: a split needs call sites outside loops, the other one loop.
    fixes = (split_fix(facts, case), per_iteration_fix(facts, case)) if with_fix else ()
    return Finding(
        code=code, name=name, severity=severity, span=facts.span(case.report_node),
        message=message, related=related(facts, case),
        fixes=tuple(fix for fix in fixes if fix is not None),
    )


def split_fix(facts: BlockFacts, case: ReuseCase) -> SplitLayer | None:
    """`Split bn into bn_1/bn_2` when duplicating the construction is provably correct."""
    from layerlint.analysis.reuse import is_fixable_by_split

    owner = _owner_of(facts, case)
    if owner is None:
        return None
    definition, taken, class_name, function_name, scope_node = owner
    alias = _alias_statement(case, scope_node) if not case.group[0].direct else None
    alias_target = alias.targets[0] if alias is not None else None  # a Name (alias_binding)
    alias_name = alias_target.id if isinstance(alias_target, ast.Name) else None
    if not is_fixable_by_split(case, definition is not None, alias_name):
        return None
    if case.proven_mismatch and case.spec.in_channels is not None:
        # torch `BatchNorm2d(6)` is sized by its constructor: a copy with the same arguments
        # would still reject the second call's 16 channels.
        return None
    extra = (alias.value,) if alias is not None else ()
    if _has_other_references(case, definition, scope_node, extra):
        # `self.bn.trainable = False` would break once `self.bn` is gone: no automatic split.
        return None
    names = tuple(choose_free_names(case.ref.name, len(case.group), taken))
    call_sites = tuple((span.line, span.column) for span in (facts.span(o.callee) for o in case.group))
    return SplitLayer(
        title=split_layer_title(case.ref.name, names), scope=case.ref.scope,
        class_name=class_name, function_name=function_name, name=case.ref.name, new_names=names,
        definition_line=definition.lineno, call_sites=call_sites, alias=alias_name,
        alias_line=facts.span(alias).line if alias is not None else None,
    )


def _alias_statement(case: ReuseCase, scope_node: ast.AST) -> ast.Assign | None:
    """`bn = self.bn` in the method that makes every call of the case through `bn`."""
    from layerlint.analysis.reuse import alias_binding

    line = case.occurrence.call.lineno
    function = next(
        (node for node in getattr(scope_node, "body", ())
         if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
         and node.lineno <= line <= (node.end_lineno or node.lineno)),
        None,
    )
    return alias_binding(case, function) if function is not None else None


def per_iteration_fix(facts: BlockFacts, case: ReuseCase) -> LayerPerIteration | None:
    """`Give each iteration its own bn (self.bns[i])` when a list of layers indexed by the
    loop's variable is provably correct: `self.bn = Ctor(args)` built once in `__init__`/`build`
    where the loop's count is already known, called only in one counted `for` loop."""
    loop = iteration_loop(case)
    model = _model_of(facts, case) if loop is not None else None
    if loop is None or model is None:
        return None
    definitions = model.attributes.get(case.ref.name, [])
    if len(definitions) != 1 or not definitions[0].simple:
        return None
    definition = definitions[0]
    if not _is_plain_construction(definition.statement):
        return None
    if case.proven_mismatch and case.spec.in_channels is not None:
        return None  # torch `BatchNorm2d(6)` copies would all still expect 6 channels
    local = facts.local_classes
    if any(model.name in other.base_names for other in local.values()):
        return None  # a subclass may change the count or the loop
    bases = tuple(local[name].node for name in model.base_names if name in local)
    if not count_known_at(loop.count, definition, model, bases):
        return None
    if _has_other_references(case, definition.statement, model.node):
        return None
    container = None
    if facts.frameworks.get(model.name) == "torch":
        # A plain list hides torch modules from parameters(), .to() and state_dict().
        container = spelling("torch.nn.ModuleList", facts.imports)
        if container is None:
            return None
    new_name = _free_plural(case.ref.name, facts.class_names_taken(model.node))
    call_sites = tuple((span.line, span.column) for span in (facts.span(o.callee) for o in case.group))
    return LayerPerIteration(
        title=f"Give each iteration its own {case.ref.name} (self.{new_name}[{loop.index}])",
        class_name=model.name, name=case.ref.name, new_name=new_name, index=loop.index,
        count=loop.count.code, container=container,
        definition_line=definition.statement.lineno, call_sites=call_sites,
    )


def _model_of(facts: BlockFacts, case: ReuseCase) -> ClassModel | None:
    line = case.occurrence.call.lineno
    return next(
        (model for model in facts.classes
         if model.node.lineno <= line <= (model.node.end_lineno or model.node.lineno)),
        None,
    )


def _is_plain_construction(statement: ast.stmt) -> bool:
    """`self.bn = Ctor(args)` whose call can move into a list comprehension unchanged: no
    `super()`, `await`, `yield` or `:=` (a comprehension is its own scope), and a `name=`, if
    any, written as a string the fix can make unique per layer."""
    if not (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)):
        return False
    call = statement.value
    for node in ast.walk(call):
        if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return False
        if isinstance(node, ast.Name) and node.id == "super":
            return False
    return all(
        isinstance(keyword.value, ast.JoinedStr)
        or (isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str))
        for keyword in call.keywords if keyword.arg == "name"
    )


def _free_plural(name: str, taken: set[str]) -> str:
    """`bn` -> `bns`, `batch` -> `batches`, `body` -> `bodies`; `bns_1` when `bns` is taken."""
    if name.endswith(("s", "x", "z", "ch", "sh")):
        plural = f"{name}es"
    elif name.endswith("y") and len(name) > 1 and name[-2] not in "aeiou_":
        plural = f"{name[:-1]}ies"
    else:
        plural = f"{name}s"
    return plural if plural not in taken else choose_free_names(plural, 1, taken)[0]


def _owner_of(facts: BlockFacts, case: ReuseCase):
    """(definition statement or None, taken names, class name, function name, scope node)."""
    occurrence_line = case.occurrence.call.lineno
    if case.ref.scope == "attribute":
        for model in facts.classes:
            node = model.node
            if node.lineno <= occurrence_line <= (node.end_lineno or node.lineno):
                definitions = model.attributes.get(case.ref.name, [])
                simple = definitions[0].statement if len(definitions) == 1 and definitions[0].simple else None
                return simple, facts.class_names_taken(node), model.name, None, node
        return None
    definition = facts.variable_definitions.get(case.ref.definition)
    if definition is None:
        return None
    statement, function_name, taken, scope_node = definition
    return statement, taken, None, function_name, scope_node


def _has_other_references(
    case: ReuseCase, definition: ast.stmt, scope_node: ast.AST, also: tuple[ast.AST, ...] = ()
) -> bool:
    """Whether the layer's name is used other than by its definition, its calls and `also`
    (the value of the alias the calls go through)."""
    expected = {id(occurrence.callee) for occurrence in case.group}
    expected.update(id(node) for node in also)
    expected.update(id(target) for target in _targets(definition))
    name = case.ref.name
    if case.ref.scope == "attribute" and isinstance(scope_node, ast.ClassDef):
        # The class's attribute nodes, remembered per body statement (`class_attributes`).
        return any(node.attr == name and value == "self" and id(node) not in expected
                   for node, value in name_attributes(scope_node))
    if case.ref.scope == "attribute":
        attribute = ast.Attribute  # the parser makes no subclasses of it
        return any(type(node) is attribute and node.attr == name
                   and self_attribute(node) == name and id(node) not in expected
                   for node in walk(scope_node))
    return any(node.id == name and id(node) not in expected
               for node in nodes_of_type(scope_node, ast.Name))


def _targets(statement: ast.stmt) -> list[ast.expr]:
    if isinstance(statement, ast.Assign):
        return list(statement.targets)
    if isinstance(statement, ast.AnnAssign):
        return [statement.target]
    return []
