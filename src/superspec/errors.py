"""One exception tree for superspec. Core code raises these; the CLI turns them into exit codes.

Exit codes (the full table lives in docs/exit-codes.md):
  0 ok, 1 user/spec/rule failure, 2 usage, 3 unexpected bug, 130 interrupted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where a value came from: file, line (1-based), column, the layer and the dotted key."""

    file: str
    line: int | None = None
    column: int | None = None
    layer: str | None = None  # e.g. "project payments-api"
    key: str | None = None  # dotted path, e.g. "environments.prod.approval"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        parts = [where]
        if self.layer:
            parts.append(f"[{self.layer}]")
        if self.key:
            parts.append(self.key)
        return " ".join(parts)


class SuperspecError(Exception):
    """Base class: a failure the user can act on. ``exit_code`` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str, *, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"

    def lines(self) -> list[str]:
        """The messages to show, one per problem."""
        return [str(self)]


class SpecError(SuperspecError):
    """The spec (one layer or the merged result) is invalid. May carry several problems at once."""

    def __init__(
        self, problems: Sequence[SuperspecError] | str, *, location: Location | None = None
    ) -> None:
        if isinstance(problems, str):
            super().__init__(problems, location=location)
            self.problems: list[SuperspecError] = [SuperspecError(problems, location=location)]
        else:
            super().__init__("; ".join(str(p) for p in problems))
            self.problems = list(problems)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        return [line for p in self.problems for line in SuperspecError.lines(p)]


class InputError(SuperspecError):
    """A file other than the spec (POM, lock file, archive, params) is missing or malformed."""


class RuleFailure(SuperspecError):
    """A runner finished and the verdict is 'fail' (e.g. an enforce rule at level error)."""


class UsageError(SuperspecError):
    """The command line itself is wrong."""

    exit_code = 2
