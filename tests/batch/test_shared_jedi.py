"""The check's workers ask one server process about installed classes (`batch.shared_jedi`),
and fall back to asking in their own process when there is no server."""

import os

from layerlint.analysis import installed
from layerlint.batch.parallel import ordered_map
from layerlint.batch.shared_jedi import shared_jedi

NAMES = ["somepkg.layers.Block", "otherpkg.Thing"] * 4


def _answer_here(qualified, python, keras_version):
    return (os.getpid(), qualified, keras_version)  # picklable, says who answered


def _ask(name):
    return installed.installed_class(name, None, "3.5"), os.getpid()


def test_every_worker_gets_its_answers_from_one_server_process(monkeypatch):
    monkeypatch.setattr(installed, "resolve_here", _answer_here)
    monkeypatch.setattr(installed, "_resolve", lambda *args: ("worker", *args))
    installed.resolve_synchronously()
    installed.forget()
    try:
        with shared_jedi(2):
            asked = list(ordered_map(_ask, NAMES, 2))
        assert installed._resolver is None  # restored after the block
    finally:
        installed.forget()
    answering = {answer[0] for answer, _ in asked}
    assert "worker" not in answering and len(answering) == 1
    assert answering.isdisjoint({os.getpid()} | {worker for _, worker in asked})
    assert [(answer[1], answer[2]) for answer, _ in asked] == [(name, "3.5") for name in NAMES]


def test_one_worker_or_a_lost_server_asks_in_its_own_process(monkeypatch):
    monkeypatch.setattr(installed, "_resolve", lambda qualified, *_: ("here", qualified))
    installed.resolve_synchronously()
    installed.forget()
    try:
        with shared_jedi(1):
            assert installed._resolver is None
            assert installed.installed_class("somepkg.Block", None, None) == ("here", "somepkg.Block")

        def broken(*args):
            raise ConnectionError("server gone")

        previous = installed.resolve_with(broken)
        try:
            assert installed.installed_class("otherpkg.Block", None, None) == ("here", "otherpkg.Block")
        finally:
            installed.resolve_with(previous)
    finally:
        installed.forget()
