"""The split-layer quick-fix: exact rewrites, name checks, stale positions, and ground truth.

Positions in the fix data are found in the test source by searching for text, the way the
analysis would report them, so the tests never depend on counted line numbers.
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from layerlint.fix_requests import SplitLayer, parse_fix_request, split_layer_title
from layerlint.fixes import FixError, apply_fix
from layerlint.syntax.scope_names import choose_free_names

EXAMPLE = Path(__file__).parents[2] / "examples" / "feature_extractor.py"


def apply(source: str, data: dict[str, Any]) -> str:
    """The split-layer fix on `data` as an editor hands it back (read, checked, applied)."""
    return apply_fix(source, SplitLayer.from_data(data, "t"))


def locate(source: str, needle: str, occurrence: int = 0, after: str = "") -> list[int]:
    """[line, column] (1-based, column in characters) of the `occurrence`-th `needle` that
    follows the text `after`."""
    index = source.index(after) - 1
    for _ in range(occurrence + 1):
        index = source.index(needle, index + 1)
    before = source[:index]
    line = before.count("\n") + 1
    column = index - (before.rfind("\n") + 1) + 1
    return [line, column]


def split_data(
    source: str,
    name: str,
    definition: str,
    calls: list[tuple[str, int]],
    *,
    scope: str = "attribute",
    class_name: str | None = None,
    function_name: str | None = None,
    new_names: list[str] | None = None,
    after: str = "",
) -> dict[str, Any]:
    """The fix data for splitting `name`; `calls` are (needle, occurrence) of each callee."""
    return {
        "scope": scope,
        "class_name": class_name,
        "function_name": function_name,
        "name": name,
        "new_names": new_names or [f"{name}_{n}" for n in range(1, len(calls) + 1)],
        "definition_line": locate(source, definition, after=after)[0],
        "call_sites": [locate(source, needle, n, after) for needle, n in calls],
    }


def changed_lines(before: str, after: str) -> list[str]:
    """The diff as '-old' / '+new' lines, without context or headers."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
    return [line for line in diff if not line.startswith(("---", "+++", "@@"))]


def example_data(source: str) -> dict[str, Any]:
    return split_data(
        source,
        "bn",
        "self.bn = ",
        [("self.bn(", 0), ("self.bn(", 1)],
        class_name="FeatureExtractor",
        after="class FeatureExtractor",
    )


def test_bundled_example_is_split_exactly_as_specified() -> None:
    source = EXAMPLE.read_text()
    fixed = apply(source, example_data(source))
    assert changed_lines(source, fixed) == [
        "-        self.bn = BatchNormalization()",
        "+        self.bn_1 = BatchNormalization()",
        "+        self.bn_2 = BatchNormalization()",
        "-        x = self.maxpool(self.bn(self.conv_1(x)))",
        "-        x = self.maxpool(self.bn(self.conv_2(x)))"
        "  # LL101: bn already holds 6-channel statistics",
        "+        x = self.maxpool(self.bn_1(self.conv_1(x)))",
        "+        x = self.maxpool(self.bn_2(self.conv_2(x)))"
        "  # LL101: bn already holds 6-channel statistics",
    ]


def test_apply_fix_dispatches_the_proposal_by_kind() -> None:
    source = EXAMPLE.read_text()
    data = example_data(source)
    proposal = SplitLayer.from_data(data, split_layer_title("bn", data["new_names"]))
    assert proposal.title == "Split bn into bn_1/bn_2"
    # The proposal travels through JSON inside an LSP diagnostic and must still work.
    wire = json.loads(json.dumps({"title": proposal.title, "kind": proposal.kind, "data": proposal.data}))
    assert wire["data"] == data
    round_tripped = parse_fix_request(wire["kind"], wire["data"], wire["title"])
    assert round_tripped == proposal
    assert apply_fix(source, round_tripped) == apply(source, data)


MULTI_LINE = textwrap.dedent(
    """\
    import keras
    from keras import layers


    class Tower(keras.Model):
        def __init__(self):
            super().__init__()
            # one normalization for both branches (the bug)
            self.norm = layers.BatchNormalization(  # after each conv
                axis=-1,
                momentum=0.9,  # slower running averages
            )  # end of norm

            self.dense = layers.Dense(4)

        def call(self, a, b):
            return self.norm(a), self.norm(b)
    """
)


def test_multi_line_construction_is_duplicated_with_its_comments() -> None:
    data = split_data(
        MULTI_LINE,
        "norm",
        "self.norm = ",
        [("self.norm(a", 0), ("self.norm(b", 0)],
        class_name="Tower",
    )
    fixed = apply(MULTI_LINE, data)
    construction = textwrap.indent(
        textwrap.dedent(
            """\
            self.{name} = layers.BatchNormalization(  # after each conv
                axis=-1,
                momentum=0.9,  # slower running averages
            )  # end of norm
            """
        ),
        "        ",
    )
    original = construction.format(name="norm")
    expected = MULTI_LINE.replace(
        original, construction.format(name="norm_1") + construction.format(name="norm_2")
    ).replace("self.norm(a), self.norm(b)", "self.norm_1(a), self.norm_2(b)")
    assert original in MULTI_LINE
    assert fixed == expected
    # The comment above the statement stays above the first copy only.
    assert fixed.count("# one normalization for both branches") == 1


def test_name_keyword_gets_the_new_suffix() -> None:
    source = textwrap.dedent(
        """\
        class Block(Layer):
            def __init__(self, prefix):
                self.bn = BatchNormalization(name="bn", momentum=0.9)
                self.norm = LayerNormalization(name=f"{prefix}_norm")
                self.gn = GroupNormalization(groups=2, name='stem' '_gn')

            def call(self, x, y):
                return self.bn(x) + self.bn(y) + self.norm(x) + self.norm(y) + self.gn(x)
        """
    )
    fixed = apply(
        source,
        split_data(
            source, "bn", "self.bn = ", [("self.bn(x", 0), ("self.bn(y", 0)], class_name="Block"
        ),
    )
    assert '        self.bn_1 = BatchNormalization(name="bn_1", momentum=0.9)\n' in fixed
    assert '        self.bn_2 = BatchNormalization(name="bn_2", momentum=0.9)\n' in fixed
    assert 'name="bn",' not in fixed

    fixed = apply(
        fixed,
        split_data(
            fixed,
            "norm",
            "self.norm = ",
            [("self.norm(x", 0), ("self.norm(y", 0)],
            class_name="Block",
        ),
    )
    assert 'self.norm_1 = LayerNormalization(name=f"{prefix}_norm_1")' in fixed
    assert 'self.norm_2 = LayerNormalization(name=f"{prefix}_norm_2")' in fixed

    fixed = apply(
        fixed,
        split_data(
            fixed,
            "gn",
            "self.gn = ",
            [("self.gn(x", 0)],
            class_name="Block",
            new_names=["gn_a1"],
        ),
    )
    assert "self.gn_a1 = GroupNormalization(groups=2, name='stem' '_gn_a1')" in fixed


def test_three_call_sites_get_numbered_in_order_and_other_references_stay() -> None:
    source = textwrap.dedent(
        """\
        class Net(Layer):
            def __init__(self):
                self.bn = BatchNormalization()
                self.bn.trainable = False

            def call(self, x):
                x = self.bn(self.bn(x))
                return self.bn(x)
        """
    )
    fixed = apply(
        source,
        split_data(
            source,
            "bn",
            "self.bn = ",
            [("self.bn(self", 0), ("self.bn(x", 0), ("self.bn(x", 1)],
            class_name="Net",
        ),
    )
    assert changed_lines(source, fixed) == [
        "-        self.bn = BatchNormalization()",
        "+        self.bn_1 = BatchNormalization()",
        "+        self.bn_2 = BatchNormalization()",
        "+        self.bn_3 = BatchNormalization()",
        "-        x = self.bn(self.bn(x))",
        "-        return self.bn(x)",
        "+        x = self.bn_1(self.bn_2(x))",
        "+        return self.bn_3(x)",
    ]
    assert "        self.bn.trainable = False\n" in fixed


FUNCTIONAL = textwrap.dedent(
    """\
    import keras
    from keras import layers

    inputs = keras.Input((8, 8, 3))
    norm = layers.BatchNormalization()  # shared by accident
    x = norm(inputs)
    x = layers.Conv2D(16, 3)(x)
    x = norm(x)
    model = keras.Model(inputs, x)
    """
)


def test_functional_api_at_module_level() -> None:
    data = split_data(
        FUNCTIONAL, "norm", "norm = ", [("norm(inputs", 0), ("norm(x", 0)], scope="variable"
    )
    fixed = apply(FUNCTIONAL, data)
    assert changed_lines(FUNCTIONAL, fixed) == [
        "-norm = layers.BatchNormalization()  # shared by accident",
        "-x = norm(inputs)",
        "+norm_1 = layers.BatchNormalization()  # shared by accident",
        "+norm_2 = layers.BatchNormalization()  # shared by accident",
        "+x = norm_1(inputs)",
        "-x = norm(x)",
        "+x = norm_2(x)",
    ]


def test_functional_api_inside_a_function_only_touches_that_function() -> None:
    source = textwrap.dedent(
        """\
        from keras import layers


        def other(norm):
            return norm(1)


        def build(inputs):
            norm = layers.BatchNormalization()
            a = norm(inputs)
            return norm(layers.Dense(3)(a))
        """
    )
    data = split_data(
        source,
        "norm",
        "norm = ",
        [("norm(inputs", 0), ("norm(layers", 0)],
        scope="variable",
        function_name="build",
    )
    fixed = apply(source, data)
    assert changed_lines(source, fixed) == [
        "-    norm = layers.BatchNormalization()",
        "-    a = norm(inputs)",
        "-    return norm(layers.Dense(3)(a))",
        "+    norm_1 = layers.BatchNormalization()",
        "+    norm_2 = layers.BatchNormalization()",
        "+    a = norm_1(inputs)",
        "+    return norm_2(layers.Dense(3)(a))",
    ]


def test_nested_function_is_located_by_its_definition_line() -> None:
    source = textwrap.dedent(
        """\
        class Factory:
            def make(self):
                def inner(x):
                    norm = BatchNormalization()
                    return norm(norm(x))

                return inner
        """
    )
    data = split_data(
        source,
        "norm",
        "norm = ",
        [("norm(norm", 0), ("norm(x", 0)],
        scope="variable",
        function_name="inner",
    )
    assert "return norm_1(norm_2(x))" in apply(source, data)
    with pytest.raises(FixError, match="not in function make"):
        apply(source, {**data, "function_name": "make"})


def test_taken_new_name_is_refused() -> None:
    source = EXAMPLE.read_text().replace(
        "        self.maxpool = ",
        "        self.bn_1 = BatchNormalization()\n        self.maxpool = ",
    )
    with pytest.raises(FixError, match="bn_1 already used in class FeatureExtractor"):
        apply(source, example_data(source))


def test_taken_variable_name_is_refused_in_function_and_module() -> None:
    with pytest.raises(FixError, match="norm_2 already used in the module"):
        source = FUNCTIONAL + "print(norm_2)\n"
        apply(
            source,
            split_data(
                source, "norm", "norm = ", [("norm(inputs", 0), ("norm(x", 0)], scope="variable"
            ),
        )
    source = "def f(x, norm_1):\n    norm = BN()\n    return norm(norm(x))\n"
    with pytest.raises(FixError, match="norm_1 already used in function f"):
        apply(
            source,
            split_data(
                source,
                "norm",
                "norm = ",
                [("norm(norm", 0), ("norm(x", 0)],
                scope="variable",
                function_name="f",
            ),
        )


def test_choose_free_names_numbers_in_order_and_avoids_taken_names() -> None:
    assert choose_free_names("bn", 2, set()) == ["bn_1", "bn_2"]
    assert choose_free_names("bn", 3, {"bn", "conv_1"}) == ["bn_1", "bn_2", "bn_3"]
    assert choose_free_names("bn", 2, {"bn_2"}) == ["bn_a1", "bn_a2"]
    assert choose_free_names("bn", 2, {"bn_1", "bn_a2"}) == ["bn_b1", "bn_b2"]
    everything_lettered = {f"bn_{letter}1" for letter in "abcdefghijklmnopqrstuvwxyz"}
    assert choose_free_names("bn", 2, {"bn_1", *everything_lettered}) == ["bn_1_1", "bn_1_2"]
    with pytest.raises(ValueError):
        choose_free_names("bn", 0, set())


def test_names_chosen_by_choose_free_names_are_accepted_by_apply() -> None:
    source = EXAMPLE.read_text().replace(
        "        self.maxpool = ",
        "        self.bn_1 = BatchNormalization()\n        self.maxpool = ",
    )
    data = example_data(source)
    taken = {"bn", "bn_1", "conv_1", "conv_2", "maxpool"}
    data["new_names"] = choose_free_names("bn", 2, taken)
    fixed = apply(source, data)
    assert "self.maxpool(self.bn_a1(self.conv_1(x)))" in fixed
    assert "self.maxpool(self.bn_a2(self.conv_2(x)))" in fixed


def test_stale_call_site_is_refused_with_what_was_found() -> None:
    source = EXAMPLE.read_text()
    data = example_data(source)
    # The user inserted a line above: every position now points one line too high.
    edited = source.replace("    def call(self, x):\n", "    def call(self, x):\n        x = x\n")
    with pytest.raises(FixError, match=r"self.bn at line 20, column 26, found no call there"):
        apply(edited, data)
    data["call_sites"][1] = locate(source, "self.conv_2(x)")
    with pytest.raises(FixError, match=r"found `self.conv_2`"):
        apply(source, data)


def test_stale_definition_line_is_refused() -> None:
    source = EXAMPLE.read_text()
    data = example_data(source)
    data["definition_line"] -= 1
    with pytest.raises(FixError, match=r"no longer assigns self.bn; found self.conv_2 = "):
        apply(source, data)
    data["definition_line"] = 1
    with pytest.raises(FixError, match="not in class FeatureExtractor"):
        apply(source, data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"new_names": ["bn_1"]}, "equal length"),
        ({"new_names": ["bn_1", "bn_1"]}, "repeat a name"),
        ({"new_names": ["bn_1", "class"]}, "'class' is not an identifier"),
        ({"scope": "global"}, "unknown scope"),
        ({"class_name": None}, "needs class_name"),
        ({"call_sites": [[20, "x"], [21, 26]]}, "malformed"),
        ({"definition_line": None}, "malformed"),
    ],
)
def test_malformed_data_is_refused(change: dict[str, Any], message: str) -> None:
    source = EXAMPLE.read_text()
    with pytest.raises(FixError, match=message):
        SplitLayer.from_data({**example_data(source), **change}, "t")


def test_document_with_a_syntax_error_is_refused() -> None:
    source = EXAMPLE.read_text()
    broken = source.replace("return x", "return x +")
    with pytest.raises(FixError, match="does not parse"):
        apply(broken, example_data(source))


def test_columns_count_characters_and_line_endings_survive() -> None:
    source = (
        "class Ünïcode(Layer):\r\n"
        "    def __init__(self):\r\n"
        "        self.bn = BatchNormalization()\r\n"
        "\r\n"
        "    def call(self, x):\r\n"
        '        return {"ä→b": self.bn(x), "ö": self.bn(x)}\r\n'
    )
    data = split_data(
        source, "bn", "self.bn = ", [("self.bn(", 0), ("self.bn(", 1)], class_name="Ünïcode"
    )
    fixed = apply(source, data)
    assert fixed == source.replace(
        "        self.bn = BatchNormalization()\r\n",
        "        self.bn_1 = BatchNormalization()\r\n        self.bn_2 = BatchNormalization()\r\n",
    ).replace('self.bn(x), "ö": self.bn(x)', 'self.bn_1(x), "ö": self.bn_2(x)')


def test_definition_sharing_a_line_is_expanded_in_place() -> None:
    source = textwrap.dedent(
        """\
        class Net(Layer):
            def __init__(self, training):
                self.conv = Conv2D(3, 1); self.bn = BatchNormalization()
                if training: self.drop = Dropout(0.5); self.ln = LayerNormalization()

            def call(self, x):
                return self.bn(self.ln(x)) + self.bn(self.ln(x))
        """
    )
    calls = [("self.bn(", 0), ("self.bn(", 1)]
    fixed = apply(source, split_data(source, "bn", "self.bn = ", calls, class_name="Net"))
    assert (
        "        self.conv = Conv2D(3, 1); self.bn_1 = BatchNormalization(); "
        "self.bn_2 = BatchNormalization()\n" in fixed
    )
    calls = [("self.ln(", 0), ("self.ln(", 1)]
    fixed = apply(fixed, split_data(fixed, "ln", "self.ln = ", calls, class_name="Net"))
    assert (
        "        if training: self.drop = Dropout(0.5); self.ln_1 = LayerNormalization(); "
        "self.ln_2 = LayerNormalization()\n" in fixed
    )
    assert "return self.bn_1(self.ln_1(x)) + self.bn_2(self.ln_2(x))" in fixed


def test_annotated_definition_and_parenthesized_callee() -> None:
    source = textwrap.dedent(
        """\
        class Net(Layer):
            def __init__(self):
                self.bn: BatchNormalization = BatchNormalization()

            def call(self, x):
                return (self.bn)(x) + self.bn(x)
        """
    )
    data = split_data(
        source, "bn", "self.bn: ", [("self.bn)", 0), ("self.bn(", 0)], class_name="Net"
    )
    fixed = apply(source, data)
    assert "        self.bn_2: BatchNormalization = BatchNormalization()\n" in fixed
    assert "return (self.bn_1)(x) + self.bn_2(x)" in fixed


def large_module(target_class: str, filler_classes: int) -> str:
    """About 2,000 lines: filler classes with odd formatting around `target_class`."""
    filler = textwrap.dedent(
        """\
        class Filler{n}(Layer):  # filler {n}
            '''Docstring   with  spacing.'''

            def __init__(self ,units = {n}) :
                super( ).__init__()
                self.bn = BatchNormalization( momentum = 0.{n} )   # not the target
                self.dense=Dense(units,
                                 activation = "relu")  # odd indent

            def call(self, x):
                # comment with trailing spaces   \n\
                return self.bn( self.dense(x) ) + self.bn(x)



        """
    )
    half = filler_classes // 2
    parts = [filler.format(n=n) for n in range(half)]
    parts.append(target_class + "\n\n")
    parts += [filler.format(n=n) for n in range(half, filler_classes)]
    return "import keras\n\n\n" + "".join(parts)


def test_large_module_keeps_every_other_byte_identical() -> None:
    target = EXAMPLE.read_text().split("\n\n\n")[1]
    assert target.startswith("class FeatureExtractor")
    source = large_module(target, filler_classes=140)
    assert len(source.splitlines()) > 2000
    fixed = apply(source, example_data(source))
    expected = source.replace(
        "        self.bn = BatchNormalization()\n",
        "        self.bn_1 = BatchNormalization()\n        self.bn_2 = BatchNormalization()\n",
    )
    expected = expected.replace(
        "self.maxpool(self.bn(self.conv_1(x)))", "self.maxpool(self.bn_1(self.conv_1(x)))"
    ).replace("self.maxpool(self.bn(self.conv_2(x)))", "self.maxpool(self.bn_2(self.conv_2(x)))")
    assert expected.count("self.bn_") == 4
    assert fixed == expected


# Ground truth: one subprocess imports TensorFlow once and runs every case of this file.
GROUND_TRUTH_RUNNER = textwrap.dedent(
    """\
    import json, sys
    import keras

    results = {}
    for label, source in json.load(sys.stdin).items():
        namespace = {"__name__": "__main__"}
        try:
            exec(compile(source, label, "exec"), namespace)
            error = None
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        layers = {}
        for value in list(namespace.values()):
            if isinstance(value, keras.layers.Layer):
                for layer in value._flatten_layers(include_self=True, recursive=True):
                    layers[id(layer)] = layer
        norms = [
            layer for layer in layers.values()
            if isinstance(layer, keras.layers.BatchNormalization) and layer.built
        ]
        results[label] = {"error": error, "built_batch_norms": len(norms)}
    print("RESULTS " + json.dumps(results))
    """
)

FUNCTIONAL_WITH_DIFFERENT_SHAPES = FUNCTIONAL.replace(
    "layers.Conv2D(16, 3)(x)", "layers.Conv2D(16, 3)(x)  # 3 -> 16 channels"
)


@pytest.fixture(scope="module")
def ground_truth() -> dict[str, dict[str, Any]]:
    example = EXAMPLE.read_text()
    functional_data = split_data(
        FUNCTIONAL_WITH_DIFFERENT_SHAPES,
        "norm",
        "norm = ",
        [("norm(inputs", 0), ("norm(x", 0)],
        scope="variable",
    )
    cases = {
        "example_before": example,
        "example_after": apply(example, example_data(example)),
        "functional_before": FUNCTIONAL_WITH_DIFFERENT_SHAPES,
        "functional_after": apply(FUNCTIONAL_WITH_DIFFERENT_SHAPES, functional_data),
    }
    environment = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    completed = subprocess.run(
        [sys.executable, "-c", GROUND_TRUTH_RUNNER],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULTS ")]
    assert lines, completed.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("RESULTS "))


INCOMPATIBLE = "is incompatible with the layer: expected axis -1 of input shape to have value"


@pytest.mark.framework
def test_example_crashes_under_tensorflow_before_the_fix(ground_truth: dict) -> None:
    assert INCOMPATIBLE in (ground_truth["example_before"]["error"] or "")
    assert INCOMPATIBLE in (ground_truth["functional_before"]["error"] or "")


@pytest.mark.framework
def test_example_runs_with_two_batch_norms_after_the_fix(ground_truth: dict) -> None:
    assert ground_truth["example_after"] == {"error": None, "built_batch_norms": 2}
    assert ground_truth["functional_after"] == {"error": None, "built_batch_norms": 2}


# --- calls through a local alias (`bn = self.bn`) ------------------------------------------------

ALIAS_SOURCE = textwrap.dedent("""\
    from keras import layers


    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self.bn = layers.BatchNormalization(name="bn")

        def call(self, a, b):
            bn = self.bn
            return bn(a) + bn(b)
""")


def _alias_findings(source: str):
    from layerlint.analysis import analyse

    return [f for f in analyse(source).findings if f.code == "LL101"]


def test_calls_through_an_alias_each_get_their_own_layer_and_the_alias_goes() -> None:
    (finding,) = _alias_findings(ALIAS_SOURCE)
    (fix,) = finding.fixes
    assert fix.data["alias"] == "bn" and fix.data["alias_line"] == 10
    fixed = apply_fix(ALIAS_SOURCE, fix)
    assert fixed == ALIAS_SOURCE.replace(
        '        self.bn = layers.BatchNormalization(name="bn")\n',
        '        self.bn_1 = layers.BatchNormalization(name="bn_1")\n'
        '        self.bn_2 = layers.BatchNormalization(name="bn_2")\n',
    ).replace("        bn = self.bn\n", "").replace(
        "return bn(a) + bn(b)", "return self.bn_1(a) + self.bn_2(b)")


def test_an_alias_on_a_line_with_other_statements_leaves_them() -> None:
    source = ALIAS_SOURCE.replace("        bn = self.bn\n", "        bn = self.bn; scale = 2\n")
    (finding,) = _alias_findings(source)
    fixed = apply_fix(source, finding.fixes[0])
    assert "        scale = 2\n" in fixed and "self.bn;" not in fixed and "bn = " not in fixed


@pytest.mark.parametrize("change", [
    ("return bn(a) + bn(b)", "print(bn)\n        return bn(a) + bn(b)"),  # the alias is read
    ("bn = self.bn\n", "bn = self.bn\n        bn = self.bn\n"),  # bound twice
    ("        bn = self.bn\n", "        if a is not None:\n            bn = self.bn\n"),  # nested
])
def test_no_split_where_the_alias_is_more_than_a_name_for_the_calls(change) -> None:
    source = ALIAS_SOURCE.replace(*change)
    assert all(not finding.fixes for finding in _alias_findings(source))


def test_a_stale_alias_line_is_refused() -> None:
    (finding,) = _alias_findings(ALIAS_SOURCE)
    data = {**finding.fixes[0].data, "alias_line": 9}
    with pytest.raises(FixError, match=r"no longer assigns bn = self\.bn"):
        apply(ALIAS_SOURCE, data)
