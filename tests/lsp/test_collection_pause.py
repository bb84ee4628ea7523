"""The garbage collector is off while an edit's diagnostics are made and on again after; a
collector someone else switched off stays off."""

from __future__ import annotations

import gc

import pytest

from layerlint.lsp import collection_pause


def test_off_inside_on_after_even_after_an_error() -> None:
    assert gc.isenabled()
    with collection_pause.paused():
        assert not gc.isenabled()
        with collection_pause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause does not switch it back on early
    assert gc.isenabled()
    with pytest.raises(ValueError), collection_pause.paused():
        raise ValueError
    assert gc.isenabled()


def test_a_collector_already_off_stays_off() -> None:
    gc.disable()
    try:
        with collection_pause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
