"""The editor's static shapes against a whole inference, on pinned scripts under edits.

The editor's shape inference starts a script's run at the statement being edited
(`shapes/resume.py`) and replays its top-level calls of model builders (`shapes/call_memo.py`);
an inference of the whole text does neither. Both must give the same shapes. Each file with
module-level code gets statements typed a key at a time after four of its top-level
statements (three at random and the last), then the random edits of `bench.incremental_parity`;
after every edit the document's shapes (`analyse()`, as the server runs it: blocks retired
after the analysis, or with `--retire-now` at once) are compared with `infer_module` over the
whole parsed text. Texts that do not parse are skipped (the editor leaves a broken block out).

    python -m bench.shape_parity keras-io=/work/corpora/keras-io/examples [--retire-now]

Prints per corpus the files, the texts compared, how many runs started past the first
statement, and each divergence (its text is written to `--out`). Exit status 1 on a divergence.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import random
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from bench.incremental_parity import MAX_CHARACTERS, plan_edits
from layerlint.analysis import engine
from layerlint.analysis.document_state import retiring_later
from layerlint.analysis.imports import collect_imports
from layerlint.analysis.shapes import infer, resume
from layerlint.analysis.shapes import module_shapes as module_shapes_module
from layerlint.analysis.shapes.infer import ModuleShapes

TYPED = ("model.add(layers.Dense(3))", "out = model(x)", "y = layers.Dense(4)(x)",
         "model.summary()", "x = tf.zeros((2, 8))", "model = keras.Sequential([layers.Dense(2)])",
         "del model", "for i in range(3): model.add(layers.Dense(i))")
"""Statements typed into a script's own code: calls, a model changed, names bound and unbound."""


def _code(tree: ast.Module) -> list[ast.stmt]:
    return [node for node in tree.body
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                     ast.Import, ast.ImportFrom))
            and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]


def sequences(text: str, rng: random.Random) -> Iterator[list[str]]:
    """The file's edit sequences: three statements typed after each of four top-level
    statements, then the random edits."""
    code = _code(ast.parse(text))
    if not code:
        return
    for anchor in [*rng.sample(code, min(3, len(code))), code[-1]]:
        texts, current = [], text
        for statement in rng.sample(TYPED, 3):
            lines = current.split("\n")
            above = "\n".join(lines[:anchor.end_lineno]) + "\n"
            below = "\n" + "\n".join(lines[anchor.end_lineno:])
            texts.extend(above + statement[:keys] + below for keys in range(len(statement) + 1))
            current = texts[-1]
        yield texts
    yield plan_edits(text, 60, 7)


def _whole(text: str, keras_version: str | None) -> ModuleShapes | None:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    return infer.infer_module([(statement, 0) for statement in tree.body],
                              collect_imports(tree.body), keras_version, text)


def _signature(shapes: ModuleShapes) -> tuple[list, list]:
    return (sorted((call.line, call.column, call.layer, call.inputs, call.output)
                   for call in shapes.calls),
            sorted((call.line, call.column, call.error) for call in shapes.errors))


def run_corpus(name: str, root: Path, retire_now: bool, out: Path | None,
               folder: Path) -> int:
    """Compares every text of every file's sequences; returns the divergences."""
    files = compared = divergent = 0
    for path in sorted(root.rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
            ast.parse(text)
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            continue
        if len(text) > MAX_CHARACTERS or ("keras" not in text and "torch" not in text):
            continue
        files += 1
        rng = random.Random(len(text))
        for number, texts in enumerate(sequences(text, rng)):
            document = str(folder / f"{name}-{files}-{number}.py")
            for index, version in enumerate(texts):
                with contextlib.nullcontext() if retire_now else retiring_later():
                    engine.analyse(version, path=document)
                kept = next((entry for entry in module_shapes_module._cache
                             if entry[0] is version or entry[0] == version), None)
                whole = _whole(version, kept[1]) if kept is not None else None
                if kept is None or whole is None:
                    continue
                compared += 1
                if _signature(kept[3]) != _signature(whole):
                    divergent += 1
                    print(f"  DIVERGED {path} (sequence {number}, text {index})")
                    if out is not None:
                        out.mkdir(parents=True, exist_ok=True)
                        (out / f"{name}-{divergent}.py").write_text(version, encoding="utf-8")
                    break
    print(f"{name}: {files} files, {compared} texts compared, {divergent} divergent")
    return divergent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="+", help="NAME=ROOT")
    parser.add_argument("--retire-now", action="store_true",
                        help="retire replaced blocks during the analysis, not after it")
    parser.add_argument("--out", type=Path, help="where the divergent texts go")
    args = parser.parse_args(argv)
    resumed = [0, 0]
    original = resume.resumed

    def counted(interpreter):  # type: ignore[no-untyped-def]
        start, keep_at = original(interpreter)
        resumed[0] += 1
        resumed[1] += bool(start)
        return start, keep_at

    resume.resumed = counted  # type: ignore[assignment]
    divergent = 0
    try:
        with tempfile.TemporaryDirectory() as folder:  # no project around the documents
            for corpus in args.corpora:
                name, _, root = corpus.partition("=")
                divergent += run_corpus(name, Path(root), args.retire_now, args.out,
                                        Path(folder))
    finally:
        resume.resumed = original  # type: ignore[assignment]
    print(f"runs: {resumed[0]}, started past the first statement: {resumed[1]}")
    return 1 if divergent else 0


if __name__ == "__main__":
    sys.exit(main())
