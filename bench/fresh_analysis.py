"""A context in which every text is parsed anew, an analysis from scratch, and a generated
module that saves one of its layers: for the tests and the corpus run
(`bench/incremental_parity.py`) that compare the incremental path's results with fresh ones."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from bench.generate_models import generate_module
from layerlint.analysis import analyse, block_memo, document_state, save_evidence, source
from layerlint.analysis.engine import AnalysisResult

SAVE_TAIL = '''

def train_and_save(data):
    model = keras.Sequential([{layer}(), layers.Dense(10)])
    model.compile(loss="mse")
    model.fit(data)
    model.save("model.keras")
'''


@contextmanager
def fresh_parses() -> Iterator[None]:
    """Inside: every text is parsed anew (fresh trees: nothing remembered on them, `tree_memo`,
    is read); after: the parse cache the incremental path sees, as it was."""
    kept = dict(source._parse_cache)
    source._parse_cache.clear()
    try:
        yield
    finally:
        source._parse_cache.clear()
        source._parse_cache.update(kept)


def from_scratch(text: str, path: str) -> AnalysisResult:
    """`analyse(text, path=path)` with nothing kept from earlier versions of the document."""
    document_state.forget_document(path)
    block_memo._memos.pop(path, None)
    save_evidence._resolved.clear()
    save_evidence._recent_names.clear()
    with fresh_parses():
        return analyse(text, path=path)


def module_saving_a_layer(lines: int, seed: int) -> str:
    """A generated model module that also compiles, trains and saves one of its layers."""
    text = generate_module(lines, seed).text
    found = re.search(r"^class (\w+)\(keras\.layers\.Layer\)", text, re.MULTILINE)
    assert found is not None
    return text + SAVE_TAIL.format(layer=found[1])
