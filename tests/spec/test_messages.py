"""Messages say each thing once and stay on one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli

HEAD = "superspec: 1\nkind: company\nname: x\n"
BODY = "build: {tool: python}\npipeline: {stages: {build: {}}}\n"


@pytest.mark.parametrize(("extra", "message"), [
    ("package: {secrets: [DB_PASS, 3x]}\n",
     "superspec.yaml:6 [company x] package.secrets: secret names must be environment variable "
     "names, got ['3x']"),
    ("app: {port: 99999}\n",
     "superspec.yaml:6 [company x] app.port: Input should be less than 65536 (got 99999)"),
])
def test_a_message_names_the_offending_value_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        extra: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "superspec.yaml").write_text(HEAD + BODY + extra)
    run = run_cli(capsys, "validate")
    assert run.code == 1
    assert run.err == f"error: {message}\n"


def test_a_yaml_reader_error_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "superspec.yaml").write_text("superspec: 1\nkind: company\nname: x\x07\n")
    run = run_cli(capsys, "validate")
    assert run.code == 1
    assert run.err == ("error: superspec.yaml: YAML error: line 3, column 8: unacceptable "
                       "character #x0007: control characters are not allowed\n")
