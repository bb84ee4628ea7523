"""Runs a position-aware libcst transformer over one block of source text: parse, visit with
positions, and make sure the transformer found every place it was sent to."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper

from layerlint.fixes import FixError


def rewrite_block_with(block_text: str, rewriter: cst.CSTTransformer, what: str) -> str:
    """The block's new text; FixError when libcst cannot parse it (`what` names the code in the
    message) or the rewriter did not reach every position it was given."""
    try:
        module = cst.parse_module(block_text)
    except cst.ParserSyntaxError as error:
        raise FixError(f"libcst cannot parse {what}: {error}") from error
    new_module = MetadataWrapper(module, unsafe_skip_copy=True).visit(rewriter)
    rewriter.raise_if_incomplete()  # type: ignore[attr-defined]
    return new_module.code
