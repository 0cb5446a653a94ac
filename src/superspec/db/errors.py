"""The errors of the database runner, on top of superspec's one exception tree."""

from __future__ import annotations

from collections.abc import Sequence

from superspec.errors import InputError, SuperspecError


class DatabaseError(SuperspecError):
    """The database (server or file) refused or failed: connection, lock, copy, drop (exit 1).

    Messages name the database without its password and never contain the password."""


class ScriptsRefused(InputError):
    """migrate refuses to run: scripts changed after they were applied, out of order, missing.

    One problem per script, each located at its file; ``str()`` gives one line per problem."""

    def __init__(self, problems: Sequence[SuperspecError]) -> None:
        super().__init__("; ".join(p.message for p in problems),
                         location=problems[0].location if problems else None)
        self.problems = list(problems)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        return [line for problem in self.problems for line in problem.lines()]


class StatementError(Exception):
    """A statement of a script failed: the 1-based line in the script and the engine's message.

    Raised by the engine adapters; the core turns it into an InputError located at the script."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message
