"""The incremental path (blocks re-split around the change, findings of unchanged blocks
carried over, evidence resolutions reused) gives the findings of an analysis from scratch, after
every edit of random sequences: keystrokes, comments, pastes, deleted classes, broken code."""

import random
import re

import pytest

from bench.document_script import plan_document_edits
from bench.fresh_analysis import fresh_parses, from_scratch, module_saving_a_layer
from layerlint.analysis import analyse, block_memo, document_state, save_evidence
from layerlint.analysis import source as source_module
from layerlint.analysis.class_resolution import module_context
from layerlint.analysis.shapes import infer
from layerlint.analysis.shapes import module_shapes as module_shapes_module
from layerlint.analysis.shapes.module_shapes import module_shapes
from layerlint.config import Settings

SNIPPETS = ["(", ")", "\n", "x", "self.bn(x)", "\n        y = self.norm(x)\n", "#", ":",
            "class Extra(keras.layers.Layer):\n    pass\n", "    ", "]", '"""', "@"]


def _random_edit(rng, text):
    position = rng.randrange(len(text) + 1)
    if rng.random() < 0.5:
        return text[:position] + rng.choice(SNIPPETS) + text[position:]
    return text[:position] + text[position + rng.choice([1, 3, 40, 400]):]


def _same(incremental, scratch):
    assert incremental.findings == scratch.findings
    assert incremental.syntax_problems == scratch.syntax_problems


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(3))
def test_random_edits_give_the_findings_of_a_fresh_analysis(tmp_path, seed):
    rng = random.Random(seed)
    source = module_saving_a_layer(400, seed)
    incremental_path, scratch_path = str(tmp_path / "a.py"), str(tmp_path / "b.py")
    text = source
    first = analyse(text, path=incremental_path)
    assert {finding.code for finding in first.findings} >= {"LL101"}
    _same(first, from_scratch(text, scratch_path))
    for _ in range(40):
        text = _random_edit(rng, text) if rng.random() < 0.8 else source
        _same(analyse(text, path=incremental_path), from_scratch(text, scratch_path))


def test_lines_moved_above_module_code_patch_the_evidence(tmp_path, monkeypatch):
    """A key that adds or removes a line in a class above the module's own code (the script at
    the bottom that saves a layer) moves that code's lines: its scope is read again and the
    rest of the save evidence's program patched, not the whole program combined again."""
    source = module_saving_a_layer(400, 1) + "\n\nif __name__ == '__main__':\n    train_and_save(None)\n"
    incremental_path, scratch_path = str(tmp_path / "a.py"), str(tmp_path / "b.py")
    assert "LL207" in {finding.code for finding in analyse(source, path=incremental_path).findings}
    combined = []
    original_program = save_evidence.program
    monkeypatch.setattr(save_evidence, "program",
                        lambda *args, **kwargs: combined.append(1) or original_program(*args, **kwargs))
    text = source
    for step in range(6):
        lines = text.split("\n")
        at = next(index for index in range(40 + step * 30, len(lines))
                  if lines[index].startswith("        "))
        lines.insert(at, "") if step % 2 == 0 else lines.insert(at, "        # note")
        text = "\n".join(lines)
        incremental = analyse(text, path=incremental_path)
        calls = len(combined)
        _same(incremental, from_scratch(text, scratch_path))
        del combined[calls:]  # the analysis from scratch combines its own
    assert combined == []


def test_half_typed_names_in_module_code_patch_the_evidence(tmp_path, monkeypatch):
    """Keys that leave only a name in a script's own code (`model.fi`) add no module code for
    the save evidence: its program is patched, not combined again, and a key that adds a
    statement that reads weights (`model.weights`) is read as one."""
    source = module_saving_a_layer(400, 2) + "\n\ntrain_and_save(None)\n"
    incremental_path, scratch_path = str(tmp_path / "a.py"), str(tmp_path / "b.py")
    analyse(source + "\n", path=incremental_path)
    combined = []
    original_program = save_evidence.program
    monkeypatch.setattr(save_evidence, "program",
                        lambda *args, **kwargs: combined.append(1) or original_program(*args, **kwargs))
    for typed in ("m", "model", "model.fi", "model.fit", "\"\"\"Notes.\"\"\"", "model.weights"):
        incremental = analyse(source + "\n" + typed, path=incremental_path)
        calls = len(combined)
        _same(incremental, from_scratch(source + "\n" + typed, scratch_path))
        del combined[calls:]
        if typed != "model.weights":
            assert combined == [], typed
    assert combined == [1]  # a read of the weights is module code


def test_full_document_edits_give_the_findings_of_a_fresh_analysis(tmp_path):
    source = module_saving_a_layer(1000, 3)
    incremental_path, scratch_path = str(tmp_path / "a.py"), str(tmp_path / "b.py")
    _same(analyse(source, path=incremental_path), from_scratch(source, scratch_path))
    for step in plan_document_edits(source, 45):
        _same(analyse(step.text, path=incremental_path), from_scratch(step.text, scratch_path))


DEPENDENT = '''import keras
from keras import layers


class Block(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = layers.BatchNormalization()

    def call(self, x):
        return self.inner(x)


class Unrelated(keras.layers.Layer):
    def call(self, x):
        return x


class Net(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.block = Block()

    def call(self, x):
        return self.block(self.block(x))
'''


def test_a_change_in_a_class_reaches_the_unchanged_classes_that_use_it(tmp_path):
    """Net's text never changes; its finding follows what Block holds, and Block's deletion."""
    incremental_path, scratch_path = str(tmp_path / "a.py"), str(tmp_path / "b.py")
    stateless = DEPENDENT.replace("layers.BatchNormalization()", "layers.Activation('relu')")
    block, unrelated = DEPENDENT.index("class Block"), DEPENDENT.index("class Unrelated")
    without_block = DEPENDENT[:block] + DEPENDENT[unrelated:]
    renamed = DEPENDENT.replace("class Block(", "class Block2(")
    codes = []
    for text in [DEPENDENT, stateless, DEPENDENT, without_block, DEPENDENT, renamed, DEPENDENT,
                 DEPENDENT.replace("return x", "return x  # comment")]:
        incremental = analyse(text, path=incremental_path)
        _same(incremental, from_scratch(text, scratch_path))
        codes.append(sorted(finding.code for finding in incremental.findings))
    assert codes[0] == codes[2] == codes[4] == codes[6] == codes[7] == ["LL101"]
    assert codes[1] != codes[0] and codes[3] == [] and codes[5] == []


SHAPES_TAIL = '''

def conv_model():
    model = keras.Sequential([
        layers.Input((28, 28)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(10),
    ])
    return model


def unsized_model():
    return keras.Sequential([layers.Conv2D(8, 3), layers.Flatten(), layers.Dense(4)])
'''


def _static_shapes(text, path):
    blocks = document_state.document_blocks(text, path)
    context = module_context(blocks, None)
    return module_shapes(text, blocks, context.imports, None, (5, 5, 1))


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(2))
def test_static_shapes_and_ll105_after_edits_are_those_of_a_fresh_analysis(tmp_path, seed):
    """LL105, the reuse errors the shapes upgrade and the static shapes themselves (with a
    configured input shape) do not depend on what the previous keystrokes left in the caches."""
    rng = random.Random(seed)
    source = module_saving_a_layer(300, seed) + SHAPES_TAIL
    settings = Settings(input_shape=(5, 5, 1))
    incremental_path, scratch_path = str(tmp_path / "a.py"), str(tmp_path / "b.py")
    text = source
    first = analyse(text, path=incremental_path, settings=settings)
    assert "LL105" in {finding.code for finding in first.findings}
    first_shapes = _static_shapes(text, incremental_path)
    assert first_shapes.errors and first_shapes.calls
    for _ in range(30):
        text = _random_edit(rng, text) if rng.random() < 0.8 else source
        incremental = analyse(text, path=incremental_path, settings=settings)
        shapes = _static_shapes(text, incremental_path)
        module_shapes_module._cache.clear()
        infer.clear_caches()
        document_state.forget_document(scratch_path)
        block_memo._memos.pop(scratch_path, None)
        save_evidence._resolved.clear()
        save_evidence._recent_names.clear()
        with fresh_parses():
            scratch = analyse(text, path=scratch_path, settings=settings)
            _same(incremental, scratch)
            assert shapes == _static_shapes(text, scratch_path)


SAVED = '''import keras
from keras import layers


class Scale(keras.layers.Layer):
    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor


def build():
    return keras.Sequential([Scale(2.0), layers.Dense(4)])


def train(data):
    model = build()
    model.compile(loss="mse")
    model.fit(data)
    model.save("model.keras")
'''


def _edits_of_saved():
    """Edits that change what the module-wide passes read: a class's base, the imports, a
    pasted class and function a saved model now holds, a block that stops parsing, a deleted
    class, and back."""
    torch_base = SAVED.replace("class Scale(keras.layers.Layer):", "class Scale(object):")
    other_import = SAVED.replace("import keras\n", "import tf_keras as keras\n", 1)
    pasted = SAVED.replace("\n\ndef build():", '''

class Shift(keras.layers.Layer):
    def __init__(self, offset, **kwargs):
        super().__init__(**kwargs)
        self.offset = offset


def build():''').replace("[Scale(2.0),", "[Scale(2.0), Shift(1.0),")
    broken = pasted.replace("        self.offset = offset\n", "        self.offset = (offset\n")
    deleted = SAVED[:SAVED.index("class Scale")] + SAVED[SAVED.index("def build"):]
    helper = SAVED.replace("def build():\n    return", "def scale():\n    return Scale(3.0)\n\n\n"
                           "def build():\n    return").replace("[Scale(2.0),", "[scale(),")
    return [SAVED, torch_base, SAVED, other_import, SAVED, pasted, broken, pasted, deleted, SAVED,
            helper, SAVED]


def test_edits_of_bases_imports_pastes_and_broken_blocks_give_a_fresh_analysis(tmp_path):
    incremental_path, scratch_path = str(tmp_path / "a.py"), str(tmp_path / "b.py")
    codes = []
    for text in _edits_of_saved():
        incremental = analyse(text, path=incremental_path)
        _same(incremental, from_scratch(text, scratch_path))
        codes.append(sorted(finding.code for finding in incremental.findings))
    assert codes[0] == codes[2] == codes[3] == codes[-2] == codes[-1] == ["LL207"]
    assert codes[1] == codes[8] == []  # not a Keras layer any more; deleted
    assert codes[5] == codes[7] == ["LL207", "LL207"] and codes[6] == ["LL207"]


def test_the_module_program_is_the_same_string_while_its_pieces_are(tmp_path):
    from layerlint.analysis.module_program import module_program

    text = SAVED + "\nmodel = build()\nmodel.save('m.keras')\n"
    blocks = document_state.document_blocks(text, str(tmp_path / "a.py"))
    program, has_code = module_program(blocks)
    assert has_code and program.count("\n") == text.count("\n")
    assert program.endswith("model = build()\nmodel.save('m.keras')\n")
    assert "class Scale" not in program
    commented = text.replace("return x * self.factor", "return x * self.factor  # scaled")
    again, _ = module_program(document_state.document_blocks(commented, str(tmp_path / "a.py")))
    assert again is program  # a comment in a class: the same pieces, the same program
    for typed in ("m", "model", "model.fi"):  # half-typed names in the script's own code
        named, _ = module_program(document_state.document_blocks(commented + typed,
                                                                 str(tmp_path / "a.py")))
        assert named == program  # as blank lines: the same program, the same findings


def test_suppressions_and_mixed_policies_typed_into_one_block_count_at_once(tmp_path):
    """Whether the module holds a suppression or names a mixed policy is remembered per block
    (`block_words`): typing one into a block, or deleting it, changes the findings at once."""
    incremental_path, scratch_path = str(tmp_path / "a.py"), str(tmp_path / "b.py")
    line = '    model.save("model.keras")\n'
    suppressed = SAVED.replace("layers.Dense(4)])", "layers.Dense(4)])  # layerlint: ignore[LL207]")
    mixed = SAVED + '\n\nkeras.mixed_precision.set_global_policy("mixed_float16")\n'
    counts = []
    for text in [SAVED, suppressed, SAVED, mixed, SAVED.replace(line, ""), SAVED]:
        incremental = analyse(text, path=incremental_path)
        _same(incremental, from_scratch(text, scratch_path))
        counts.append(len(incremental.findings))
    assert counts[0] == counts[2] == counts[5] == 1 and counts[1] == 0 and counts[4] == 0


def test_block_words_answers_as_a_search_of_the_whole_text(tmp_path):
    from layerlint.analysis.block_words import mentions_any

    key = str(tmp_path / "a.py")
    for text in [SAVED, SAVED + "x = 'mixed_float16'\n", SAVED + "def broken(:\n  'mixed_bfloat16'\n",
                 SAVED.replace("return x", "return x  # layerlint: ignore")]:
        blocks = document_state.document_blocks(text, key)
        for words in [("mixed_float16", "mixed_bfloat16"), ("layerlint: ignore",)]:
            assert mentions_any(blocks, words) == any(word in text for word in words)


MODULE_CODE_FILE = '''import keras
from keras import layers


class Block(keras.layers.Layer):
    def call(self, x):
        return x


class Other(keras.layers.Layer):
    def call(self, x):
        return x * 2


inputs = keras.Input((8,))
norm = layers.BatchNormalization()
x = norm(inputs)
y = norm(layers.Dense(8)(x))
model = keras.Model(inputs, Block()(y))
model.save("model.keras")
'''
PASTED = "class Pasted(keras.layers.Layer):\n    def call(self, x):\n        return x\n\n\n"
BUILDER = "def make_block():\n    return Block()\n\n\n"


def test_module_code_keeps_its_findings_when_definitions_around_it_come_and_go(tmp_path,
                                                                               monkeypatch):
    """Pastes and deletions above and below module-level code move it without a new analysis
    of it (its findings are moved), unless what they depend on moved apart from it (a class's
    first construction now in a definition above): always the findings of a fresh analysis."""
    from layerlint.analysis import caches, engine

    runs = []
    original = engine._run_rules

    def counting(facts):
        if facts.module_program:
            runs.append(facts.line_offset)
        return original(facts)

    monkeypatch.setattr(engine, "_run_rules", counting)
    source = MODULE_CODE_FILE
    code_at = source.index("inputs =")
    other_at = source.index("class Other")
    texts = [
        source,
        source[:other_at] + PASTED + source[other_at:],  # a paste above the code
        source[:other_at] + source[code_at:],  # a class above it deleted
        source + "\n\n" + PASTED,  # a paste below it
        source[:other_at] + BUILDER + source[other_at:],  # Block's first construction above
        source,
        source[:other_at] + BUILDER + PASTED + source[other_at:],
    ]
    incremental_path, scratch_path = str(tmp_path / "a.py"), str(tmp_path / "b.py")
    module_level = []
    for text in texts:
        incremental = analyse(text, path=incremental_path)
        caches.module_cache.clear()
        _same(incremental, from_scratch(text, scratch_path))
        module_level.append(sorted((f.code, f.span.line - text[:text.index("inputs =")].count("\n"))
                                   for f in incremental.findings if f.code in ("LL101", "LL207")))
    assert module_level[0] and all(found == module_level[0] for found in module_level[:4])
    assert ("LL207", 5) not in module_level[4]  # now reported where Block is first built
    assert len(runs) < 2 * len(texts)  # moved findings were kept (scratch runs count too)


def test_a_block_loses_its_ll207_when_the_class_is_first_built_in_a_function_pasted_above(
        tmp_path):
    """LL207 reports an unregistered saved class where it is first constructed: a function
    pasted above the block that built it first takes the finding, though no save moved relative
    to that block (its cached findings must not be reused)."""
    source = '''import keras


class Block(keras.layers.Layer):
    def call(self, x):
        return x


def make():
    return Block()


def train(data):
    model = keras.Sequential([make()])
    model.save("m.keras")
'''
    at = source.index("def make()")
    pasted = source[:at] + "def make_first():\n    return Block()\n\n\n" + source[at:]
    incremental_path, scratch_path = str(tmp_path / "a.py"), str(tmp_path / "b.py")
    for text in (source, pasted, source):
        incremental = analyse(text, path=incremental_path)
        _same(incremental, from_scratch(text, scratch_path))
        assert [(f.code, f.span.line) for f in incremental.findings] == [("LL207", 10)]


def _class_spans(text):
    """(start, end) character spans of the top-level classes, each to the next top-level
    statement."""
    starts = [match.start() for match in re.finditer(r"^\S", text, re.MULTILINE)]
    spans = []
    for index, start in enumerate(starts):
        if text.startswith("class ", start):
            spans.append((start, starts[index + 1] if index + 1 < len(starts) else len(text)))
    return spans


def _name_changing_edit(rng, text):
    """An edit that changes the module's class names: a class renamed (to a new name or to one
    another class has), a class copied elsewhere under a new name, a class deleted, or a class
    header broken (the class stops parsing) or mended."""
    broken = re.search(r"^class \w+\(keras\.layers\.Layer:$", text, re.MULTILINE)
    if broken is not None and rng.random() < 0.5:
        return text[:broken.end() - 1] + "):" + text[broken.end():]
    spans = _class_spans(text)
    names = [re.match(r"class (\w+)", text[start:])[1] for start, _ in spans]
    twice = [span for span, name in zip(spans, names) if names.count(name) > 1]
    if twice and rng.random() < 0.7:  # a name defined twice: the first definition deleted
        start, end = twice[0]
        return text[:start] + text[end:]
    if len(spans) < 3:
        return text + "\n\nclass Fresh(keras.layers.Layer):\n    def call(self, x):\n        return x\n"
    start, end = rng.choice(spans)
    name = re.match(r"class (\w+)", text[start:])[1]
    choice = rng.random()
    if choice < 0.3:
        others = [re.match(r"class (\w+)", text[s:])[1] for s, _ in spans if s != start]
        new_name = rng.choice([name + "X", name[:-1], name + "Y", name[:-1] + "Z",
                               rng.choice(others)])
        return text[:start] + text[start:end].replace(name, new_name, 1) + text[end:]
    if choice < 0.6:
        target = rng.choice(spans)[0]
        copy = text[start:end].replace(name, f"{name}Copy{rng.randrange(99)}", 1)
        return text[:target] + copy + text[target:]
    if choice < 0.85:
        return text[:start] + text[end:]
    header_end = text.index("\n", start)
    if text[header_end - 2:header_end] == "):":
        return text[:header_end - 2] + ":" + text[header_end:]
    return text[:start] + text[end:]


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(3))
def test_edits_that_change_class_names_give_a_fresh_analysis(tmp_path, seed, monkeypatch,
                                                              rows_kept_across_names,
                                                              renames_unmentioned):
    """Renames, copies, deletions and classes that stop or start parsing: the module context
    then keeps the classes that mention no name that came or went; every analysis equals one
    from scratch, and so does its module context."""
    from layerlint.analysis import class_resolution

    kept = rows_kept_across_names
    renamed = []
    original_renamed = class_resolution._renamed

    def recording_renamed(*args):
        result = original_renamed(*args)
        renamed.append(result is not None)
        return result

    monkeypatch.setattr(class_resolution, "_renamed", recording_renamed)
    quiet = renames_unmentioned
    rng = random.Random(seed)
    text = module_saving_a_layer(400, seed)
    incremental_path, scratch_path = str(tmp_path / "a.py"), str(tmp_path / "b.py")
    for _ in range(30):
        text = _name_changing_edit(rng, text)
        incremental = analyse(text, path=incremental_path)
        blocks = document_state._documents[incremental_path].blocks
        (keras_version, _, _), context = blocks.memo["context"][:2]
        _same(incremental, from_scratch(text, scratch_path))
        with fresh_parses():
            fresh_blocks = source_module.split_blocks(text)
            fresh = class_resolution.module_context(fresh_blocks, keras_version)
        assert list(context.classes.items()) == list(fresh.classes.items())
        assert context.frameworks == fresh.frameworks and context.references == fresh.references
        assert {name: block.text for name, block in context.class_blocks.items()} == {
            name: block.text for name, block in fresh.class_blocks.items()}
    assert kept.count(True) > 20  # rows were kept across the edits
    assert renamed.count(True) >= 5  # and previous contexts patched (none while a name is
    # defined twice)
    assert quiet.count(True) >= 3  # without visiting the classes (a name nothing mentions)
