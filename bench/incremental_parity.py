"""The editor's incremental analysis against a fresh one, on pinned public code under edits.

The editor's path re-reads only what an edit changed (`document_state` re-splits around it,
`block_memo` carries the findings of unchanged blocks, the module-wide passes patch their
previous results); `layerlint check` and a file opened anew analyse from scratch. Both must
give the same answer (docs/design.md §1a, "The incremental answer is the fresh answer"). The
random-edit tests check that on generated modules; this runs the same comparison over real
files, which hold what the generator never writes (section strings between the code, scripts
exported from notebooks, deep package imports). Each file gets a seeded sequence of the edits
people make: a statement typed a key at a time inside a function or class, a keystroke or a
deletion at a random place, a comment at a line's end, a top-level definition copied, renamed
and pasted elsewhere, a definition deleted, and now and then the file as it was. After every
edit:

- (default) the document's incremental `analyse()` against `fresh_analysis.from_scratch` of the
  same text: findings and syntax problems;
- (`--lsp`) the same edits sent to a language server in this process as full-text changes,
  each publish against the publish of a fresh open of the same text. Texts with a syntax error
  are not compared there: a block that does not parse keeps its last good findings, by design;
- (`--notebooks`) the .ipynb files instead: a notebook opened in the server, one code cell's
  text changed at a time (`notebookDocument/didChange`), every cell's publish against those of
  the same cells opened as another notebook.

    python -m bench.incremental_parity keras-io=/work/corpora/keras-io --edits 30 \
        [--lsp | --notebooks] [--seed N]

Prints per corpus the files, the edits compared, and each divergence or crash; writes the texts
of each divergent sequence to `--out`, for a replay. Exit status 1 when anything diverged or
crashed. The corpora are the precision run's (`bench/precision.py` says how to get them).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.fresh_analysis import from_scratch
from bench.in_process_server import initialized_server
from bench.precision import corpus_files, parse_corpus
from layerlint.analysis import analyse

KEYS = ["(", ")", "\n", "x", "self.bn(x)", "\n        y = self.norm(x)\n", "#", ":", "    ",
        "\n    ", "]", '"""', "'", "@", "layers.Dense(4)", "class Extra(keras.layers.Layer):\n",
        "model.save('m.keras')\n", "import tf_keras as keras\n"]
"""What a keystroke or a quick paste inserts; many of them break the code on their own."""
_DEFINITION_NAME = re.compile(r"^(class|def) (\w+)", re.MULTILINE)
_DEFINITION_LINE = re.compile(r"(?:async\s+def|def|class)\s")
MAX_CHARACTERS = 200_000
"""Larger files are left out (a few generated ones): each edit analyses them twice."""


def _top_level_spans(lines: list[str]) -> list[tuple[int, int]]:
    """0-based [start, end) line spans of the top-level definitions, each with the decorators
    above it and running to the next one: found by their first lines, so in broken text too."""
    starts = []
    for index, line in enumerate(lines):
        if _DEFINITION_LINE.match(line):
            while index and lines[index - 1].startswith("@"):
                index -= 1
            starts.append(index)
    return list(zip(starts, [*starts[1:], len(lines)]))


def plan_edit(rng: random.Random, text: str, source: str, step: int) -> str:
    """The text after one random edit of `text` (`source`: the file as it was)."""
    roll = rng.random()
    if roll < 0.45:
        position = rng.randrange(len(text) + 1)
        if rng.random() < 0.6:
            return text[:position] + rng.choice(KEYS) + text[position:]
        return text[:position] + text[position + rng.choice([1, 2, 5, 40]):]
    lines = text.split("\n")
    if roll < 0.65:
        index = rng.randrange(len(lines))
        lines[index] += f"  # reviewed in step {step}"
        return "\n".join(lines)
    spans = _top_level_spans(lines)
    if roll < 0.80 and spans:
        start, end = rng.choice(spans)
        copied = _DEFINITION_NAME.sub(lambda match: f"{match[1]} {match[2]}Copy{step}",
                                      "\n".join(lines[start:end]))
        target = rng.choice(spans)[0]
        return "\n".join([*lines[:target], *copied.split("\n"), *lines[target:]])
    if roll < 0.92 and spans:
        start, end = rng.choice(spans)
        return "\n".join([*lines[:start], *lines[end:]])
    return source


TYPED = ["x = self.norm(x)", "y = layers.Dense(8, activation='relu')(x)",
         "self.bn = layers.BatchNormalization()", "return self.dense(x) + y",
         "print(tf.shape(x))", "if x is None:", "outputs = [block(x) for block in self.blocks]"]
"""Statements typed a key at a time on a new line inside an indented block."""
TYPING_SHARE = 0.15
"""How often the next edits are a statement typed a key at a time (each key a text)."""


def typed_statement(rng: random.Random, text: str) -> list[str]:
    """The texts of a statement typed a key at a time on a new line above an indented line, at
    its indentation (the empty new line first), as an editor sends them; [] where no line is
    indented."""
    lines = text.split("\n")
    indented = [index for index, line in enumerate(lines)
                if line[:1] in (" ", "\t") and line.strip()]
    if not indented:
        return []
    index = rng.choice(indented)
    line = lines[index]
    before = "".join(f"{above}\n" for above in lines[:index]) + line[:len(line) - len(line.lstrip())]
    after = "\n" + "\n".join(lines[index:])
    statement = rng.choice(TYPED)
    return [before + statement[:keys] + after for keys in range(len(statement) + 1)]


def plan_edits(source: str, count: int, seed: int) -> list[str]:
    """The file, then the text after each of `count` - 1 edits (a statement typed key by key
    counts one edit a key)."""
    rng = random.Random(seed)
    texts = [source]
    while len(texts) < count:
        typed = typed_statement(rng, texts[-1]) if rng.random() < TYPING_SHARE else []
        if typed:
            texts.extend(typed[:count - len(texts)])
        else:
            texts.append(plan_edit(rng, texts[-1], source, len(texts)))
    return texts


@dataclass
class FileOutcome:
    compared: int = 0
    reached: int = 0
    """The index of the text being compared (where a crash happened)."""
    divergence: int | None = None
    """The index of the first text whose results differ."""
    crash: str | None = None


Compare = Callable[[list[str], Path, FileOutcome], None]
"""Compares the results of `texts` (a file's versions) in `folder` (an empty folder), counting
into the outcome and stopping at the first divergence; an exception is the caller's."""


def compare_analyses(texts: list[str], folder: Path, outcome: FileOutcome) -> None:
    """Each text analysed as the next version of one document, against an analysis from
    scratch (two paths in `folder`: no other file's evidence)."""
    incremental, scratch = str(folder / "edited.py"), str(folder / "fresh.py")
    for index, text in enumerate(texts):
        outcome.reached = index
        kept = analyse(text, path=incremental)
        fresh = from_scratch(text, scratch)
        outcome.compared += 1
        if (kept.findings, kept.syntax_problems) != (fresh.findings, fresh.syntax_problems):
            outcome.divergence = index
            return


def compare_publishes(texts: list[str], folder: Path, outcome: FileOutcome) -> None:
    """Each text sent to a language server as a full-text change of one open document,
    against the publish of the text opened anew under another name (texts with a syntax
    error are not compared)."""
    edited, fresh = (folder / "edited.py").as_uri(), (folder / "fresh.py").as_uri()
    with _ServerSession(folder) as session:
        session.open(edited, texts[0])
        for index, text in enumerate(texts):
            outcome.reached = index
            kept = session.change(edited, index + 1, text) if index else session.last(edited)
            since = len(session.published)  # not the list its last close cleared
            session.open(fresh, text)
            opened = session.last(fresh, since)
            session.close(fresh)
            if _differ(outcome, index, [kept], [opened], edited, fresh):
                return


Cells = list[tuple[str, str]]
"""A notebook's code and markdown cells, as (kind, text)."""


def notebook_cells(raw: str) -> Cells:
    """The code and markdown cells of an .ipynb ([] where it is not a readable notebook)."""
    try:
        cells = json.loads(raw)["cells"]
        return [(cell["cell_type"], cell["source"] if isinstance(cell["source"], str)
                 else "".join(cell["source"]))
                for cell in cells if cell["cell_type"] in ("code", "markdown")]
    except (ValueError, KeyError, TypeError):
        return []


def plan_notebook_edits(raw: str, count: int, seed: int) -> list[str]:
    """The notebook's cells, then after each of `count` - 1 edits of one code cell (an edit of
    `plan_edit`, or the cell's own text again), each version's cells as JSON; [] for a
    notebook without code cells."""
    cells = notebook_cells(raw)
    code = [index for index, (kind, _) in enumerate(cells) if kind == "code"]
    if not code:
        return []
    rng = random.Random(seed)
    versions = [cells]
    for step in range(1, count):
        current, index = list(versions[-1]), rng.choice(code)
        if rng.random() < 0.6:
            current[index] = ("code", plan_edit(rng, current[index][1], cells[index][1], step))
        else:
            current[index] = cells[index]
        versions.append(current)
    return [json.dumps(version) for version in versions]


def compare_notebook_publishes(texts: list[str], folder: Path, outcome: FileOutcome) -> None:
    """Each version of a notebook's cells sent to a language server as the full text of its
    changed cell, against the publishes of every cell of the version opened anew as another
    notebook (versions with a syntax error in any cell are not compared)."""
    edited, fresh = str(folder / "edited.ipynb"), str(folder / "fresh.ipynb")
    versions: list[Cells] = [[(kind, text) for kind, text in json.loads(version)]
                             for version in texts]
    cell_versions = [1] * len(versions[0])
    with _ServerSession(folder) as session:
        session.open_notebook(edited, versions[0])
        for index, cells in enumerate(versions):
            outcome.reached = index
            for number, (cell, before) in enumerate(zip(cells, versions[index - 1])):
                if index and cell != before:
                    cell_versions[number] += 1
                    session.change_cell(edited, index + 1, number, cell_versions[number], cell[1])
            kept = [session.last(_cell_uri(edited, number)) for number in range(len(cells))]
            since = len(session.published)  # not the lists its last close cleared
            session.open_notebook(fresh, cells)
            opened = [session.last(_cell_uri(fresh, number), since) for number in range(len(cells))]
            session.close_notebook(fresh, len(cells))
            if _differ(outcome, index, kept, opened, edited, fresh):
                return


def _cell_uri(notebook: str, number: int) -> str:
    return f"vscode-notebook-cell:{notebook}#C{number}"


Publish = list[dict[str, Any]] | None
"""The diagnostics of a URI's last publish (None: none published)."""


def _differ(outcome: FileOutcome, index: int, kept: list[Publish], opened: list[Publish],
            edited: str, fresh: str) -> bool:
    """Whether the publishes of the edited document and of its fresh open (`fresh` written
    where `edited` is) differ, recorded in `outcome`; not compared where one holds a syntax
    error (a block that does not parse keeps its last good findings, by design)."""
    if any(item.get("code") == "LL000" for found in kept + opened for item in found or []):
        return False
    outcome.compared += 1
    if json.dumps(kept).replace(edited, fresh) == json.dumps(opened):
        return False
    outcome.divergence = index
    return True


class _ServerSession:
    """A `layerlint serve` protocol in this process, fed messages as a client would send them;
    what it publishes is recorded."""

    def __init__(self, folder: Path) -> None:
        self.published: list[dict[str, Any]] = []
        published = self.published

        def record(data: bytes) -> None:
            message = json.loads(data.split(b"\r\n\r\n", 1)[-1])
            if message.get("method") == "textDocument/publishDiagnostics":
                published.append(message["params"])

        self.server = initialized_server(folder, record)
        self._send = self.server.send

    def __enter__(self) -> _ServerSession:
        return self

    def __exit__(self, *exception: object) -> None:
        self.server.close()

    def open(self, uri: str, text: str) -> None:
        self._send("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": text}})

    def change(self, uri: str, version: int, text: str) -> Publish:
        self._send("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                              "contentChanges": [{"text": text}]})
        return self.last(uri)

    def close(self, uri: str) -> None:
        self._send("textDocument/didClose", {"textDocument": {"uri": uri}})

    def open_notebook(self, path: str, cells: Cells) -> None:
        self._send("notebookDocument/didOpen", {
            "notebookDocument": {
                "uri": Path(path).as_uri(), "notebookType": "jupyter-notebook", "version": 1,
                "cells": [{"kind": 2 if kind == "code" else 1, "document": _cell_uri(path, number)}
                          for number, (kind, _) in enumerate(cells)]},
            "cellTextDocuments": [
                {"uri": _cell_uri(path, number), "version": 1, "text": text,
                 "languageId": "python" if kind == "code" else "markdown"}
                for number, (kind, text) in enumerate(cells)]})

    def change_cell(self, path: str, version: int, number: int, cell_version: int,
                    text: str) -> None:
        self._send("notebookDocument/didChange", {
            "notebookDocument": {"uri": Path(path).as_uri(), "version": version},
            "change": {"cells": {"textContent": [{
                "document": {"uri": _cell_uri(path, number), "version": cell_version},
                "changes": [{"text": text}]}]}}})

    def close_notebook(self, path: str, cells: int) -> None:
        self._send("notebookDocument/didClose", {
            "notebookDocument": {"uri": Path(path).as_uri()},
            "cellTextDocuments": [{"uri": _cell_uri(path, number)} for number in range(cells)]})

    def last(self, uri: str, since: int = 0) -> Publish:
        """The diagnostics of the last publish for `uri` (among those from `since` on)."""
        for params in reversed(self.published[since:]):
            if params["uri"] == uri:
                return params["diagnostics"]
        return None


def _last_frames(index: int) -> str:
    lines = traceback.format_exc().strip().splitlines()
    return f"text {index}: " + " | ".join(line.strip() for line in lines[-5:])


@dataclass
class CorpusOutcome:
    files: int = 0
    compared: int = 0
    problems: list[str] = field(default_factory=list)


def run_corpus(name: str, root: Path, edits: int, compare: Compare, out: Path | None,
               report: Callable[[str], None] = print, notebooks: bool = False,
               seed: int = 0) -> CorpusOutcome:
    """Every .py file of `root` (up to `MAX_CHARACTERS`) through `edits` texts; with
    `notebooks`, every .ipynb file through `edits` versions of its cells. The file numbered
    `n` in the corpus's order gets the edits of seed `seed + n`."""
    outcome = CorpusOutcome()
    suffix, plan = (".ipynb", plan_notebook_edits) if notebooks else (".py", plan_edits)
    for number, relative in enumerate(path for path in corpus_files(root)
                                      if path.suffix == suffix):
        source = (root / relative).read_text(encoding="utf-8", errors="replace")
        texts = plan(source, edits, seed + number) if len(source) <= MAX_CHARACTERS else []
        if not texts:
            continue
        result = FileOutcome()
        with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            try:
                compare(texts, Path(folder), result)
            except Exception:  # reported with its traceback; the run goes on
                result.crash = _last_frames(result.reached)
        outcome.files += 1
        outcome.compared += result.compared
        if result.crash is not None:
            problem = f"{name}: {relative}: crash at {result.crash}"
        elif result.divergence is not None:
            problem = f"{name}: {relative}: text {result.divergence} differs from a fresh analysis"
        else:
            continue
        outcome.problems.append(problem)
        report(problem)
        if out is not None:
            _write_sequence(out / name / relative, texts, ".json" if notebooks else ".py")
    return outcome


def _write_sequence(folder: Path, texts: Sequence[str], suffix: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index, text in enumerate(texts):
        (folder / f"{index:03d}{suffix}").write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="+", type=parse_corpus, metavar="NAME=PATH")
    parser.add_argument("--edits", type=int, default=30, help="texts per file, the first included")
    parser.add_argument("--lsp", action="store_true", help="compare the language server's publishes")
    parser.add_argument("--notebooks", action="store_true",
                        help="the .ipynb files instead, cell edits through the language server")
    parser.add_argument("--seed", type=int, default=0,
                        help="added to each file's seed: other sequences of edits")
    parser.add_argument("--out", type=Path, help="where the texts of divergent sequences go")
    args = parser.parse_args(argv)
    compare = (compare_notebook_publishes if args.notebooks
               else compare_publishes if args.lsp else compare_analyses)
    failed = False
    for name, root in args.corpora:
        started = time.monotonic()
        outcome = run_corpus(name, root, args.edits, compare, args.out,
                             notebooks=args.notebooks, seed=args.seed)
        failed = failed or bool(outcome.problems)
        print(f"{name}: {outcome.files} files, {outcome.compared} texts compared, "
              f"{len(outcome.problems)} divergent or crashed, {time.monotonic() - started:.0f} s",
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
