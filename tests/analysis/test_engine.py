"""The engine end to end on source text: findings, positions, caching, settings, resilience."""

import os
import subprocess
import sys
from pathlib import Path

from layerlint.analysis import analyse
from layerlint.config import Settings
from layerlint.findings import Severity
from layerlint.fixes import apply_fix

EXAMPLE = (Path(__file__).parents[2] / "examples" / "feature_extractor.py").read_text()


def ll101(text: str, **kwargs):
    return [f for f in analyse(text, **kwargs).findings if f.code == "LL101"]


def test_example_reports_the_second_bn_call_as_a_proven_crash():
    (finding,) = analyse(EXAMPLE).findings
    lines = EXAMPLE.splitlines()
    second = next(i for i, line in enumerate(lines, 1) if "self.bn(self.conv_2" in line)
    assert (finding.code, finding.severity) == ("LL101", Severity.ERROR)
    assert finding.span.line == second
    assert lines[second - 1][finding.span.column - 1:finding.span.end_column - 1] == "self.bn"
    assert "expected axis -1 of input shape to have value 6" in finding.message
    assert f"line {second - 1}" in finding.message
    assert finding.related[0].span.line == second - 1
    assert [fix.title for fix in finding.fixes] == ["Split bn into bn_1/bn_2"]


def test_positions_follow_lines_inserted_above_a_cached_block():
    before = ll101(EXAMPLE)[0]
    shifted_text = EXAMPLE.replace("import numpy as np\n", "import numpy as np\n\n\n# note\n", 1)
    after = ll101(shifted_text)[0]
    assert after.span.line == before.span.line + 3
    assert after.related[0].span.line == before.related[0].span.line + 3
    assert f"line {before.related[0].span.line + 3}" in after.message
    sites = after.fixes[0].data["call_sites"]
    assert [line for line, _ in sites] == [before.related[0].span.line + 3, before.span.line + 3]


def test_fix_proposal_applies_and_removes_the_finding():
    finding = ll101(EXAMPLE)[0]
    fixed = apply_fix(EXAMPLE, finding.fixes[0])
    assert "self.bn_1 = BatchNormalization()" in fixed
    assert "self.bn_2(self.conv_2(x))" in fixed
    assert ll101(fixed) == []


def test_syntax_error_in_one_class_keeps_the_finding_in_another():
    broken = "class Broken(Layer):\n    def call(self, x):\n        return self.conv(\n\n\n"
    text = EXAMPLE.replace("class FeatureExtractor", broken + "class FeatureExtractor", 1)
    result = analyse(text)
    assert [f.code for f in result.findings] == ["LL101"]
    (problem,) = result.syntax_problems
    assert text.splitlines()[problem.line - 1].strip() == "return self.conv("
    assert "never closed" in problem.message


def test_suppression_comment_silences_one_code():
    text = EXAMPLE.replace(
        "self.bn(self.conv_2(x)))", "self.bn(self.conv_2(x)))  # layerlint: ignore[LL101]", 1
    )
    assert ll101(text) == []
    text_other_code = EXAMPLE.replace(
        "self.bn(self.conv_2(x)))", "self.bn(self.conv_2(x)))  # layerlint: ignore[LL102]", 1
    )
    assert len(ll101(text_other_code)) == 1


def test_settings_select_ignore_and_severity():
    assert ll101(EXAMPLE, settings=Settings(ignore=("LL101",))) == []
    assert ll101(EXAMPLE, settings=Settings(select=("LL2",))) == []
    (finding,) = ll101(EXAMPLE, settings=Settings(severity={"LL101": "hint"}))
    assert finding.severity == Severity.HINT


def test_module_level_functional_code_spanning_blocks():
    text = (
        "import keras\nfrom keras import layers\n\n"
        "inputs = keras.Input((8, 8, 3))\n"
        "norm = layers.BatchNormalization()\n"
        "x = norm(layers.Conv2D(4, 3)(inputs))\n\n"
        "def helper():\n    return 1\n\n"
        "x = norm(layers.Conv2D(8, 3)(x))\n"
    )
    (finding,) = ll101(text)
    assert finding.span.line == 11 and finding.severity == Severity.ERROR
    assert finding.fixes and finding.fixes[0].title == "Split norm into norm_1/norm_2"


def test_classes_that_are_not_models_are_ignored():
    text = EXAMPLE.replace("from keras.layers import BatchNormalization, Conv2D, Layer, MaxPool2D",
                           "from mylib import BatchNormalization, Conv2D, Layer, MaxPool2D")
    assert analyse(text).findings == []


def test_subclass_of_a_model_class_in_the_same_file_inherits_layers():
    text = (
        "from keras import layers\n\n"
        "class Base(layers.Layer):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.conv_a = layers.Conv2D(4, 3)\n        self.conv_b = layers.Conv2D(8, 3)\n"
        "        self.bn = layers.BatchNormalization()\n\n"
        "class Child(Base):\n"
        "    def call(self, x):\n"
        "        x = self.bn(self.conv_a(x))\n"
        "        return self.bn(self.conv_b(x))\n"
    )
    (finding,) = ll101(text)
    assert finding.span.line == 13 and finding.severity == Severity.ERROR


def test_analysis_never_imports_a_framework():
    code = (
        "import sys\nfrom layerlint.analysis import analyse\n"
        f"analyse(open({str(Path(__file__).parents[2] / 'examples' / 'feature_extractor.py')!r}).read())\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'torch', 'tf_keras') if m in sys.modules))\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "[]"


WORKSPACE_BASE = """from keras import layers

class ResBlock(layers.Layer):
    def __init__(self):
        super().__init__()
        self.conv_a = layers.Conv2D(4, 3)
        self.conv_b = layers.Conv2D(8, 3)
        self.bn = layers.BatchNormalization()
"""
WORKSPACE_CHILD = """from {module} import ResBlock


class Head(ResBlock):
    def call(self, x):
        x = self.bn(self.conv_a(x))
        return self.bn(self.conv_b(x))
"""


def test_base_class_from_another_workspace_file(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "blocks.py").write_text(WORKSPACE_BASE)
    for module in (".blocks", "pkg.blocks"):
        child = package / "model.py"
        text = WORKSPACE_CHILD.format(module=module)
        (finding,) = ll101(text, path=str(child))
        assert finding.span.line == 7 and finding.severity == Severity.ERROR
        assert not finding.fixes  # the layer is defined in another file: no automatic split
    # Without a path (an unsaved buffer) the base cannot be found: nothing is claimed.
    assert ll101(WORKSPACE_CHILD.format(module=".blocks")) == []


def test_workspace_file_changes_are_picked_up(tmp_path):
    (tmp_path / "blocks.py").write_text(WORKSPACE_BASE)
    child = tmp_path / "model.py"
    text = WORKSPACE_CHILD.format(module="blocks")
    assert len(ll101(text, path=str(child))) == 1
    (tmp_path / "blocks.py").write_text(WORKSPACE_BASE.replace("layers.Layer", "object"))

    os.utime(tmp_path / "blocks.py", ns=(1, 1))
    assert ll101(text, path=str(child)) == []


def test_cached_function_block_follows_an_edit_of_the_class_it_uses():
    text = (
        "import keras\nfrom keras import layers\n\n"
        "class Block(layers.Layer):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.norm = layers.BatchNormalization()\n"
        "    def call(self, x):\n        return self.norm(x)\n\n"
        "def build():\n"
        "    block = Block()\n"
        "    x = block(keras.Input((8, 8, 3)))\n"
        "    return block(x)\n"
    )
    assert [f.span.line for f in ll101(text)] == [14]
    without_state = text.replace("layers.BatchNormalization()", "layers.ReLU()")
    assert ll101(without_state) == []
    assert [f.span.line for f in ll101(text)] == [14]


def test_cached_loss_function_follows_a_save_typed_in_another_block(tmp_path):
    # LL207 reports a saved loss function on its definition: the function's cached findings
    # go stale when a save of the model that compiles it comes or goes in another block.
    path = str(tmp_path / "train.py")
    text = (
        "import keras\n\n\n"
        "def gap(y, p):\n    return keras.ops.mean(y - p)\n\n\n"
        "def train():\n"
        "    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "    model.compile(loss=gap)\n"
    )
    saved = text + "    model.save('m.keras')\n"

    def ll207(source: str) -> list[int]:
        return [f.span.line for f in analyse(source, path=path).findings if f.code == "LL207"]

    assert ll207(text) == []
    assert ll207(saved) == [4]
    assert ll207(text) == []
    assert ll207(saved) == [4]


def test_cached_message_follows_an_edit_of_the_call_it_quotes(tmp_path):
    # LL302's message quotes the cast that makes it true; editing that call on its line (same
    # kind of use, same line) must not leave the class's cached message quoting the old one.
    path = str(tmp_path / "net.py")
    text = (
        "import torch\nfrom torch import nn\n\n\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.w = torch.eye(3)\n\n"
        "    def forward(self, x):\n        return x @ self.w\n\n\n"
        "model = Net().to(torch.float64)\n"
    )

    def ll302(source: str) -> list[str]:
        return [f.message for f in analyse(source, path=path).findings if f.code == "LL302"]

    (before,) = ll302(text)
    assert "`Net().to(torch.float64)`" in before
    (after,) = ll302(text.replace("torch.float64", "torch.float16"))
    assert "`Net().to(torch.float16)`" in after


def test_half_typed_class_keeps_its_last_good_findings_without_fixes(tmp_path):
    path = str(tmp_path / "model.py")
    (good,) = ll101(EXAMPLE, path=path)
    typing = EXAMPLE.replace("        return x\n", "        return self.conv_1(\n", 1)
    result = analyse(typing, path=path)
    (kept,) = [f for f in result.findings if f.code == "LL101"]
    assert result.syntax_problems
    assert (kept.span, kept.message, kept.severity) == (good.span, good.message, good.severity)
    assert kept.fixes == ()
    # Without a document identity (a one-off check) nothing is carried over.
    assert [f for f in analyse(typing).findings if f.code == "LL101"] == []


def test_a_half_typed_second_class_of_the_same_name_keeps_only_its_own_findings(tmp_path):
    path = str(tmp_path / "notebook_style.py")
    first = (
        "from keras import layers\n\n\n"
        "class Block(layers.Layer):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.conv1 = layers.Conv2D(6, 3)\n"
        "        self.conv2 = layers.Conv2D(16, 3)\n"
        "        self.bn = layers.BatchNormalization()\n\n"
        "    def call(self, x):\n"
        "        x = self.bn(self.conv1(x))\n"
        "        return self.bn(self.conv2(x))\n\n\n"
    )
    second_done = (
        "class Block(layers.Layer):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.conv1 = layers.Conv2D(6, 3)\n"
        "        self.conv2 = layers.Conv2D(16, 3)\n"
        "        self.bn1 = layers.BatchNormalization()\n"
        "        self.bn2 = layers.BatchNormalization()\n\n"
        "    def call(self, x):\n"
        "        x = self.bn1(self.conv1(x))\n"
        "        return self.bn2(self.conv2(x))\n"
        "# end\n"
    )
    assert [f.span.line for f in ll101(first + second_done, path=path)] == [13]
    half_typed = first + second_done.replace("self.bn2(self.conv2(x))", "self.bn2(self.conv2(")
    result = analyse(half_typed, path=path)
    assert result.syntax_problems
    # The first Block's finding stays; the second gets none of the first's remembered findings.
    assert [f.span.line for f in result.findings if f.code == "LL101"] == [13]


def test_findings_survive_a_reparse_while_the_class_model_stays_cached():
    """The parse cache and the class cache evict separately: after the blocks are parsed anew,
    a cached class model holds the node of the earlier parse, and must still be analysed."""
    from layerlint.analysis import engine, source

    before = [f.span.line for f in ll101(EXAMPLE)]
    source._parse_cache.clear()
    engine._block_cache.clear()
    engine._module_cache.clear()
    assert [f.span.line for f in ll101(EXAMPLE)] == before != []


def test_remembered_findings_of_a_half_typed_class_drop_related_places_gone_from_the_document(
    tmp_path,
):
    """The class's LL201 points at the save further down; while the class is half-typed and the
    rest of the file is not there (yet, or any more), its remembered finding keeps no related
    place outside the document."""
    path = str(tmp_path / "model.py")
    text = (Path(__file__).parents[2] / "tests/fixtures/custom/keras_ll201_layer_argument.py").read_text()
    (full,) = [f for f in analyse(text, path=path).findings if f.code == "LL201"]
    assert full.related and full.related[0].span.line > 30
    lines = text.splitlines(keepends=True)
    half_typed = "".join(lines[:25]) + "        self.inner = (\n"
    result = analyse(half_typed, path=path)
    assert result.syntax_problems
    (kept,) = [f for f in result.findings if f.code == "LL201"]
    assert kept.span == full.span
    assert all(item.span.line <= half_typed.count("\n") + 1 for item in kept.related)
