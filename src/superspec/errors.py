"""One exception tree for superspec. Core code raises these; the CLI turns them into exit codes.

Exit codes (the full table lives in docs/exit-codes.md):
  0 ok, 1 user/spec/rule failure, 2 usage, 3 unexpected bug, 130 interrupted.
"""

from __future__ import annotations

from collections.abc import Sequence

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


class Location:
    """Where a value came from: file, line (1-based), column, the layer and the dotted key.
    Immutable, equal when every field is. (A plain class: a dataclass would import dataclasses
    and inspect, ~5 ms of every command's start.)"""

    __slots__ = ("file", "line", "column", "layer", "key")
    file: str
    line: int | None
    column: int | None
    layer: str | None  # e.g. "project payments-api"
    key: str | None  # dotted path, e.g. "environments.prod.approval"

    def __init__(self, file: str, line: int | None = None, column: int | None = None,
                 layer: str | None = None, key: str | None = None) -> None:
        init = object.__setattr__
        init(self, "file", file)
        init(self, "line", line)
        init(self, "column", column)
        init(self, "layer", layer)
        init(self, "key", key)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __reduce__(self) -> tuple[type[Location], tuple[object, ...]]:
        """Pickled and copied by its fields (a fleet's workers send errors back)."""
        return (Location, self.fields())

    def fields(self) -> tuple[str, int | None, int | None, str | None, str | None]:
        return (self.file, self.line, self.column, self.layer, self.key)

    def replace(self, *, file: str) -> Location:
        """The same location in another file."""
        return Location(file, self.line, self.column, self.layer, self.key)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self.fields() == other.fields()

    def __hash__(self) -> int:
        return hash(self.fields())

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={value!r}" for name, value in
                           zip(self.__slots__, self.fields(), strict=True))
        return f"Location({values})"

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
