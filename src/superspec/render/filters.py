"""Escaping filters: the only way a spec value reaches a generated file.

- ``groovy_str``: a single-quoted (non-interpolating) Groovy literal; backslash, quote and every
  control character are escaped, so ``${...}``, ``'''`` or a newline stay inert data.
- ``to_yaml`` / ``yaml_scalar``: YAML produced by PyYAML's emitter, never by pasting text.
- ``shell_quote``: one word for a POSIX shell (``shlex.quote``).
"""

from __future__ import annotations

import shlex
import unicodedata
from typing import Any

import yaml

_GROOVY_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


def groovy_str(value: object) -> str:
    """``value`` as a single-quoted Groovy string literal (no interpolation happens inside)."""
    out = []
    for char in str(value):
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
    return "".join(
        "?" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") else c for c in text
    )


class _Dumper(yaml.SafeDumper):
    """The pure-Python emitter: the same bytes on every machine, with or without libyaml."""


def _no_aliases(self: Any, data: Any) -> bool:
    return True


_Dumper.ignore_aliases = _no_aliases  # type: ignore[method-assign]


def to_yaml(value: Any) -> str:
    """A YAML document for ``value`` (block style, keys in the order given, no line folding)."""
    text: str = yaml.dump(
        value, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
        allow_unicode=True, width=2**31 - 1,
    )
    return text


def yaml_scalar(value: Any) -> str:
    """One YAML flow scalar (quoted when needed), for use inside a hand-written YAML template."""
    text: str = yaml.dump(
        value, Dumper=_Dumper, default_flow_style=True, allow_unicode=True, width=2**31 - 1
    )
    if text.endswith("\n...\n"):
        text = text[: -len("\n...\n")]
    return text.rstrip("\n")


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
