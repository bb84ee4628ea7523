"""Figures for the README's static-shapes section: over the Python files under the given paths,
how many layer calls the shape inference reaches, how many get a known output shape (rank
known; every dimension but the batch known), and how many LL105 / LL102 / LL101 errors the
analysis reports (each listed, for review by hand).

    python scripts/static_shape_figures.py tests/fixtures/shapes /work/corpora/keras-io/examples
"""

from __future__ import annotations

import sys
from pathlib import Path

from layerlint.analysis import analyse
from layerlint.analysis.shapes.domain import Shape, Symbol
from layerlint.analysis.shapes.infer import infer_source


def _complete(shape: object) -> bool:
    if isinstance(shape, tuple):
        return all(_complete(item) for item in shape)
    if not isinstance(shape, Shape) or shape.dims is None:
        return False
    return all(type(dim) is int or (index == 0 and isinstance(dim, Symbol))
               for index, dim in enumerate(shape.dims))


def figures(root: Path) -> None:
    files = [root] if root.is_file() else sorted(root.rglob("*.py"))
    sites = rank = complete = 0
    errors: list[str] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        shapes = infer_source(text)
        sites += shapes.sites
        rank += sum(1 for call in shapes.calls if call.known) + len(shapes.errors)
        complete += sum(1 for call in shapes.calls if _complete(call.output))
        errors.extend(
            f"  {path}:{finding.span.line}: {finding.code} {finding.message[:150]}"
            for finding in analyse(text, path=str(path)).findings
            if finding.code in ("LL101", "LL102", "LL105") and finding.severity.value == "error"
        )
    share = f"{rank / sites:.0%}" if sites else "-"
    print(f"{root}: {len(files)} files, {sites} layer calls reached, {rank} ({share}) with a "
          f"known output rank or a proven error, {complete} with every dimension but the batch "
          f"known; {len(errors)} LL101/LL102/LL105 errors")
    print("\n".join(errors))


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        figures(Path(argument))
