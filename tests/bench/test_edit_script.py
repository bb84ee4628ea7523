"""The typing scripts: keys go into a `call()` near the middle, or into a script's own code, and
pass through broken states."""

import ast

import pytest

from bench.edit_script import (
    SCRIPT_TEMPLATES,
    STATEMENT_TEMPLATES,
    Edit,
    apply_edit,
    find_script_target,
    find_typing_target,
    plan_script_typing,
    plan_typing,
)
from bench.generate_models import generate_module


@pytest.fixture(scope="module")
def source():
    return generate_module(2000).text


def _parses(text):
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


def test_target_is_a_call_method_in_the_middle_third(source):
    target = find_typing_target(source)
    lines = source.splitlines()
    assert lines[target.method_line - 1].strip().startswith("def call(")
    assert len(lines) / 3 < target.anchor_line < 2 * len(lines) / 3
    assert f"self.{target.layer_attribute}(" in "\n".join(lines[target.method_line - 1 :])


def test_plan_has_the_requested_number_of_single_key_edits(source):
    edits = plan_typing(source, 65)
    assert len(edits) == 65
    assert edits[0].text.startswith("\n")
    assert all(len(edit.text) == 1 for edit in edits[1:] if not edit.text.startswith("\n"))


def test_typing_produces_the_statements_and_passes_through_syntax_errors():
    source = generate_module(500).text  # small: the file is re-parsed after every key
    target = find_typing_target(source)
    edits = plan_typing(source, 65)
    text, parse_states = source, []
    for edit in edits:
        text = apply_edit(text, edit)
        parse_states.append(_parses(text))
    assert not all(parse_states) and any(parse_states)
    typed = text.splitlines()[target.anchor_line : target.anchor_line + 2]
    expected = [template.format(layer=target.layer_attribute) for template in STATEMENT_TEMPLATES]
    assert [line.strip() for line in typed] == expected[:2]
    # Everything outside the typed lines is unchanged.
    assert text.splitlines()[: target.anchor_line] == source.splitlines()[: target.anchor_line]


def test_apply_edit_inserts_at_a_zero_based_position():
    text = "first\nsecond\nthird"
    assert apply_edit(text, Edit(0, 0, ">")) == ">first\nsecond\nthird"
    assert apply_edit(text, Edit(1, 3, "_")) == "first\nsec_ond\nthird"
    assert apply_edit(text, Edit(2, 5, "\n    ")) == "first\nsecond\nthird\n    "


SCRIPT = """\
\"\"\"A training script.\"\"\"
import keras
from keras import layers


def build(width):
    inputs = keras.Input((8,))
    return keras.Model(inputs, layers.Dense(width)(inputs))


model = build(4)
model.compile(loss="mse")
for epoch in range(3):
    model.fit(data, epochs=1)
model.save("m.keras")
"""


def test_script_keys_go_into_the_module_code_nearest_the_middle():
    target = find_script_target(SCRIPT)
    assert (target.method_line, target.anchor_line, target.indent) == (11, 11, "")  # model =
    edits = plan_script_typing(SCRIPT, 80)
    text, parse_states = SCRIPT, []
    for edit in edits:
        text = apply_edit(text, edit)
        parse_states.append(_parses(text))
    assert not all(parse_states) and any(parse_states)
    lines = text.splitlines()
    assert lines[11:13] == [template.format(layer="") for template in SCRIPT_TEMPLATES]
    assert lines[:11] == SCRIPT.splitlines()[:11] and lines[-4:] == SCRIPT.splitlines()[-4:]


def test_script_keys_at_the_end_go_after_the_last_statement():
    target = find_script_target(SCRIPT, "end")
    last = len(SCRIPT.splitlines())
    assert (target.method_line, target.anchor_line) == (last, last)  # model.save(...)
    text = SCRIPT
    for edit in plan_script_typing(SCRIPT, 80, "end"):
        text = apply_edit(text, edit)
    lines = text.splitlines()
    assert lines[:last] == SCRIPT.splitlines()
    assert lines[last:last + 2] == [template.format(layer="") for template in SCRIPT_TEMPLATES]


def test_a_file_without_module_code_has_no_script_target():
    with pytest.raises(ValueError):
        find_script_target("import keras\n\n\ndef f():\n    return 1\n")
