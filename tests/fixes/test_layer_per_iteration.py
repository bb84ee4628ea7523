"""The layer-per-iteration quick-fix: when the analysis offers it, the exact rewrite, stale
positions, and, under the frameworks, that the fixed fixtures no longer misbehave.

Positions in hand-written fix data are found by searching the source for text, the way the
analysis reports them, so no test depends on counted line numbers.
"""

from __future__ import annotations

import ast
import difflib
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from framework_runner import Program, load_fixtures, run_programs

from layerlint.analysis import analyse
from layerlint.findings import Finding
from layerlint.fix_requests import FixRequest, LayerPerIteration, parse_fix_request
from layerlint.fixes import FixError, apply_fix

KIND = LayerPerIteration.KIND

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reuse"


def apply(source: str, data: dict[str, Any]) -> str:
    """The fix on `data` as an editor hands it back (read, checked, applied)."""
    return apply_fix(source, LayerPerIteration.from_data(data, "t"))


def locate(source: str, needle: str, occurrence: int = 0) -> list[int]:
    """[line, column] (1-based, column in characters) of the `occurrence`-th `needle`."""
    index = -1
    for _ in range(occurrence + 1):
        index = source.index(needle, index + 1)
    before = source[:index]
    return [before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1]


def changed_lines(before: str, after: str) -> list[str]:
    """The diff as '-old' / '+new' lines, without context or headers."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
    return [line for line in diff if not line.startswith(("---", "+++", "@@"))]


def reuse_findings(source: str) -> list[Finding]:
    return [f for f in analyse(source).findings if f.code in ("LL101", "LL102", "LL103")]


def loop_fixes(source: str) -> list[FixRequest]:
    return [fix for finding in reuse_findings(source) for fix in finding.fixes if fix.kind == KIND]


def only_loop_fix(source: str) -> FixRequest:
    fixes = loop_fixes(source)
    assert len(fixes) == 1, [finding.message for finding in reuse_findings(source)]
    return fixes[0]


def edited(source: str, *replacements: tuple[str, str]) -> str:
    """`source` with each (old, new) replaced once; the old text must be there."""
    for old, new in replacements:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    return source


KERAS_STACK = textwrap.dedent(
    """\
    from keras import layers


    class Stack(layers.Layer):
        def __init__(self, depth=3):
            super().__init__()
            self.depth = depth
            self.blocks = [layers.Dense(8) for _ in range(depth)]
            self.norm = layers.BatchNormalization(momentum=0.9)

        def call(self, x, sizes=None):
            for i in range(self.depth):
                x = self.norm(self.blocks[i](x))
            return x
    """
)

TORCH_REFINER = textwrap.dedent(
    """\
    import torch
    from torch import nn


    class Refiner(nn.Module):
        def __init__(self, width=8):
            super().__init__()
            self.linears = nn.ModuleList([nn.Linear(width, width) for _ in range(3)])
            self.norm = nn.BatchNorm1d(width)

        def forward(self, x):
            for i in range(len(self.linears)):
                x = torch.relu(self.norm(self.linears[i](x)))
            return x
    """
)


# --- What the analysis offers --------------------------------------------------------------


def test_range_over_a_constructor_attribute_offers_the_fix_with_exact_data() -> None:
    fix = only_loop_fix(KERAS_STACK)
    assert fix.title == "Give each iteration its own norm (self.norms[i])"
    assert fix.data == {
        "class_name": "Stack",
        "name": "norm",
        "new_name": "norms",
        "index": "i",
        "count": "self.depth",
        "container": None,
        "definition_line": locate(KERAS_STACK, "self.norm = ")[0],
        "call_sites": [locate(KERAS_STACK, "self.norm(")],
    }
    # The proposal travels as JSON inside an LSP diagnostic and must still apply.
    wire = json.loads(json.dumps({"title": fix.title, "kind": fix.kind, "data": fix.data}))
    round_tripped = parse_fix_request(wire["kind"], wire["data"], wire["title"])
    assert round_tripped == fix
    assert changed_lines(KERAS_STACK, apply_fix(KERAS_STACK, round_tripped)) == [
        "-        self.norm = layers.BatchNormalization(momentum=0.9)",
        "+        self.norms = [layers.BatchNormalization(momentum=0.9) for _ in range(self.depth)]",
        "-            x = self.norm(self.blocks[i](x))",
        "+            x = self.norms[i](self.blocks[i](x))",
    ]


@pytest.mark.parametrize(
    ("loop", "count"),
    [
        ("for i in range(3):", "3"),
        ("for i in range(len(self.blocks)):", "len(self.blocks)"),
        ("for i, block in enumerate(self.blocks):", "len(self.blocks)"),
    ],
)
def test_literal_and_list_length_counts(loop: str, count: str) -> None:
    source = edited(KERAS_STACK, ("for i in range(self.depth):", loop))
    fix = only_loop_fix(source)
    assert fix.data["count"] == count
    assert f"for _ in range({count})]" in apply_fix(source, fix)


def test_layer_built_in_build_may_count_with_an_attribute_set_in_init() -> None:
    source = edited(
        KERAS_STACK,
        ("        self.norm = layers.BatchNormalization(momentum=0.9)\n",
         "\n    def build(self, input_shape):\n"
         "        self.norm = layers.BatchNormalization(momentum=0.9)\n"),
    )
    fixed = apply_fix(source, only_loop_fix(source))
    built = "        self.norms = [layers.BatchNormalization(momentum=0.9) for _ in range(self.depth)]\n"
    assert built in fixed


def test_calls_in_exclusive_arms_of_one_iteration_are_all_indexed() -> None:
    source = edited(
        KERAS_STACK,
        ("            x = self.norm(self.blocks[i](x))\n",
         "            if i % 2:\n"
         "                x = self.norm(self.blocks[i](x))\n"
         "            else:\n"
         "                x = self.norm(-self.blocks[i](x))\n"),
    )
    fixes = loop_fixes(source)
    assert fixes and all(fix.data == fixes[0].data for fix in fixes)
    assert fixes[0].data["call_sites"] == [locate(source, "self.norm("), locate(source, "self.norm(", 1)]
    fixed = apply_fix(source, fixes[0])
    assert fixed.count("self.norms[i](") == 2 and "self.norm(" not in fixed
    assert not reuse_findings(fixed)


def test_plural_name_avoids_names_the_class_uses() -> None:
    source = edited(KERAS_STACK, ("        return x\n", "        self.norms = None\n        return x\n"))
    assert only_loop_fix(source).data["new_name"] == "norms_1"


@pytest.mark.parametrize(("name", "plural"), [("batch", "batches"), ("body", "bodies"), ("bn", "bns")])
def test_plural_names(name: str, plural: str) -> None:
    source = KERAS_STACK.replace("self.norm", f"self.{name}")
    assert only_loop_fix(source).data["new_name"] == plural


def test_weighted_layer_in_a_loop_over_independent_inputs_offers_it_too() -> None:
    source = textwrap.dedent(
        """\
        from keras import layers


        class Heads(layers.Layer):
            def __init__(self):
                super().__init__()
                self.head = layers.Dense(4)

            def call(self, features):
                outputs = []
                for level in range(3):
                    outputs.append(self.head(features[level]))
                return outputs
        """
    )
    (finding,) = reuse_findings(source)
    assert finding.code == "LL103"
    assert [fix.title for fix in finding.fixes] == ["Give each iteration its own head (self.heads[level])"]


@pytest.mark.parametrize(
    ("imports", "container"),
    [
        ("import torch\nfrom torch import nn\n", "nn.ModuleList"),
        ("import torch\nimport torch.nn as nn\n", "nn.ModuleList"),
        ("import torch\nfrom torch import nn\nfrom torch.nn import ModuleList\n", "ModuleList"),
    ],
)
def test_torch_layers_go_into_the_modules_own_module_list(imports: str, container: str) -> None:
    source = edited(TORCH_REFINER, ("import torch\nfrom torch import nn\n", imports))
    fix = only_loop_fix(source)
    assert fix.data["container"] == container
    built = f"self.norms = {container}([nn.BatchNorm1d(width) for _ in range(len(self.linears))])"
    assert built in apply_fix(source, fix)


def test_torch_spelled_through_the_torch_package() -> None:
    source = TORCH_REFINER.replace("from torch import nn\n", "").replace("nn.", "torch.nn.")
    fix = only_loop_fix(source)
    assert fix.data["container"] == "torch.nn.ModuleList"


NO_FIX_KERAS = {
    "while loop": [("for i in range(self.depth):\n", "i = 0\n        while i < self.depth:\n"),
                   ("            x = self.norm(self.blocks[i](x))\n",
                    "            x = self.norm(self.blocks[i](x))\n            i += 1\n")],
    "loop over a tensor": [("for i in range(self.depth):", "for i in sizes:")],
    "count known only in call": [("for i in range(self.depth):", "for i in range(len(sizes)):")],
    "range with a start": [("for i in range(self.depth):", "for i in range(1, self.depth):")],
    "enumerate with a start": [("for i in range(self.depth):", "for i, b in enumerate(self.blocks, 1):")],
    "comprehension": [("        for i in range(self.depth):\n            x = self.norm(self.blocks[i](x))\n",
                       "        x = [self.norm(block(x)) for block in self.blocks]\n")],
    "nested loops": [("        for i in range(self.depth):\n",
                      "        for j in range(2):\n          for i in range(self.depth):\n")],
    "count assigned after the layer": [("        self.depth = depth\n", ""),
                                       ("momentum=0.9)\n", "momentum=0.9)\n        self.depth = depth\n")],
    "count assigned twice": [("        return x\n", "        return x\n\n    def deepen(self):\n"
                              "        self.depth += 1\n")],
    "count from an expression": [("self.depth = depth\n", "self.depth = depth * 2\n")],
    "count assigned inside an if": [("        self.depth = depth\n",
                                     "        if depth:\n            self.depth = depth\n")],
    "list resized later": [("for i in range(self.depth):", "for i in range(len(self.blocks)):"),
                           ("momentum=0.9)\n",
                            "momentum=0.9)\n        self.blocks.append(layers.Dense(8))\n")],
    "list handed to other code": [("for i in range(self.depth):", "for i in range(len(self.blocks)):"),
                                  ("momentum=0.9)\n", "momentum=0.9)\n        keep(self.blocks)\n")],
    "list from a parameter": [("for i in range(self.depth):", "for i, b in enumerate(self.blocks):"),
                              ("[layers.Dense(8) for _ in range(depth)]", "list_from_elsewhere")],
    "another call before the loop": [("        for i in", "        x = self.norm(x)\n        for i in")],
    "two calls per iteration": [("x = self.norm(self.blocks[i](x))",
                                 "x = self.norm(self.blocks[i](self.norm(x)))")],
    "call through a helper": [("x = self.norm(self.blocks[i](x))", "x = self._step(x, i)"),
                              ("        return x\n", "        return x\n\n    def _step(self, x, i):\n"
                               "        return self.norm(self.blocks[i](x))\n")],
    "other reference": [("momentum=0.9)\n", "momentum=0.9)\n        self.norm.trainable = False\n")],
    "index rebound in the body": [("            x = self.norm",
                                   "            i = min(i, 1)\n            x = self.norm")],
    "name not a literal": [("def __init__(self, depth=3):", "def __init__(self, depth=3, label='n'):"),
                           ("momentum=0.9)", "momentum=0.9, name=label)")],
    "built in a loop": [("        self.norm = layers",
                         "        for _ in range(1):\n            self.norm = layers")],
    "built in a helper": [("        self.norm = layers.BatchNormalization(momentum=0.9)\n",
                           "        self._make()\n\n    def _make(self):\n"
                           "        self.norm = layers.BatchNormalization(momentum=0.9)\n")],
    "annotated definition": [("self.norm = layers", "self.norm: layers.Layer = layers")],
    "subclassed in the module": [("        return x\n", "        return x\n\n\nclass Deeper(Stack):\n"
                                  "    pass\n")],
}


@pytest.mark.parametrize("case", NO_FIX_KERAS, ids=list(NO_FIX_KERAS))
def test_no_fix_where_one_layer_per_iteration_is_not_provably_correct(case: str) -> None:
    source = edited(KERAS_STACK, *NO_FIX_KERAS[case])
    ast.parse(source)
    findings = reuse_findings(source)
    assert any(f.code == "LL101" for f in findings), f"{case}: the reuse itself should be reported"
    assert not loop_fixes(source)


def test_no_fix_for_torch_without_a_module_list_name() -> None:
    source = edited(
        TORCH_REFINER,
        ("import torch\nfrom torch import nn\n", "from torch.nn import BatchNorm1d, Linear, Module\n"),
        ("torch.relu(self.norm(self.linears[i](x)))", "self.norm(self.linears[i](x)).relu()"),
        ("nn.ModuleList([nn.Linear(width, width) for _ in range(3)])",
         "[Linear(width, width) for _ in range(3)]"),
        ("(nn.Module)", "(Module)"),
        ("nn.BatchNorm1d(width)", "BatchNorm1d(width)"),
    )
    assert any(f.code == "LL101" for f in reuse_findings(source))
    assert not loop_fixes(source)


# --- The rewrite ---------------------------------------------------------------------------


def request_data(source: str, **changes: Any) -> dict[str, Any]:
    """Fix data for `self.norm` in class Stack, called at every `self.norm(` of `source`."""
    data = {
        "class_name": "Stack",
        "name": "norm",
        "new_name": "norms",
        "index": "i",
        "count": "3",
        "container": None,
        "definition_line": locate(source, "self.norm = ")[0],
        "call_sites": [locate(source, "self.norm(", n) for n in range(source.count("self.norm("))],
    }
    return {**data, **changes}


MULTI_LINE = textwrap.dedent(
    """\
    import keras


    class Stack(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            # one normalization for every step (the bug)
            self.norm = keras.layers.BatchNormalization(  # after each step
                momentum=0.9,  # slower running averages
            )  # end of norm

        def call(self, x):
            for i in range(3):  # three refinements
                x = x + self.norm(x)  # residual
            return x
    """
)


def test_formatting_and_comments_are_kept() -> None:
    fixed = apply(MULTI_LINE, request_data(MULTI_LINE))
    assert changed_lines(MULTI_LINE, fixed) == [
        "-        self.norm = keras.layers.BatchNormalization(  # after each step",
        "+        self.norms = [keras.layers.BatchNormalization(  # after each step",
        "-        )  # end of norm",
        "+        ) for _ in range(3)]  # end of norm",
        "-            x = x + self.norm(x)  # residual",
        "+            x = x + self.norms[i](x)  # residual",
    ]


@pytest.mark.parametrize(
    ("written", "rewritten", "layer_names"),
    [
        ('name="norm"', 'name=f"norm_{index}"', ["norm_0", "norm_1"]),
        ("name='norm'", "name=f'norm_{index}'", ["norm_0", "norm_1"]),
        ('name=f"{prefix}norm"', 'name=f"{prefix}norm_{index}"', ["p_norm_0", "p_norm_1"]),
        ('name="stem" "_norm"', 'name="stem" f"_norm_{index}"', ["stem_norm_0", "stem_norm_1"]),
        ('name=r"n\\d"', 'name=fr"n\\d_{index}"', ["n\\d_0", "n\\d_1"]),
        ('name="{odd}"', 'name=f"{{odd}}_{index}"', ["{odd}_0", "{odd}_1"]),
        ('name=u"norm"', 'name=f"norm_{index}"', ["norm_0", "norm_1"]),
    ],
)
def test_name_keyword_becomes_one_name_per_position(
    written: str, rewritten: str, layer_names: list[str]
) -> None:
    source = textwrap.dedent(
        f"""\
        class Stack(Layer):
            def __init__(self, prefix):
                self.norm = BatchNormalization({written}, momentum=0.9)

            def call(self, x):
                for i in range(2):
                    x = self.norm(x)
                return x
        """
    )
    fixed = apply(source, request_data(source, count="2"))
    assert f"self.norms = [BatchNormalization({rewritten}, momentum=0.9) for index in range(2)]" in fixed
    name = next(
        keyword.value for node in ast.walk(ast.parse(fixed))
        if isinstance(node, ast.Call) for keyword in node.keywords if keyword.arg == "name"
    )
    expression = ast.Expression(name)
    names = [eval(compile(expression, "<name>", "eval"), {"index": n, "prefix": "p_"}) for n in range(2)]
    assert names == layer_names


def test_comprehension_variable_never_shadows_what_the_construction_reads() -> None:
    source = textwrap.dedent(
        """\
        class Stack(Layer):
            def __init__(self, _, index):
                self.norm = BatchNormalization(axis=_, epsilon=index, name="norm")

            def call(self, x):
                for i in range(2):
                    x = self.norm(x)
                return x
        """
    )
    fixed = apply(source, request_data(source, count="2"))
    built = 'BatchNormalization(axis=_, epsilon=index, name=f"norm_{index_1}") for index_1 in range(2)]'
    assert built in fixed
    unnamed = source.replace(', name="norm"', "")
    fixed = apply(unnamed, request_data(unnamed, count="2"))
    assert "BatchNormalization(axis=_, epsilon=index) for index_1 in range(2)]" in fixed


def test_container_wraps_the_list_and_other_statements_on_the_line_stay() -> None:
    source = textwrap.dedent(
        """\
        class Stack(nn.Module):
            def __init__(self):
                super().__init__(); self.norm = nn.BatchNorm1d(8); self.width = 8

            def forward(self, x):
                for i in range(4): x = (self.norm)(x)
                return x
        """
    )
    data = request_data(source, count="4", container="nn.ModuleList",
                        call_sites=[locate(source, "self.norm)")])
    fixed = apply(source, data)
    assert changed_lines(source, fixed) == [
        "-        super().__init__(); self.norm = nn.BatchNorm1d(8); self.width = 8",
        "+        super().__init__(); self.norms = nn.ModuleList([nn.BatchNorm1d(8) for _ in range(4)]);"
        " self.width = 8",
        "-        for i in range(4): x = (self.norm)(x)",
        "+        for i in range(4): x = (self.norms)[i](x)",
    ]


def test_columns_count_characters_not_bytes() -> None:
    source = edited(KERAS_STACK, ("x = self.norm(self.blocks[i](x))",
                                  "x = ('ü→', self.norm(self.blocks[i](x)))[1]"))
    ast.parse(source)
    fix = only_loop_fix(source)
    assert "('ü→', self.norms[i](self.blocks[i](x)))[1]" in apply_fix(source, fix)


def test_only_the_class_block_is_rewritten() -> None:
    source = "# a header comment\nimport os ;  x = 1\n\n\n" + KERAS_STACK + "\n\ny  =  [ 1 ]\n"
    fixed = apply_fix(source, only_loop_fix(source))
    assert len(changed_lines(source, fixed)) == 4
    assert fixed.startswith("# a header comment\nimport os ;  x = 1\n") and fixed.endswith("y  =  [ 1 ]\n")


# --- Stale positions and malformed requests ------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "complaint"),
    [
        (lambda s: "\n" + s, "line"),  # everything moved down one line
        (lambda s: s.replace("class Stack", "class Tower"), "not in class Stack"),
        (lambda s: s.replace("x = self.norm(", "x = self.other("), "found `self.other`"),
        (lambda s: s.replace("    for i in range(self.depth):\n        ", "    if True:\n        "),
         "not directly inside"),
        (lambda s: s.replace("for i in range", "for j in range").replace("[i]", "[j]"),
         "does not count with `i`"),
        (lambda s: s.replace("self.norm = layers", "self.gamma = layers"), "no longer assigns self.norm"),
        (lambda s: s.replace("self.norm = layers.BatchNormalization(momentum=0.9)", "self.norm = shared"),
         "not a constructor call"),
        (lambda s: s.replace("        return x\n", "        self.norms = 1\n        return x\n"),
         "norms is already used"),
        (lambda s: s.replace("class Stack(layers.Layer):", "class Stack(layers.Layer)"), "does not parse"),
    ],
)
def test_stale_positions_raise_fix_error(edit, complaint: str) -> None:
    data = only_loop_fix(KERAS_STACK).data
    changed = edit(KERAS_STACK)
    assert changed != KERAS_STACK
    with pytest.raises(FixError, match=complaint):
        apply(changed, data)


def test_call_in_a_lambda_inside_the_loop_is_not_an_iteration() -> None:
    # `lambda: self.norms[i](x)` would read `i` when called, not when the loop made it.
    source = edited(KERAS_STACK, ("x = self.norm(self.blocks[i](x))", "x = (lambda: self.norm(x))()"))
    with pytest.raises(FixError, match=r"not directly inside a `for i in \.\.\.` loop"):
        apply(source, request_data(source))


def test_call_in_the_loops_else_clause_is_not_an_iteration() -> None:
    source = edited(
        KERAS_STACK,
        ("            x = self.norm(self.blocks[i](x))\n",
         "            x = self.blocks[i](x)\n        else:\n            x = self.norm(x)\n"),
    )
    with pytest.raises(FixError, match="does not count with `i`"):
        apply(source, request_data(source))


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"index": "not an identifier"}, "not an identifier"),
        ({"new_name": "norm"}, "must differ"),
        ({"count": "range("}, "not an expression"),
        ({"container": "nn.Module List"}, "not a dotted name"),
        ({"call_sites": []}, "non-empty"),
        ({"definition_line": "seven"}, "malformed"),
    ],
)
def test_malformed_data_is_rejected(changes: dict[str, Any], complaint: str) -> None:
    data = request_data(KERAS_STACK, **changes)
    with pytest.raises(FixError, match=complaint):
        LayerPerIteration.from_data(data, "t")
    with pytest.raises(FixError, match=complaint):
        apply(KERAS_STACK, data)
    incomplete = request_data(KERAS_STACK)
    del incomplete["count"]
    with pytest.raises(FixError, match="malformed"):
        apply(KERAS_STACK, incomplete)


# --- Under the frameworks: the fixed fixtures no longer misbehave ---------------------------

LOOP_FIX_FIXTURES = [f for f in load_fixtures(FIXTURES) if f.name.startswith("ll101_loop_fix_")]


@pytest.mark.framework
def test_fixed_fixtures_lose_their_misbehaviour() -> None:
    """Each fixture measures the bug (`inference_gap`: statistics blended over iterations); the
    original and the fixed program run side by side, one subprocess per framework. After the fix
    the gap must shrink at least twentyfold, and weights must keep distinct paths and reload."""
    assert LOOP_FIX_FIXTURES
    programs = []
    for fixture in LOOP_FIX_FIXTURES:
        (line, title), = fixture.fixes.items()
        (fix,) = [fix for f in reuse_findings(fixture.source) if f.span.line == line
                  for fix in f.fixes if fix.title == title]
        programs.append(Program(fixture.name, fixture.source, fixture.framework))
        programs.append(Program(f"{fixture.name} fixed", apply_fix(fixture.source, fix), fixture.framework))
    outcomes = run_programs(programs)
    for fixture in LOOP_FIX_FIXTURES:
        before, after = outcomes[fixture.name], outcomes[f"{fixture.name} fixed"]
        assert not before.crashed and not after.crashed, (before.error_message, after.error_message)
        assert after.facts["inference_gap"] * 20 < before.facts["inference_gap"], (before.facts, after.facts)
        if "duplicate_weight_paths" in before.facts:
            assert after.facts["duplicate_weight_paths"] == 0
            assert after.facts["reload_difference"] < 1e-6
