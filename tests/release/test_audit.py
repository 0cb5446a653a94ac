"""The audit log survives a writer killed mid-line: the cut line is left out of `superspec audit`,
and the next event is not swallowed by it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from superspec.release.audit import Audit, audit_path
from tests.helpers import run_cli


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SUPERSPEC_DATA_DIR", str(tmp_path))
    return tmp_path


def test_a_line_cut_short_neither_breaks_audit_nor_swallows_the_next(
        data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = Audit("test", "shop", [])
    log.event("started", version="v2")
    with audit_path("test").open("a") as handle:  # a runner killed while writing "step"
        handle.write('{"environment": "test", "event": "st')
    log.event("rolled-back", reason="killed")
    with audit_path("test").open("a") as handle:  # neither JSON nor an event
        handle.write('[1, 2]\n{"note": "not an event"}\n\xff\xfe\n')

    run = run_cli(capsys, "audit", "--env", "test", "--format", "json")
    assert run.code == 0, run.err
    assert [(e["event"], e.get("version"), e.get("reason")) for e in json.loads(run.out)] == [
        ("started", "v2", None), ("rolled-back", None, "killed")]
    text = run_cli(capsys, "audit", "--env", "test")
    assert text.code == 0 and len(text.out.splitlines()) == 2, text.out

