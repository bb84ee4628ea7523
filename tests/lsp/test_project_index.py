"""The project index in the server: never built while an edit waits, rebuilt after another
file's save, and once built the same findings as the synchronous index of `analyse()`."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import pytest_lsp
from lsp_client import (
    RecordingClient,
    capabilities,
    make_client,
    open_document,
    replace_range,
    start,
    wait_for_publish,
)
from lsprotocol import types
from pytest_lsp import ClientServerConfig
from slow_index_server import SLOW_INDEX_SECONDS

from layerlint.analysis import analyse, project_evidence
from layerlint.analysis.caches import clear as clear_caches
from layerlint.lsp.project_index import (
    MAX_DEFERRAL_SECONDS,
    QUIET_SECONDS,
    document_activity,
    start_delay,
)
from layerlint.lsp.session import ProjectIndexState

BLOCKS = (
    "import tf_keras\n\n\nclass Net(tf_keras.Model):\n    pass\n\n\n"
    "class Block(tf_keras.layers.Layer):\n    pass\n"
)
SAVES_NET = (
    "import tf_keras\nfrom blocks import Block, Net\n\n"
    "net = Net()\nnet.save('net.keras')\ntf_keras.models.load_model('net.keras')\n"
)
SAVES_BLOCK_TOO = SAVES_NET + (
    "seq = tf_keras.Sequential([Block()])\nseq.save('seq.keras')\n"
    "tf_keras.models.load_model('seq.keras')\n"
)
SLOW_SERVER = [sys.executable, str(Path(__file__).with_name("slow_index_server.py"))]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SLOW_SERVER,
                                              client_factory=make_client))
async def slow_server(lsp_client: RecordingClient):
    lsp_client.shut_down = False
    yield
    if not lsp_client.shut_down:  # a test may have shut it down already
        await lsp_client.shutdown_session()


def _project(folder: Path, train: str) -> Path:
    (folder / "setup.cfg").write_text("")
    (folder / "blocks.py").write_text(BLOCKS)
    (folder / "train.py").write_text(train)
    return folder / "blocks.py"


def _shown(diagnostics: list[types.Diagnostic]) -> list[tuple[object, int, str]]:
    return sorted((item.code, item.range.start.line, item.message) for item in diagnostics)


def _analysed_here(path: Path) -> list[tuple[object, int, str]]:
    """What `analyse()` finds with the project index built synchronously in this process."""
    clear_caches()
    project_evidence._indexes.clear()
    project_evidence._listings.clear()
    result = analyse(path.read_text(), path=str(path))
    return sorted((f.code, f.span.line - 1, f.message) for f in result.findings)


async def _publish_with(client: RecordingClient, uri: str, needle: str,
                        after: int = 0) -> types.PublishDiagnosticsParams:
    """The first publish for `uri` at `after` or later with a diagnostic mentioning `needle`."""
    while True:
        published = await wait_for_publish(client, uri, after=after)
        if any(needle in item.message for item in published.diagnostics):
            return published
        after = client.published.index(published) + 1


async def test_a_slow_index_never_delays_an_edit_s_diagnostics(slow_server: RecordingClient,
                                                               tmp_path: Path) -> None:
    blocks = _project(tmp_path, SAVES_NET)
    uri = blocks.as_uri()
    await start(slow_server, capabilities(), root=tmp_path)
    opened = time.monotonic()
    open_document(slow_server, uri, BLOCKS, version=1)
    first = await wait_for_publish(slow_server, uri, version=1)
    position = types.Position(line=0, character=len("import tf_keras"))
    replace_range(slow_server, uri, 2, types.Range(start=position, end=position), "  # edited")
    edited = await wait_for_publish(slow_server, uri, version=2)
    waited = time.monotonic() - opened
    # Both came before the index (the synchronous index would have had LL207 in the first).
    assert waited < SLOW_INDEX_SECONDS
    assert not first.diagnostics and not edited.diagnostics
    late = await _publish_with(slow_server, uri, "train.py line 5",
                               after=slow_server.published.index(edited) + 1)
    assert late.version == 2 and time.monotonic() - opened >= SLOW_INDEX_SECONDS
    blocks.write_text(BLOCKS.replace("import tf_keras", "import tf_keras  # edited", 1))
    assert _shown(late.diagnostics) == _analysed_here(blocks)


def test_a_build_waits_for_a_pause_in_the_edits_but_not_for_ever():
    state = ProjectIndexState()
    assert start_delay(state, 100.0) == 0.0  # nothing opened or edited yet: at once
    state = ProjectIndexState(last_activity=100.0)
    assert start_delay(state, 100.1) == pytest.approx(QUIET_SECONDS - 0.1)
    assert state.asked_at == 100.1  # the first ask is remembered
    state.last_activity = 102.0  # edited again meanwhile
    assert start_delay(state, 102.0) == pytest.approx(QUIET_SECONDS)
    assert start_delay(state, 102.0 + QUIET_SECONDS) == 0.0
    state.last_activity = 100.1 + MAX_DEFERRAL_SECONDS - 0.01  # someone who never pauses
    assert start_delay(state, 100.1 + MAX_DEFERRAL_SECONDS) == 0.0


async def test_the_quiet_moment_counts_from_the_end_of_an_open_or_edit():
    """An open's analysis of a large file may outlast `QUIET_SECONDS`: the edits sent
    meanwhile are read only after it, so the pause is counted from its end."""
    ls = SimpleNamespace(state=SimpleNamespace(project=ProjectIndexState()))
    with document_activity(ls):
        started = ls.state.project.last_activity
        assert started <= asyncio.get_running_loop().time()
        time.sleep(0.05)  # the analysis
    assert ls.state.project.last_activity >= started + 0.05


async def test_the_index_is_built_after_the_edits_pause(server: RecordingClient,
                                                       tmp_path: Path) -> None:
    """Edits sent one after another hold the build back (it would take a core from them);
    the first pause lets it start, and the index's findings follow."""
    blocks = _project(tmp_path, SAVES_NET)
    uri = blocks.as_uri()
    await start(server, capabilities(), root=tmp_path)
    open_document(server, uri, BLOCKS, version=1)
    position = types.Position(line=0, character=len("import tf_keras"))
    typed = ""
    for version in range(2, 42):  # 2 s of typing, a key every 50 ms
        await asyncio.sleep(QUIET_SECONDS / 6)
        replace_range(server, uri, version, types.Range(start=position, end=position), "#")
        typed += "#"
        position = types.Position(line=0, character=position.character + 1)
    last_edit = time.monotonic()
    assert not any("Net is saved" in item.message
                   for published in server.published for item in published.diagnostics)
    indexed = await _publish_with(server, uri, "Net is saved")
    assert time.monotonic() - last_edit >= QUIET_SECONDS
    assert indexed.version == 41
    blocks.write_text(BLOCKS.replace("import tf_keras", "import tf_keras" + typed, 1))
    assert _shown(indexed.diagnostics) == _analysed_here(blocks)


@pytest.mark.parametrize("event", ["didSave", "didChangeWatchedFiles"])
async def test_another_file_s_new_save_is_shown_after_its_event(server: RecordingClient,
                                                                tmp_path: Path,
                                                                event: str) -> None:
    blocks = _project(tmp_path, SAVES_NET)
    train = tmp_path / "train.py"
    uri = blocks.as_uri()
    await start(server, capabilities(), root=tmp_path)
    open_document(server, uri, BLOCKS, version=1)
    indexed = await _publish_with(server, uri, "Net is saved")
    assert _shown(indexed.diagnostics) == _analysed_here(blocks)
    assert not any("Block is saved" in item.message for item in indexed.diagnostics)

    train.write_text(SAVES_BLOCK_TOO)
    after = len(server.published)
    if event == "didSave":
        open_document(server, train.as_uri(), SAVES_BLOCK_TOO, version=1)
        server.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=train.as_uri())))
    else:
        server.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
            types.FileEvent(uri=train.as_uri(), type=types.FileChangeType.Changed)]))
    updated = await _publish_with(server, uri, "Block is saved", after=after)
    assert updated.version == 1  # re-shown without an edit of blocks.py
    assert _shown(updated.diagnostics) == _analysed_here(blocks)


async def test_a_save_that_changes_no_use_re_shows_nothing(server: RecordingClient,
                                                           tmp_path: Path) -> None:
    blocks = _project(tmp_path, SAVES_NET)
    uri = blocks.as_uri()
    await start(server, capabilities(), root=tmp_path)
    open_document(server, uri, BLOCKS, version=1)
    await _publish_with(server, uri, "Net is saved")
    (tmp_path / "notes.py").write_text("print('hello')\n")
    after = len(server.published)
    server.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=(tmp_path / "notes.py").as_uri(), type=types.FileChangeType.Created)]))
    await asyncio.sleep(3.0)  # a rebuild takes about a second
    assert [params.uri for params in server.published[after:]] == []


async def test_shutdown_while_an_index_is_built_stops_the_build(slow_server: RecordingClient,
                                                                tmp_path: Path) -> None:
    blocks = _project(tmp_path, SAVES_NET)
    await start(slow_server, capabilities(), root=tmp_path)
    asked = time.monotonic()
    open_document(slow_server, blocks.as_uri(), BLOCKS, version=1)
    await wait_for_publish(slow_server, blocks.as_uri(), version=1)
    await slow_server.shutdown_session()  # shutdown, exit, and the server process has ended
    slow_server.shut_down = True
    # It did not wait for its worker, which would have answered SLOW_INDEX_SECONDS later.
    assert time.monotonic() - asked < SLOW_INDEX_SECONDS
