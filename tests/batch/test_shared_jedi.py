"""The check's workers ask one server process about installed classes (`batch.shared_jedi`),
and fall back to asking in their own process when there is no server."""

import os

import pytest

from layerlint.analysis import installed
from layerlint.batch.parallel import ordered_map
from layerlint.batch.shared_jedi import may_ask, shared_jedi

NAMES = ["somepkg.layers.Block", "otherpkg.Thing"] * 4


@pytest.fixture(autouse=True)
def asked_of_jedi(monkeypatch):
    """The fake packages these tests ask about are not installed: `module_search` would answer
    for them, and these tests are about who asks jedi."""
    monkeypatch.setattr(installed, "plainly_no_class", lambda qualified: False)


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


def test_the_server_starts_jedi_for_the_checks_interpreters_before_the_first_question(
        monkeypatch, tmp_path):
    warmed = tmp_path / "warmed"

    def warm_up(python):
        with warmed.open("a") as log:
            log.write(f"{os.getpid()} {python}\n")

    def answer_after_warm_up(qualified, python, keras_version):
        return warmed.read_text().split(), qualified  # the log as the question sees it

    monkeypatch.setattr(installed, "warm_up", warm_up)
    monkeypatch.setattr(installed, "resolve_here", answer_after_warm_up)
    installed.resolve_synchronously()
    installed.forget()
    try:
        with shared_jedi(2, (None, "/opt/py/bin/python")):
            asked = list(ordered_map(_ask, ["somepkg.layers.Block"] * 2, 2))
    finally:
        installed.forget()
    (log, qualified), _ = asked[0]
    server = log[0]
    assert log == [server, "None", server, "/opt/py/bin/python"] and qualified == "somepkg.layers.Block"
    assert int(server) not in {os.getpid()} | {worker for _, worker in asked}


def test_without_interpreters_to_warm_up_the_server_starts_no_jedi(monkeypatch, tmp_path):
    warmed = tmp_path / "warmed"
    monkeypatch.setattr(installed, "warm_up", lambda python: warmed.write_text(str(python)))
    monkeypatch.setattr(installed, "resolve_here", _answer_here)
    installed.resolve_synchronously()
    installed.forget()
    try:
        with shared_jedi(2):
            asked = list(ordered_map(_ask, NAMES, 2))
    finally:
        installed.forget()
    assert [(answer[1], answer[2]) for answer, _ in asked] == [(name, "3.5") for name in NAMES]
    assert not warmed.exists()


def test_jedi_is_started_early_only_for_a_check_that_imports_from_an_installed_package():
    workspace = {"mypkg", "tests", "tmp"}
    assert may_ask(["import os\n", "from absl import logging\n"], workspace)
    assert may_ask(["x = 1\n    from transformers.models import AutoConfig\n"], workspace)
    assert not may_ask(["from os.path import join\nimport numpy\n",
                        "from keras import layers\nfrom torch import nn\n",
                        "from tensorflow.keras import Model\nfrom tf_keras import layers\n",
                        "from . import blocks\nfrom .blocks import Block\n",
                        "from mypkg.blocks import Block\n", "# from absl import logging\n",
                        "text = 'no import here'\n"], workspace)


def test_for_this_interpreter_a_module_or_a_missing_package_starts_no_jedi_early():
    workspace = {"mypkg"}
    # A module of an installed package, a package that is not installed (several lines, a
    # comment): module_search answers them, jedi is never asked.
    assert not may_ask(["from jedi import api\n",
                        "from layerlint_no_such_package import (\n    Block,  # a block\n"
                        "    Other as O,\n)\n"], workspace, here=True)
    # A name bound inside an installed package is for jedi to find; so is anything asked
    # about another interpreter.
    assert may_ask(["from jedi import Script\n"], workspace, here=True)
    assert may_ask(["from jedi import api\n"], workspace, here=False)
