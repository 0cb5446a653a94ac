"""Escaping filters: the only way a spec value reaches a generated file.

- ``groovy_str``: a single-quoted (non-interpolating) Groovy literal; backslash, quote and every
  control character are escaped, so ``${...}``, ``'''`` or a newline stay inert data.
- ``to_yaml`` / ``yaml_scalar``: YAML from one quoting emitter (yamlout), never pasted text.
- ``shell_quote``: one word for a POSIX shell (``shlex.quote``).
"""

from __future__ import annotations

import shlex
import unicodedata
from functools import lru_cache
from typing import Any

from superspec.render import yamlout

_GROOVY_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


@lru_cache(maxsize=8192)
def groovy_str(value: object) -> str:
    """``value`` as a single-quoted Groovy string literal (no interpolation happens inside)."""
    text = str(value)
    if text.isprintable() and "'" not in text and "\\" not in text:
        return "'" + text + "'"  # nothing to escape (isprintable: no control/format chars)
    out = []
    for char in text:
        escaped = _GROOVY_ESCAPES.get(char)
        if escaped is not None:
            out.append(escaped)
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else "?")
        else:
            out.append(char)
    return "'" + "".join(out) + "'"


def groovy_comment(value: object) -> str:
    """Text safe inside a ``//`` comment line: control characters become '?'."""
    return _one_line(str(value))


def yaml_comment(value: object) -> str:
    """Text safe inside a ``#`` comment line."""
    return _one_line(str(value))


def _one_line(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(
        "?" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") else c for c in text
    )


def to_yaml(value: Any) -> str:
    """A YAML document for ``value`` (block style, keys in the order given): see yamlout."""
    return yamlout.dump(value)


def yaml_scalar(value: Any) -> str:
    """One YAML scalar (quoted when needed), for use inside a hand-written YAML template."""
    return yamlout.dump(value).rstrip("\n")


def shell_quote(value: object) -> str:
    """One word for a POSIX shell: the shell sees exactly ``value``."""
    return shlex.quote(str(value))


FILTERS = {
    "groovy_str": groovy_str,
    "groovy_comment": groovy_comment,
    "yaml_comment": yaml_comment,
    "to_yaml": to_yaml,
    "yaml": yaml_scalar,
    "shell_quote": shell_quote,
}
