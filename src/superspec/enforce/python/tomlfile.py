"""Read a TOML file; syntax errors become located InputErrors (file:line:column)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from superspec.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{display(path)}: cannot read: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if m:
            message = message[: m.start()]
            raise InputError(f"{display(path)}:{m.group(1)}:{m.group(2)}: invalid TOML: "
                             f"{message}") from None
        raise InputError(f"{display(path)}: invalid TOML: {message}") from None


def line_of(path: Path, needle: str) -> int | None:
    """The first line containing ``needle`` (TOML parsers keep no positions)."""
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if needle in line:
                return number
    except (OSError, UnicodeDecodeError):
        return None
    return None


def bad(path: Path, what: str, needle: str | None = None) -> InputError:
    line = line_of(path, needle) if needle else None
    where = display(path) + (f":{line}" if line else "")
    return InputError(f"{where}: {what}")
