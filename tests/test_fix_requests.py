"""Typed fix requests (`layerlint.fix_requests`): the data each kind puts in a diagnostic, how it
reads back (with validation), and how it moves with its block."""

from __future__ import annotations

import json
from typing import Any

import pytest

from layerlint.fix_requests import (
    REQUEST_TYPES,
    AddLayerConfig,
    AddSymbolicBuild,
    FixError,
    FixRequest,
    InsertLine,
    LayerPerIteration,
    MalformedFixRequest,
    PrintToTfPrint,
    RegisterBuffer,
    RegisterSerializable,
    ResetBuilt,
    SplitLayer,
    VariableToAddWeight,
    WrapModuleContainer,
    layer_config_title,
    parse_fix_request,
    split_layer_title,
)

# One request of every kind and the data it travels as: keys, order and values are what editors
# hand back and what the analysis sent before requests were typed.
EXAMPLES: list[tuple[FixRequest, dict[str, Any]]] = [
    (SplitLayer(title=split_layer_title("bn", ("bn_1", "bn_2")), scope="attribute",
                class_name="Net", function_name="call", name="bn", new_names=("bn_1", "bn_2"),
                definition_line=5, call_sites=((9, 13), (10, 13))),
     {"scope": "attribute", "class_name": "Net", "function_name": "call", "name": "bn",
      "new_names": ["bn_1", "bn_2"], "definition_line": 5, "call_sites": [[9, 13], [10, 13]]}),
    (SplitLayer(title="Split bn into bn_1/bn_2", scope="attribute", class_name="Net",
                function_name="call", name="bn", new_names=("bn_1", "bn_2"), definition_line=5,
                call_sites=((9, 13), (10, 13)), alias="bn", alias_line=8),
     {"scope": "attribute", "class_name": "Net", "function_name": "call", "name": "bn",
      "new_names": ["bn_1", "bn_2"], "definition_line": 5, "call_sites": [[9, 13], [10, 13]],
      "alias": "bn", "alias_line": 8}),
    (LayerPerIteration(title="Give each iteration its own bn (self.bns[i])", class_name="Stack",
                       name="bn", new_name="bns", index="i", count="self.depth",
                       container=None, definition_line=6, call_sites=((11, 17),)),
     {"class_name": "Stack", "name": "bn", "new_name": "bns", "index": "i",
      "count": "self.depth", "container": None, "definition_line": 6, "call_sites": [[11, 17]]}),
    (AddLayerConfig(title=layer_config_title("Wrap"), class_name="Wrap", definition_line=3,
                    framework="keras", serialized=("inner",)),
     {"class_name": "Wrap", "definition_line": 3, "framework": "keras", "serialized": ["inner"]}),
    (PrintToTfPrint(call_sites=((7, 9),)), {"call_sites": [[7, 9]]}),
    (VariableToAddWeight(call_sites=((4, 18),), framework="tf_keras"),
     {"call_sites": [[4, 18]], "framework": "tf_keras"}),
    (RegisterSerializable(title="Register Block with @keras.saving.register_keras_serializable()",
                          class_name="Block", framework="keras", target="function"),
     {"class_name": "Block", "framework": "keras", "kind": "function"}),
    (RegisterBuffer(title="Register self.mask as a buffer", class_name="Net", attribute="mask",
                    definition_line=7, persistent=False),
     {"class_name": "Net", "attribute": "mask", "definition_line": 7, "persistent": False}),
    (WrapModuleContainer(title="Wrap self.blocks in nn.ModuleList", class_name="Net",
                         attribute="blocks", wrapper="ModuleList", definition_line=6),
     {"class_name": "Net", "attribute": "blocks", "wrapper": "ModuleList", "definition_line": 6}),
    (ResetBuilt(title="Set self.built = False at the end of Pool.__init__", class_name="Pool",
                definition_line=2),
     {"class_name": "Pool", "definition_line": 2}),
    (AddSymbolicBuild(title="Add Net.build() that builds its sublayers", class_name="Net"),
     {"class_name": "Net"}),
    (InsertLine(title="Insert layers.Flatten() before the Dense on line 17", line=17,
                text="    layers.Flatten(),"),
     {"line": 17, "text": "    layers.Flatten(),"}),
]


def test_every_kind_has_an_example() -> None:
    assert {type(request) for request, _ in EXAMPLES} == set(REQUEST_TYPES.values())
    assert all(kind == request_type.KIND for kind, request_type in REQUEST_TYPES.items())


@pytest.mark.parametrize("request_, data", EXAMPLES, ids=lambda value: getattr(value, "KIND", ""))
def test_data_is_exactly_what_travels_and_reads_back_through_json(
    request_: FixRequest, data: dict[str, Any]
) -> None:
    assert json.dumps(request_.to_data()) == json.dumps(data)  # same keys, same order
    assert request_.data == data
    wire = json.loads(json.dumps({"title": request_.title, "kind": request_.kind, "data": data}))
    assert parse_fix_request(wire["kind"], wire["data"], wire["title"]) == request_


@pytest.mark.parametrize("request_, data", EXAMPLES, ids=lambda value: getattr(value, "KIND", ""))
def test_shifting_moves_every_line_and_nothing_else(
    request_: FixRequest, data: dict[str, Any]
) -> None:
    moved = request_.shifted(10).to_data()
    expected = dict(data)
    for key in ("definition_line", "alias_line", "line"):
        if key in expected:
            expected[key] += 10
    if "call_sites" in expected:
        expected["call_sites"] = [[line + 10, column] for line, column in expected["call_sites"]]
    assert moved == expected
    assert request_.shifted(0) == request_
    assert request_.shifted(10).shifted(-10) == request_


def test_titles_default_where_the_kind_has_one_title() -> None:
    assert PrintToTfPrint(call_sites=((1, 1),)).title == "Replace print with tf.print"
    assert VariableToAddWeight(call_sites=((1, 1),), framework="keras").title == (
        "Replace tf.Variable with self.add_weight")
    assert split_layer_title("bn", ["bn_1", "bn_2"]) == "Split bn into bn_1/bn_2"


def test_an_unknown_kind_is_a_fix_error() -> None:
    with pytest.raises(FixError, match="unknown fix kind 'no-such-fix'"):
        parse_fix_request("no-such-fix", {}, "t")


@pytest.mark.parametrize("kind, data, complaint", [
    ("split-layer", None, "missing 'scope'"),
    ("split-layer", ["not", "an", "object"], "expected an object"),
    ("split-layer", {**EXAMPLES[0][1], "scope": "global"}, "unknown scope 'global'"),
    ("split-layer", {**EXAMPLES[0][1], "new_names": ["bn_1"]}, "of equal length"),
    ("split-layer", {**EXAMPLES[0][1], "new_names": ["bn_1", "class"]}, "'class' is not an identifier"),
    ("split-layer", {**EXAMPLES[0][1], "call_sites": [[9, "x"], [10, 13]]}, "is not a number"),
    ("split-layer", {**EXAMPLES[0][1], "call_sites": [[9, 13], [9, 13]]}, "repeat a position"),
    ("split-layer", {**EXAMPLES[0][1], "definition_line": None}, "definition_line None"),
    ("split-layer", {**EXAMPLES[0][1], "scope": "variable", "alias": "bn", "alias_line": 3},
     "only supported for scope 'attribute'"),
    ("layer-per-iteration", {**EXAMPLES[2][1], "count": "range("}, "not an expression"),
    ("layer-per-iteration", {**EXAMPLES[2][1], "container": "nn.Module List"}, "not a dotted name"),
    ("add-layer-config", {**EXAMPLES[3][1], "framework": "torch"}, "unknown framework 'torch'"),
    ("add-layer-config", {"class_name": "Wrap"}, "missing 'definition_line'"),
    ("print-to-tf-print", {"call_sites": []}, "expected one call site, got 0"),
    ("print-to-tf-print", {"call_sites": [[1, 1], [2, 1]]}, "expected one call site, got 2"),
    ("print-to-tf-print", {"call_sites": None}, "not a list"),
    ("variable-to-add-weight", {"call_sites": [[1, 1]]}, "missing 'framework'"),
    ("register-buffer", {**EXAMPLES[7][1], "persistent": "no"}, "not true or false"),
    ("register-serializable", {"class_name": 7}, "class_name 7 is not a string"),
    ("register-serializable", {"class_name": "B", "kind": "module"}, "neither 'class' nor 'function'"),
    ("reset-built", {"class_name": "Pool", "definition_line": True}, "is not a number"),
    ("insert-line", {"line": 3, "text": "a\nb"}, "text must be one line"),
    ("insert-line", {"line": 0, "text": "x"}, "line 0 is not a line number"),
    ("insert-line", {"text": "x"}, "missing 'line'"),
])
def test_malformed_data_says_which_kind_and_what_is_wrong(kind: str, data: Any, complaint: str) -> None:
    with pytest.raises(MalformedFixRequest, match=f"malformed {kind} data: .*{complaint}"):
        parse_fix_request(kind, data, "t")


def test_a_malformed_request_is_a_fix_error_and_a_value_error() -> None:
    with pytest.raises(FixError):
        parse_fix_request("reset-built", {}, "t")
    assert issubclass(MalformedFixRequest, ValueError)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(MalformedFixRequest) as raised:
        parse_fix_request("wrap-module-container", {"class_name": "Net"}, "t")
    message = str(raised.value)
    assert all(f"missing {key!r}" in message for key in ("attribute", "wrapper", "definition_line"))


def test_optional_keys_take_their_defaults() -> None:
    request = parse_fix_request("register-serializable", {"class_name": "Block"}, "t")
    assert request == RegisterSerializable(title="t", class_name="Block")
    buffer = parse_fix_request("register-buffer", {"class_name": "N", "attribute": "m",
                                                   "definition_line": 3}, "t")
    assert isinstance(buffer, RegisterBuffer) and buffer.persistent
    config = parse_fix_request("add-layer-config", {"class_name": "W", "definition_line": 1,
                                                    "framework": "tf_keras", "serialized": []}, "t")
    assert isinstance(config, AddLayerConfig) and config.serialized == ()
