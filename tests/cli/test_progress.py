"""Progress lines: plain in CI logs and pipes, rich with the elapsed time on a terminal, and
never read as markup."""

from __future__ import annotations

import io
import re

import pytest

from superspec.cli.progress import say


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _quiet_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CI", "JENKINS_URL", "GITLAB_CI"):
        monkeypatch.delenv(name, raising=False)


def test_a_pipe_gets_the_plain_line(monkeypatch: pytest.MonkeyPatch) -> None:
    _quiet_ci(monkeypatch)
    out = io.StringIO()
    say("started 2 replica(s) of shop v1", out)
    assert out.getvalue() == "started 2 replica(s) of shop v1\n"


def test_a_terminal_gets_the_elapsed_time_and_no_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    _quiet_ci(monkeypatch)
    out = _Terminal()
    say("[bold red]shop[/] 10% on v2", out)
    text = out.getvalue()
    assert "\x1b[2m" in text  # the elapsed time is dimmed
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert re.fullmatch(r" *\d+\.\ds \[bold red\]shop\[/\] 10% on v2\n", plain), text


@pytest.mark.parametrize("variable", ["CI", "JENKINS_URL", "GITLAB_CI"])
def test_a_terminal_in_ci_gets_the_plain_line(monkeypatch: pytest.MonkeyPatch,
                                              variable: str) -> None:
    _quiet_ci(monkeypatch)
    monkeypatch.setenv(variable, "true")
    out = _Terminal()
    say("rolled back to v1", out)
    assert out.getvalue() == "rolled back to v1\n"
