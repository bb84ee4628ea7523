"""The libcst rewrite on one block: positions are module positions shifted by the block."""

from __future__ import annotations

import textwrap

import pytest

from layerlint.fix_requests import SplitLayer
from layerlint.fixes import FixError
from layerlint.fixes.split_rewriter import rewrite_block

BLOCK = textwrap.dedent(
    """\
    class Net(Layer):
        def __init__(self):
            self.bn = BatchNormalization()  # keep me

        def call(self, x):
            return self.bn(x) + self.bn(x)
    """
)


def request(offset: int, **changes: object) -> SplitLayer:
    fields = {
        "title": "t",
        "scope": "attribute",
        "class_name": "Net",
        "function_name": None,
        "name": "bn",
        "new_names": ("bn_1", "bn_2"),
        "definition_line": 3 + offset,
        "call_sites": ((6 + offset, 16), (6 + offset, 29)),
    }
    return SplitLayer(**{**fields, **changes})


@pytest.mark.parametrize("offset", [0, 500])
def test_module_positions_are_shifted_into_the_block(offset: int) -> None:
    new_block = rewrite_block(BLOCK, request(offset), line_offset=offset)
    assert new_block == BLOCK.replace(
        "        self.bn = BatchNormalization()  # keep me\n",
        "        self.bn_1 = BatchNormalization()  # keep me\n"
        "        self.bn_2 = BatchNormalization()  # keep me\n",
    ).replace("self.bn(x) + self.bn(x)", "self.bn_1(x) + self.bn_2(x)")


def test_reference_of_the_wrong_kind_is_not_renamed() -> None:
    # A variable `bn` is not the attribute `self.bn`.
    with pytest.raises(FixError, match=r"line 3 no longer assigns bn; found self.bn = "):
        rewrite_block(BLOCK, request(0, scope="variable"), line_offset=0)


def test_position_inside_the_arguments_is_no_call_site() -> None:
    sites = ((6, 16), (6, 24))  # the second points at the `x` of `self.bn(x)`
    with pytest.raises(FixError, match=r"line 6, column 24, found no call there"):
        rewrite_block(BLOCK, request(0, call_sites=sites), line_offset=0)


def test_assignment_of_several_targets_is_refused() -> None:
    block = BLOCK.replace("self.bn = Batch", "self.bn = self.norm = Batch")
    with pytest.raises(FixError, match="together with other names"):
        rewrite_block(block, request(0), line_offset=0)
