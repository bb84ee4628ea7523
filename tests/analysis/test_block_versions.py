"""Per-block values carried between versions of a document (`block_versions`): after any edit,
what a module-wide pass kept for a version is what it would read from that version's blocks
afresh, and the module context patched from the previous version is a fresh combination."""

import random
import re

import pytest

from bench.document_script import plan_document_edits
from bench.fresh_analysis import fresh_parses, module_saving_a_layer
from bench.generate_models import generate_module
from layerlint.analysis import (
    analyse,
    class_resolution,
    document_memory,
    document_state,
    engine,
    save_evidence,
    source,
)
from layerlint.analysis.block_versions import Blocks, spliced
from layerlint.analysis.block_words import _holds
from layerlint.analysis.class_resolution import module_context
from layerlint.analysis.shapes import module_shapes
from layerlint.analysis.source import Block

SNIPPETS = ["(", ")", "\n", "x", "  # note", "self.bn(x)", "\n        y = self.norm(x)\n", ":",
            "class Extra(keras.layers.Layer):\n    pass\n", "    ", '"""', "@",
            "import torch\n", "class Other(object):\n    pass\n"]


def _edits(seed: int, count: int) -> list[str]:
    """Texts of a generated module after random keystrokes, pastes and deletions, then after
    the benchmark's full-document edits (comments, pasted definitions, deleted classes)."""
    rng = random.Random(seed)
    text = generate_module(400, seed).text
    texts = []
    for _ in range(count):
        position = rng.randrange(len(text) + 1)
        methods = [index for index in range(len(text)) if text.startswith("\n    def ", index)]
        if methods and rng.random() < 0.25:  # a line typed into a class: the blocks below move
            at = rng.choice(methods) + 1
            text = text[:at] + rng.choice(["    # note\n", "\n", "    x = 1\n\n"]) + text[at:]
        elif rng.random() < 0.6:
            text = text[:position] + rng.choice(SNIPPETS) + text[position:]
        else:
            text = text[:position] + text[position + rng.choice([1, 3, 40, 400]):]
        texts.append(text)
    texts.extend(step.text for step in plan_document_edits(generate_module(600, seed).text, 25))
    return texts


_PASSES = {
    "keras evidence": engine._block_keras_evidence,
    "context parts": class_resolution._block_part_or_none,
    "evidence parts": engine._evidence_part,
    "shape statements": module_shapes._placed_statements,
}


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(3))
def test_carried_values_are_those_of_the_versions_blocks(tmp_path, seed):
    path = str(tmp_path / "a.py")
    seen = set()
    for text in _edits(seed, 50):
        analyse(text, path=path)
        blocks = document_state._documents[path].blocks
        assert isinstance(blocks, Blocks)
        assert blocks.change is None  # the analysis let the previous version go
        for name, part in _PASSES.items():
            if name in blocks.memo:
                seen.add(name)
                assert blocks.memo[name] == [part(block) for block in blocks], name
        for name, values in blocks.memo.items():
            if name.startswith("words "):
                words = tuple(name[len("words "):].split("\0"))
                assert values == [_holds(block, name, words) for block in blocks]
                assert (True in values) == any(word in text for word in words)
    assert seen == set(_PASSES)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(2))
def test_the_count_of_live_trees_carried_between_versions_is_a_fresh_count(seed):
    """`document_memory` counts a version's trees and top-level statements (which walked
    levels stay) from the previous version's count and the changed span: always the count of
    every block."""
    path = f"<alive {seed}>"
    texts = _edits(seed, 50)
    document_state.document_blocks(texts[0], path)  # a first version: nothing retired yet
    for text in texts[1:]:
        blocks = document_state.document_blocks(text, path)
        fresh: dict[int, int] = {}
        for block in blocks:
            if block.tree is not None:
                for node in (block.tree, *block.tree.body):
                    fresh[id(node)] = fresh.get(id(node), 0) + 1
        assert blocks.memo[document_memory._ALIVE] == fresh


def test_a_plain_list_of_blocks_is_read_whole():
    blocks = source.split_blocks("x = 1\n\n\ny = 2\n")
    assert spliced(blocks, "texts", lambda block: block.text) == ["x = 1\n\n\n", "y = 2\n"]


def _summary(blocks: list[Block], context: class_resolution.ModuleContext) -> tuple:
    """What a context says, with definitions named by their place in the blocks (a fresh
    parse has other nodes)."""
    definitions = [
        (block.start_line, statement.name, context.definitions[id(statement)][0].name,
         context.definitions[id(statement)][1])
        for block in blocks if block.tree is not None
        for statement in block.tree.body if id(statement) in context.definitions
    ]
    return (
        context.imports_key, context.keras_version,
        [(name, model.name, model.framework, tuple(model.base_names), sorted(model.methods),
          sorted(model.attributes), sorted(model.other_attributes))
         for name, model in context.classes.items()],
        {name: (block.start_line, block.text) for name, block in context.class_blocks.items()},
        context.frameworks, context.references, context.workspace_keys, definitions,
    )


def _fresh_context(text: str) -> tuple[list[Block], class_resolution.ModuleContext]:
    """The text's blocks and module context, parsed and combined anew."""
    with fresh_parses():
        blocks = source.split_blocks(text)
        return blocks, module_context(blocks, None)


def _fresh_evidence(text: str, imports, torch_classes: frozenset[str]) -> save_evidence.Evidence:
    """The text's save evidence, built anew from fresh parses with nothing resolved before."""
    save_evidence._resolved.clear()
    save_evidence._recent_names.clear()
    with fresh_parses():
        return save_evidence.evidence(
            [(block.tree, block.start_line - 1, block.text)
             for block in source.split_blocks(text) if block.tree],
            imports, torch_classes)


def _patches_made(monkeypatch, module, name: str) -> list[bool]:
    """From now on, one entry per call of `module.name` (a patch step) that patched, rather
    than answering None (combine again)."""
    made: list[bool] = []
    original = getattr(module, name)

    def recording(*args):
        result = original(*args)
        if result is not None:
            made.append(True)
        return result

    monkeypatch.setattr(module, name, recording)
    return made


def _calls(monkeypatch, module, name: str) -> list[None]:
    """From now on, one entry per call of `module.name`."""
    calls: list[None] = []
    original = getattr(module, name)

    def counting(*args):
        calls.append(None)
        return original(*args)

    monkeypatch.setattr(module, name, counting)
    return calls


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(3))
def test_a_patched_module_context_is_a_fresh_combination(tmp_path, seed, monkeypatch):
    path = str(tmp_path / "a.py")
    patched = _patches_made(monkeypatch, class_resolution, "_patched")
    for text in _edits(seed, 50):
        blocks = document_state.document_blocks(text, path)
        context = module_context(blocks, None)
        fresh_blocks, fresh = _fresh_context(text)
        assert _summary(blocks, context) == _summary(fresh_blocks, fresh)
    assert len(patched) > 10  # the patch, not only the combination, was checked


def _typed_through(text: str, seed: int, first: str) -> list[str]:
    """Texts of a person typing statements into methods of several classes, a character at a
    time: the class stops parsing at an open bracket and parses again when it closes, and
    classes that mention it (or derive from it, directly or not) see it leave and come
    back. The class `first` is typed into first."""
    rng = random.Random(seed)
    texts = []
    for round_ in range(6):
        methods = [index for index in range(len(text)) if text.startswith("\n    def ", index)]
        method = (text.index("\n    def ", text.index(f"\nclass {first}("))
                  if round_ == 0 else rng.choice(methods))
        at = text.index("\n", method + 1) + 1
        text = _typed_at(text, at, ("        y = self.norm(x", ")", "\n", "        z = (", "y",
                                    ")\n"), texts)
    return texts


def _typed_at(text: str, at: int, pieces: tuple[str, ...], texts: list[str]) -> str:
    """`pieces` typed at `at`, a character at a time, each text appended to `texts`; the last."""
    for character in "".join(pieces):
        text = text[:at] + character + text[at:]
        at += 1
        texts.append(text)
    return text


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(2))
def test_a_context_across_class_names_that_come_and_go_is_a_fresh_combination(
        tmp_path, seed, monkeypatch):
    path = str(tmp_path / "a.py")
    start = generate_module(300, seed).text
    base = start.split("\nclass ")[3].split("(")[0]  # a class the edits below break
    start += f"\n\nclass Derived({base}):\n    pass\n\n\nclass Grand(Derived):\n    pass\n"
    refreshed = _calls(monkeypatch, class_resolution, "_refresh")
    combined = _calls(monkeypatch, class_resolution, "_combined")
    counted = [0, 0]  # the document's combinations, and its classes found again in them
    for text in [start, *_typed_through(start, seed, base), *_edits(seed, 30)]:
        blocks = document_state.document_blocks(text, path)
        before = len(combined), len(refreshed)
        context = module_context(blocks, None)
        if len(combined) > before[0]:
            counted[0] += 1
            counted[1] += len(refreshed) - before[1]
        fresh_blocks, fresh = _fresh_context(text)
        assert _summary(blocks, context) == _summary(fresh_blocks, fresh)
    # Classes left and came back (a new combination each time), and only the classes that
    # mention them were found again, not every class of every combination.
    assert counted[0] > 10
    assert counted[1] < counted[0] * len(fresh.classes) / 4


def _typed_while_broken(text: str, class_name: str) -> list[str]:
    """Texts of a person typing a call over three lines into the first method of
    `class_name`, a character at a time, twice: the class stops parsing at the open bracket,
    the lines typed meanwhile move the classes below it, and it parses again at the close."""
    texts: list[str] = []
    at = text.index("\n", text.index("\n    def ", text.index(f"\nclass {class_name}(")) + 1) + 1
    _typed_at(text, at, ("        y = self.norm(", "\n", "            x,", "\n", "        )\n") * 2,
              texts)
    return texts


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(2))
def test_a_class_that_parses_again_patches_the_version_before_it_broke(
        tmp_path, seed, monkeypatch):
    """Where a class parses again after keys that kept it broken (and changed no other block),
    the module context and the save evidence are the version's before the break, patched with
    the class (`Change.since_parsed`), not found again for the class names that came back; and
    each equals a fresh one, over repeated breaks of a class that others mention, derive from
    and save."""
    path = str(tmp_path / "a.py")
    start = module_saving_a_layer(300, seed)
    saved = re.search(r"^class (\w+)\(keras\.layers\.Layer\)", start, re.MULTILINE)
    assert saved is not None
    start += f"\n\nclass Derived({saved[1]}):\n    pass\n\n\nclass Grand(Derived):\n    pass\n"
    renamed = _calls(monkeypatch, class_resolution, "_renamed")
    names_read_again = _calls(monkeypatch, save_evidence, "_renamed_names")
    recovered: list[bool] = []
    followed = document_state._followed_break

    def recording(previous, blocks):
        broken = followed(previous, blocks)
        recovered.append(blocks.change is not None and blocks.change.since_parsed is not None)
        return broken

    monkeypatch.setattr(document_state, "_followed_break", recording)
    analyse(start, path=path)
    for text in [*_typed_while_broken(start, saved[1]), *_typed_through(start, seed, saved[1])]:
        before = len(renamed), len(names_read_again)
        analyse(text, path=path)
        blocks = document_state._documents[path].blocks
        context = blocks.memo["context"][1]
        fresh_blocks, fresh = _fresh_context(text)
        assert _summary(blocks, context) == _summary(fresh_blocks, fresh)
        torch_classes = frozenset(name for name, fw in context.frameworks.items() if fw == "torch")
        assert blocks.memo["evidence"].result == _fresh_evidence(text, context.imports,
                                                                 torch_classes)
        if recovered[-1]:
            assert (len(renamed), len(names_read_again)) == before
    assert recovered.count(True) >= 4  # twice in the first typing, then in every round after


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(3))
def test_patched_save_evidence_is_that_of_a_fresh_program(tmp_path, seed, monkeypatch):
    path = str(tmp_path / "a.py")
    patched = _patches_made(monkeypatch, save_evidence, "patched")
    commented: list[bool] = []  # an edit of a comment alone keeps the program (`comment_edit`)
    same_tokens = document_state.same_tokens

    def recording(*args) -> bool:
        commented.append(same_tokens(*args))
        return commented[-1]

    monkeypatch.setattr(document_state, "same_tokens", recording)
    _assert_kept_evidence_is_fresh(path, _edits(seed, 50))
    assert len(patched) > 3 and len(patched) + commented.count(True) > 10


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(3))
def test_save_evidence_patched_across_names_that_come_and_go_is_a_fresh_program(
        tmp_path, seed, monkeypatch):
    """A paste or deletion changes the program's names: the previous program is patched, the
    definitions that mention a name that came or went read again, and it is a fresh one."""
    path = str(tmp_path / "a.py")
    renamed = _patches_made(monkeypatch, save_evidence, "_renamed_names")
    _assert_kept_evidence_is_fresh(path, _edits(seed, 40))
    assert len(renamed) >= 3  # the pastes and deletions of the benchmark's edits, at least


def test_save_evidence_patched_across_lines_typed_above_a_save_is_a_fresh_program(
        tmp_path, monkeypatch):
    """Lines typed into a class move the definitions below it: the patched program reads them
    at their new lines (the uses of a function that saves a model say where it does)."""
    path = str(tmp_path / "a.py")
    text = ("import keras\n\n\nclass Scale:\n    pass\n\n\nclass Shift:\n    pass\n\n\n"
            "class Block(keras.layers.Layer):\n    def call(self, x):\n"
            "        return x\n\n\nclass After:\n    pass\n\n\n"
            "def export():\n    model = keras.Sequential([Block()])\n"
            "    model.compile('sgd', 'mse')\n    model.save('model.h5')\n\n\n"
            "def train(model):\n    model.fit(1, 2)\n")
    patched = _patches_made(monkeypatch, save_evidence, "patched")
    at = text.index("        return x")
    for typed in ["        y = x\n", "\n", "        z = (y)\n", "        del z\n", "\n\n"]:
        text = text[:at] + typed + text[at:]
        at += len(typed)
        analyse(text, path=path)
        kept = document_state._documents[path].blocks.memo["evidence"]
        fresh = _fresh_evidence(text, kept.imports, frozenset())
        assert fresh.uses and kept.result == fresh
    assert len(patched) == 4  # each line typed after the first version was patched


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
def test_the_module_program_carried_between_versions_is_the_joined_pieces(tmp_path):
    from layerlint.analysis import module_program as program_module

    path = str(tmp_path / "a.py")
    for text in _edits(4, 60):
        blocks = document_state.document_blocks(text, path)
        program, has_code = program_module.module_program(blocks)
        assert program_module.module_program(blocks) == (program, has_code)  # the same version
        assert (program, has_code) == program_module._program(source.split_blocks(text))
        assert program.count("\n") == text.count("\n")


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(2))
def test_a_documents_block_offsets_and_first_error_follow_the_change(seed):
    """`document_state` keeps each block's offset and the first broken block, updated from the
    changed span only: always what a walk of every block gives."""
    path = f"<offsets {seed}>"
    broken = ["(", '"""', "def f(:\n"]
    rng = random.Random(seed)
    for text in _edits(seed, 40):
        if rng.random() < 0.2:  # more broken blocks, above and below the next edits
            position = rng.randrange(len(text))
            text = text[:position] + rng.choice(broken) + text[position:]
        document_state.document_blocks(text, path)
        state = document_state._documents[path]
        fresh = document_state._state(text, Blocks(list(state.blocks)))
        assert (state.starts, state.first_error) == (fresh.starts, fresh.first_error)
        assert "".join(block.text for block in state.blocks) == text


def test_fixing_the_first_broken_block_finds_the_next_one_below():
    path = "<first error>"
    broken = "x = 1\n\n\ndef f(:\n    pass\n\n\ny = 2\n\n\ndef g(:\n    pass\n\n\nz = 3\n"
    for text, first_error in [(broken, 1), (broken.replace("f(:", "f():"), 3),
                              (broken.replace("f(:", "f():").replace("g(:", "g():"), 5),
                              (broken.replace("g(:", "g():"), 1)]:
        blocks = document_state.document_blocks(text, path)
        assert len(blocks) == 5
        assert document_state._documents[path].first_error == first_error
        assert first_error == next(
            (index for index, block in enumerate(blocks) if block.tree is None), len(blocks))


_CLASSES = {
    "A": "class A(keras.layers.Layer):\n    def call(self, x):\n        return x\n",
    "B": "class B(A):\n    def build(self, shape):\n        self.inner = Helper()\n",
    "C": "class C(keras.Model):\n    def __init__(self):\n        super().__init__()\n"
         "        self.block = B()\n        self.norm = layers.BatchNormalization()\n",
    "D": "class D(keras.layers.Layer):\n    def call(self, x):\n        return self.dense(x)\n",
    "Helper": "class Helper(torch.nn.Module):\n    pass\n",
    "Broken": "class A(keras.layers.Layer:\n    pass\n",
    "E": "class E(B):\n    pass\n",
    "F": "class F(B):\n    def call(self, x):\n        return x\n",
    "TorchA": "class A(torch.nn.Module):\n    def call(self, x):\n        return x\n",
}


def _module_of(*names: str) -> str:
    header = "import keras\nimport torch\nfrom keras import layers\n\n\n"
    return header + "\n\n".join(_CLASSES[name] for name in names)


def test_a_context_after_classes_came_or_went_is_a_fresh_combination(monkeypatch,
                                                                    rows_kept_across_names,
                                                                    renames_unmentioned):
    """Pastes, deletions, renames and classes that stop or start parsing change the module's
    class names: the previous context is patched (`_renamed`), the rows of classes that mention
    none of those names are kept (not refreshed; where no class mentions one, none is visited),
    the others are found again, and the context is a fresh combination."""
    path = "<classes came or went>"
    kept = rows_kept_across_names
    renamed = _patches_made(monkeypatch, class_resolution, "_renamed")
    quiet = renames_unmentioned
    versions = [
        ("A", "B", "C", "D"), ("B", "C", "D"), ("A", "B", "C", "D"), ("A", "B", "C"),
        ("A", "B", "C", "D", "Helper"), ("Helper", "A", "B", "C", "D"), ("Broken", "B", "C", "D"),
        ("A", "B", "C", "D"), ("A", "C", "D", "Helper"), ("A", "B", "C", "D", "Helper"),
        # E derives from A through B, far from A: A's deletion changes E's framework
        ("A", "D", "Helper", "C", "B", "E"), ("D", "Helper", "C", "B", "E"),
        ("A", "D", "Helper", "C", "B", "E"),
        # F pasted and E deleted, which nothing mentions: no class is visited; F's framework
        # comes through B. Then Helper, which B mentions, goes: B is found again.
        ("A", "D", "Helper", "F", "C", "B", "E"), ("A", "D", "Helper", "F", "C", "B"),
        ("A", "D", "F", "C", "B"),
        # A takes another base (no name comes or goes), then back with Helper pasted beside it:
        # the frameworks of B and F, which derive from A, change with it.
        ("TorchA", "D", "F", "C", "B"), ("A", "Helper", "D", "F", "C", "B"),
    ]
    for names in versions:
        text = _module_of(*names)
        blocks = document_state.document_blocks(text, path)
        context = module_context(blocks, None)
        fresh_blocks, fresh = _fresh_context(text)
        assert _summary(blocks, context) == _summary(fresh_blocks, fresh), names
    assert True in kept  # rows were kept
    assert len(renamed) >= 5  # most versions patched the previous context
    assert True in quiet and False in quiet  # without visiting the classes, and visiting them
    document_state.forget_document(path)


def _assert_kept_evidence_is_fresh(path: str, texts) -> None:
    """Each text analysed in turn as the document at `path`: the save evidence its version keeps
    is that of a fresh program (where evidence was asked for: a model class or a compile)."""
    for text in texts:
        analyse(text, path=path)
        blocks = document_state._documents[path].blocks
        kept = blocks.memo.get("evidence")
        if kept is None:
            continue
        context = module_context(blocks, None)
        torch_classes = frozenset(
            name for name, fw in context.frameworks.items() if fw == "torch")
        assert kept.result == _fresh_evidence(text, context.imports, torch_classes)
