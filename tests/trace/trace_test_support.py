"""Paths and small helpers shared by the shape-trace tests (a uniquely named module: several
test folders have a conftest.py, so helpers cannot be imported from it)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "feature_extractor.py"
MODELS = Path(__file__).resolve().parent / "models"


def marked_line(path: Path, mark: str) -> int:
    """The 1-based line carrying `# ... mark: <mark>` in a model file."""
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if f"mark: {mark}" in text:
            return number
    raise AssertionError(f"no line marked {mark!r} in {path}")


def lines_containing(path: Path, needle: str) -> list[int]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [number for number, text in enumerate(lines, start=1) if needle in text]
