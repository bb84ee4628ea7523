"""Writes realistic Keras/PyTorch model files of a requested size for the latency benchmark.

The output is deterministic for a given seed and size: blocks from `model_templates` are
drawn with a seeded RNG until the module reaches the target line count, with a reuse bug every
`BUG_EVERY` blocks. Files go to `bench/out/` by default (ignored by git, like every `out/`).

    python -m bench.generate_models --lines 2000 10000
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import model_templates
from bench.model_templates import Block

DEFAULT_OUT_DIR = Path(__file__).resolve().parent / "out"
DEFAULT_SIZES = (2000, 10000)
# One bug per ~12 blocks gives 3-4 bugs in a 2,000-line file: "a few", like real code.
BUG_EVERY = 12
# A model class needs image blocks defined above it to compose; wait for a few first.
MIN_IMAGE_LAYERS_FOR_MODEL = 3

HEADER = '''"""Benchmark model zoo: Keras and PyTorch building blocks ({target} lines, seed {seed}).

Written by bench/generate_models.py for the edit-to-diagnostics latency benchmark. It imitates
a large hand-written model module; a few blocks contain real layer-reuse bugs.
"""

from __future__ import annotations

import math

import keras
import torch
import torch.nn.functional as F
from keras import layers, ops
from torch import nn
'''


@dataclass(frozen=True)
class GeneratedModule:
    text: str
    blocks: tuple[Block, ...]

    @property
    def line_count(self) -> int:
        return len(self.text.splitlines())

    @property
    def buggy_names(self) -> list[str]:
        return [block.name for block in self.blocks if block.has_reuse_bug]


def _next_block(rng: random.Random, index: int, image_layers: list[str]) -> Block:
    if index % BUG_EVERY == BUG_EVERY // 2:
        bug_kind = model_templates.BUG_KINDS[(index // BUG_EVERY) % len(model_templates.BUG_KINDS)]
        return bug_kind(rng, index)
    if len(image_layers) >= MIN_IMAGE_LAYERS_FOR_MODEL and rng.random() < 0.12:
        return model_templates.keras_model(rng, index, image_layers)
    kinds, weights = zip(*model_templates.CLEAN_KINDS, strict=True)
    return rng.choices(kinds, weights=weights)[0](rng, index)


def generate_module(target_lines: int, seed: int = 0) -> GeneratedModule:
    """A module of about `target_lines` lines (it stops at the first block reaching the target)."""
    rng = random.Random(f"{seed}:{target_lines}")
    parts = [HEADER.format(target=target_lines, seed=seed)]
    line_count = len(parts[0].splitlines())
    blocks: list[Block] = []
    image_layers: list[str] = []
    while line_count < target_lines:
        block = _next_block(rng, len(blocks), image_layers)
        blocks.append(block)
        image_layers.extend(block.image_layers)
        # Two blank lines between top-level definitions, as PEP 8 wants.
        part = "\n" + block.source
        parts.append(part)
        line_count += len(part.splitlines())
    return GeneratedModule("".join(parts), tuple(blocks))


def write_models(
    sizes: Sequence[int] = DEFAULT_SIZES, out_dir: Path = DEFAULT_OUT_DIR, seed: int = 0
) -> list[Path]:
    """Writes `models_<size>.py` for each size and returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for size in sizes:
        path = out_dir / f"models_{size}.py"
        path.write_text(generate_module(size, seed).text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for path in write_models(args.lines, args.out, args.seed):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
