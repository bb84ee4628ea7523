"""`--fix` writes atomically, keeps permissions, line endings and BOMs, and refuses to write code
that does not parse or over a file that changed since it was checked."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from layerlint import fix_loop
from layerlint.cli import main
from layerlint.commands import file_write
from layerlint.commands.file_write import replace_file_text, write_fixed_source

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "feature_extractor.py"


def leftovers(folder: Path) -> list[str]:
    return [path.name for path in folder.iterdir() if path.name.endswith(".layerlint-fix")]


@pytest.mark.parametrize("mode", [0o640, 0o755])
def test_write_keeps_permissions_and_leaves_no_temporary_file(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "model.py"
    target.write_text("x = 1\n")
    target.chmod(mode)
    assert write_fixed_source(target, "x = 1\n", "x = 2\n")
    assert target.read_text() == "x = 2\n"
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert leftovers(tmp_path) == []


def test_write_keeps_crlf_and_bom(tmp_path: Path) -> None:
    target = tmp_path / "model.py"
    target.write_bytes(b"\xef\xbb\xbfa = 1\r\nb = 2\r\n")
    original = target.read_text(encoding="utf-8")
    assert write_fixed_source(target, original, original.replace("b = 2", "b = 3\nc = 4"))
    assert target.read_bytes() == b"\xef\xbb\xbfa = 1\r\nb = 3\r\nc = 4\r\n"


def test_a_symbolic_link_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_text("x = 1\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    assert write_fixed_source(link, "x = 1\n", "x = 2\n")
    assert link.is_symlink() and real.read_text() == "x = 2\n"


def test_unparseable_result_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "model.py"
    target.write_text("x = 1\n")
    messages: list[str] = []
    assert not write_fixed_source(target, "x = 1\n", "x = (1\n", messages.append)
    assert target.read_text() == "x = 1\n"
    assert "would not parse" in messages[0] and "line 1" in messages[0]


def test_a_file_changed_on_disk_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "model.py"
    target.write_text("x = 1\ny = 2  # typed meanwhile\n")
    with pytest.raises(file_write.FixNotWritten, match="changed on disk"):
        replace_file_text(target, "x = 1\n", "x = 2\n")
    assert target.read_text() == "x = 1\ny = 2  # typed meanwhile\n"


def test_a_failed_rename_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "model.py"
    target.write_text("x = 1\n")

    def broken_replace(source: str, destination: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    messages: list[str] = []
    assert not write_fixed_source(target, "x = 1\n", "x = 2\n", messages.append)
    assert target.read_text() == "x = 1\n" and leftovers(tmp_path) == []
    assert "No space left" in messages[0]


def test_check_fix_refuses_a_fix_that_breaks_the_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "model.py"
    model.write_text(EXAMPLE.read_text())
    monkeypatch.setattr(fix_loop, "apply_fix", lambda text, proposal: text + "def broken(:\n")
    main(["check", "--fix", "--unsafe-fixes", str(model)])
    assert model.read_text() == EXAMPLE.read_text()
    assert "fixed:" not in capsys.readouterr().err


def test_check_fix_does_not_overwrite_an_edit_made_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "model.py"
    model.write_text(EXAMPLE.read_text())
    real_apply = fix_loop.apply_fix
    edited = EXAMPLE.read_text() + "\n# saved by the user while --fix ran\n"

    def apply_while_the_user_saves(text, proposal):  # type: ignore[no-untyped-def]
        model.write_text(edited)
        return real_apply(text, proposal)

    monkeypatch.setattr(fix_loop, "apply_fix", apply_while_the_user_saves)
    main(["check", "--fix", "--unsafe-fixes", str(model)])
    assert model.read_text() == edited
    assert "changed on disk since it was checked" in capsys.readouterr().err


def test_check_fix_writes_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model.py"
    model.write_text(EXAMPLE.read_text())
    model.chmod(0o600)
    main(["check", "--fix", "--unsafe-fixes", str(model)])
    fixed = model.read_text()
    assert fixed != EXAMPLE.read_text() and file_write.parse_problem(fixed) is None
    assert stat.S_IMODE(model.stat().st_mode) == 0o600
    assert "fixed: Split" in capsys.readouterr().err
