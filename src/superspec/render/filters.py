"""Escaping filters: the only way a spec value reaches a generated file.

- ``groovy_str``: a single-quoted (non-interpolating) Groovy literal; backslash, quote and every
  control character are escaped, so ``${...}``, ``'''`` or a newline stay inert data.
- ``to_yaml`` / ``yaml_scalar``: YAML from one quoting emitter (yamlout), never pasted text.
- ``groovy_comment`` / ``yaml_comment``: percent-encoded printable ASCII (``comment_text``).
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
    """Text safe inside a Groovy ``//`` comment line: see ``comment_text``.

    Groovy (like Java) turns ``\\uXXXX`` escapes into characters before it parses, comments
    included, so a backslash could end the comment and start code: it is percent-encoded.
    """
    return comment_text(value)


def yaml_comment(value: object) -> str:
    """Text safe inside a YAML ``#`` comment line: see ``comment_text`` (no line break of any
    kind, so neither ``\\n``, ``\\r``, U+0085, U+2028 nor U+2029 can end the comment)."""
    return comment_text(value)


_COMMENT_SAFE = frozenset(chr(c) for c in range(0x20, 0x7F)) - {"\\", "%"}


def comment_text(value: object) -> str:
    """``value`` percent-encoded for one comment line: ``%``, ``\\`` and every character
    outside printable ASCII (U+0020-U+007E) become ``%XX`` per UTF-8 byte (``\\`` -> ``%5C``,
    newline -> ``%0A``, U+2028 -> ``%E2%80%A8``). The result is printable ASCII without a
    backslash: no escape a parser interprets and no line break, so it cannot leave the comment.
    """
    text = str(value)
    if all(c in _COMMENT_SAFE for c in text):
        return text
    return "".join(c if c in _COMMENT_SAFE else "".join(f"%{b:02X}" for b in c.encode(
        "utf-8", "surrogatepass")) for c in text)


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
