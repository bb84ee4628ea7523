"""An edit of a comment alone (`comment_edit`): recognised without a parse, only where the new
text's tree is the old one, and then the analysis, which keeps the block's tree and what the
module-wide passes found for it, gives the findings of a fresh analysis."""

import ast
import random
from pathlib import Path

import pytest

from bench.document_script import plan_document_edits
from bench.fresh_analysis import from_scratch, module_saving_a_layer
from bench.generate_models import generate_module
from layerlint.analysis import analyse, document_state
from layerlint.analysis.comment_edit import same_tokens
from layerlint.analysis.document_state import common_prefix, common_suffix
from layerlint.analysis.source import split_blocks

ROOT = Path(__file__).resolve().parents[2]
TRICKY = '''import keras

PATTERN = "a # b"  # a comment
NOTE = f"{PATTERN!r} # {1}"


class Tagged(keras.layers.Layer):  # a layer
    """Holds # in its docstring,
    on more than one line # here
    """

    def call(self, x, sep="#"):  # the call
        text = ("#" +  # an open bracket
                x)
        y = x \\
            + 1
        x.save("m.keras")  # saved
        lr = 1
        return x  # done
'''
COMMENTS = ["  # note", " # reviewed in step 3", "# x", "  ", "  # layerlint: ignore[LL101]",
            "  # layerlint: input-shape=(1, 28, 28, 1)", "  # mixed_float16", "  # see .save(",
            "  # keras ops", "  # torch.save", "  # Loss", "  # compile(", "  # \u00e9t\u00e9",
            "  # tab\there", "  # nul\0", '  # "', "  # \\", "  # lr", "  # (", "#"]


def _edits(text: str, rng: random.Random, count: int, chained: bool = True) -> list[str]:
    """Texts after random comment-like edits: a comment, spaces or words appended to a line
    or inserted at a random place in it, or a line's tail deleted; each edit of the text
    before (`chained`) or of `text`."""
    texts = []
    source = text
    for _ in range(count):
        text = text if chained else source
        lines = text.split("\n")
        index = rng.randrange(len(lines))
        line = lines[index]
        choice = rng.random()
        if choice < 0.25:
            lines[index] = line + f"  # note {rng.randrange(100)}"
        elif choice < 0.5:
            lines[index] = line + rng.choice(COMMENTS)
        elif choice < 0.8:
            at = rng.randrange(len(line) + 1)
            lines[index] = line[:at] + rng.choice(COMMENTS) + line[at:]
        else:
            lines[index] = line[:rng.randrange(len(line) + 1)]
        text = "\n".join(lines)
        texts.append(text)
    return texts


def _block_at(text: str, offset: int):
    """The offset of the first character of the block of `text` that holds `offset`, and
    that block."""
    start = 0
    blocks = split_blocks(text)
    for block in blocks:
        if start + len(block.text) > offset:
            return start, block
        start += len(block.text)
    return start - len(blocks[-1].text), blocks[-1]


def _accepted(old: str, new: str) -> bool:
    prefix = common_prefix(old, new)
    suffix = common_suffix(old, new, min(len(old), len(new)) - prefix)
    start, block = _block_at(old, old.rfind("\n", 0, prefix) + 1)
    return block.tree is not None and same_tokens(old, new, prefix, suffix, start, block.tree)


def _parsed(text: str):
    """The whole text's tree dumped with positions, or its syntax error."""
    try:
        return ast.dump(ast.parse(text), include_attributes=True)
    except SyntaxError as error:
        return error.msg, error.lineno, error.offset


def _texts() -> list[str]:
    return [TRICKY, generate_module(300, 3).text,
            (ROOT / "examples" / "feature_extractor.py").read_text()]


@pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", range(4))
def test_an_edit_it_accepts_keeps_the_split_and_every_tree(seed):
    rng = random.Random(seed)
    accepted = refused = 0
    for source in _texts():
        for chained in (True, False):
            old = source
            for new in _edits(source, rng, 60, chained):
                if _accepted(old, new):
                    accepted += 1
                    before, after = split_blocks(old), split_blocks(new)
                    assert [(b.start_line, b.error) for b in before] == [
                        (b.start_line, b.error) for b in after]
                    for one, other in zip(before, after, strict=True):
                        assert (one.tree is None) == (other.tree is None)
                        if one.tree is not None:
                            assert ast.dump(one.tree, include_attributes=True) == ast.dump(
                                other.tree, include_attributes=True)
                    assert _parsed(old) == _parsed(new)
                else:
                    refused += 1
                old = new if chained else source
    assert accepted > 50 and refused > 50


@pytest.mark.parametrize(("line", "edited"), [
    ('PATTERN = "a # b"', 'PATTERN = "a # bc"'),  # inside a string
    ("    on more than one line # here", "    on more than one line # there"),  # a docstring
    ("        return x  # done", "        return x1  # done"),  # code
    ("        return x  # done", "        return x  # d\u00f6ne"),  # not ASCII
    ("        return x  # done", "        return x  # see .save("),  # a save marker
    ("        return x  # done", "        return x  # layerlint: ignore"),  # a pragma
    ("        return x  # done", "        return x  # tf_keras"),  # a Keras trigger word
    ("        return x  # done", "        return x  # a\0"),  # a NUL
    ("        return x  # done", "        return x  # a\tb"),  # a tab
    ('        x.save("m.keras")  # saved', '        x.save("m.keras")  # saved .to('),  # a marker
    ("        lr = 1", "        lr = 1  # lr"),  # a trigger word
    ("        y = x \\", "        y = x \\  # a"),  # after a continuation
    ("        return x  # done", "        return x  # done\n"),  # a new line
])
def test_it_refuses_what_it_cannot_show(line, edited):
    assert line in TRICKY
    assert not _accepted(TRICKY, TRICKY.replace(line, edited, 1))


@pytest.mark.parametrize(("line", "edited"), [
    ("        return x  # done", "        return x  # done, twice"),
    ("        return x  # done", "        return x"),
    ("        return x  # done", "        return x   "),
    ('        text = ("#" +  # an open bracket', '        text = ("#" +  # an open one'),
    ('    def call(self, x, sep="#"):  # the call', '    def call(self, x, sep="#"):'),
    ('NOTE = f"{PATTERN!r} # {1}"', 'NOTE = f"{PATTERN!r} # {1}"  # an f-string'),
    ("class Tagged(keras.layers.Layer):  # a layer", "class Tagged(keras.layers.Layer):"),
    ('        x.save("m.keras")  # saved', '        x.save("m.keras")  # saved it'),  # code
    ("        lr = 1", "        lr = 1  # the rate"),
])
def test_it_accepts_a_changed_comment(line, edited):
    assert line in TRICKY
    assert _accepted(TRICKY, TRICKY.replace(line, edited, 1))


def _recorded(monkeypatch) -> list[bool]:
    """From now on, the answer of each `same_tokens` call of the document state."""
    answers: list[bool] = []

    def recording(*args) -> bool:
        answers.append(same_tokens(*args))
        return answers[-1]

    monkeypatch.setattr(document_state, "same_tokens", recording)
    return answers


@pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", range(3))
def test_comment_edits_give_the_findings_of_a_fresh_analysis(tmp_path, seed, monkeypatch):
    """Comments of every kind typed into a module that saves a model and has static shapes:
    a suppression, a shape comment, a mixed policy, a marker in a comment (refused), a plain
    note (kept); each version's findings are a fresh analysis's."""
    rng = random.Random(seed)
    text = module_saving_a_layer(400, seed)
    path = str(tmp_path / "model.py")
    analyse(text, path=path)
    answers = _recorded(monkeypatch)
    for edited in _edits(text, rng, 60):
        incremental = analyse(edited, path=path)
        scratch = from_scratch(edited, path)
        assert incremental.findings == scratch.findings
        assert incremental.syntax_problems == scratch.syntax_problems
        analyse(edited, path=path)  # the document's state again, as the editor's
    assert answers.count(True) > 10


def test_the_benchmark_comments_keep_the_trees_and_the_findings(tmp_path, monkeypatch):
    """The full-document workload's comments (`bench/document_script.py`) keep the trees,
    apart from those on a line with a marker (`get_config()`); every version is a fresh
    analysis."""
    source = generate_module(600, 5).text
    path = str(tmp_path / "model.py")
    analyse(source, path=path)
    answers = _recorded(monkeypatch)
    kept: dict[str, list[bool]] = {}
    for step in plan_document_edits(source, 30):
        asked = len(answers)
        incremental = analyse(step.text, path=path)
        kept.setdefault(step.kind, []).append(True in answers[asked:])
        assert incremental.findings == from_scratch(step.text, path).findings
        analyse(step.text, path=path)  # (the document is new: nothing asked)
    assert kept["comment"].count(True) > len(kept["comment"]) * 0.7
    assert not any(kept["paste"]) and not any(kept["delete"])
