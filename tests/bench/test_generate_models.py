"""The model generator: valid Python of the requested size, deterministic, with real reuse bugs."""

import ast

import pytest

from bench.generate_models import generate_module, write_models


@pytest.mark.parametrize("target", [2000, 10000])
def test_parses_and_is_within_ten_percent_of_the_target(target):
    module = generate_module(target)
    ast.parse(module.text)
    assert abs(module.line_count - target) <= target * 0.10


def test_same_seed_same_text_other_seed_other_text():
    assert generate_module(2000, seed=1).text == generate_module(2000, seed=1).text
    assert generate_module(2000, seed=1).text != generate_module(2000, seed=2).text


def _base_names(node: ast.ClassDef) -> set[str]:
    return {ast.unparse(base) for base in node.bases}


def test_contains_every_kind_of_model_code():
    tree = ast.parse(generate_module(2000).text)
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    bases = set().union(*(_base_names(node) for node in classes))
    assert {"keras.layers.Layer", "keras.Model", "nn.Module"} <= bases
    builders = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert any("keras.Input" in ast.unparse(node) for node in builders)
    call_methods = [
        item
        for node in classes
        for item in node.body
        if isinstance(item, ast.FunctionDef) and item.name == "call"
    ]
    assert any(isinstance(stmt, ast.If) for method in call_methods for stmt in ast.walk(method))
    assert any(isinstance(stmt, ast.For) for method in call_methods for stmt in ast.walk(method))


def _callee(call: ast.Call) -> str:
    return ast.unparse(call.func)


def _reuses_a_norm_layer(definition: ast.AST) -> bool:
    """Some normalization instance is called twice, or inside a loop. Constructor calls
    (`layers.BatchNormalization()`, capitalised) and inline constructions called at once
    (`layers.BatchNormalization()(x)`) make fresh instances and do not count."""
    calls = [
        node
        for node in ast.walk(definition)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and not _callee(node).rpartition(".")[2][:1].isupper()
    ]
    norm_calls = [
        _callee(call) for call in calls if "norm" in _callee(call).lower() or _callee(call).endswith(".bn")
    ]
    called_twice = any(norm_calls.count(name) > 1 for name in norm_calls)
    in_loop = any(
        isinstance(node, ast.For)
        and any(
            isinstance(inner, ast.Call) and _callee(inner).startswith("self.norm") for inner in ast.walk(node)
        )
        for node in ast.walk(definition)
    )
    return called_twice or in_loop


def test_the_buggy_blocks_really_reuse_a_normalization_layer():
    module = generate_module(2000)
    assert len(module.buggy_names) >= 3
    definitions = {node.name: node for node in ast.parse(module.text).body if hasattr(node, "name")}
    for name in module.buggy_names:
        assert _reuses_a_norm_layer(definitions[name]), name
    clean = [block.name for block in module.blocks if not block.has_reuse_bug]
    assert not any(_reuses_a_norm_layer(definitions[name]) for name in clean)


def test_write_models_writes_one_file_per_size(tmp_path):
    paths = write_models([300, 500], tmp_path, seed=0)
    assert [path.name for path in paths] == ["models_300.py", "models_500.py"]
    assert paths[0].read_text() == generate_module(300, seed=0).text
