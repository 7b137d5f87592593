"""The one line `anju` prints for what ends a command (unit tests of anju_cli.errors)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from anju_cli.errors import describe
from anju_common.cliargs import CliError, masked, output_file, output_folder


def test_a_refused_database_connection() -> None:
    with pytest.raises(psycopg.OperationalError) as caught:
        psycopg.connect("postgresql://postgres@127.0.0.1:1/x", connect_timeout=5)
    line, code = describe(caught.value)
    assert code == 1 and "\n" not in line
    assert line.startswith("cannot connect to the database:") and "Connection refused" in line


def test_a_bug_says_how_to_see_the_traceback() -> None:
    line, code = describe(ZeroDivisionError("division by zero"))
    assert code == 1 and "ZeroDivisionError" in line and "ANJU_DEBUG=1" in line


def test_a_file_that_cannot_be_written() -> None:
    line, code = describe(PermissionError(13, "Permission denied", "/srv/out.jsonl"))
    assert (line, code) == ("cannot use /srv/out.jsonl: Permission denied", 1)


def test_passwords_are_masked() -> None:
    assert masked("postgresql://anju:s3cret@db:5432/anju") == "postgresql://anju:***@db:5432/anju"
    assert masked("mqtt://127.0.0.1:1883") == "mqtt://127.0.0.1:1883"


def test_output_paths(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="is a folder"):
        output_file(tmp_path, "--out")
    with pytest.raises(CliError, match="does not exist"):
        output_file(tmp_path / "no" / "x.jsonl", "--out")
    assert output_file(tmp_path / "x.jsonl", "--out") and not (tmp_path / "x.jsonl").exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "a").write_text("a")
    with pytest.raises(CliError, match="--force"):
        output_folder(tmp_path / "full", "--out", force=False)
    assert output_folder(tmp_path / "full", "--out", force=True).is_dir()
    assert output_folder(tmp_path / "new" / "sub", "--out", force=False).is_dir()
