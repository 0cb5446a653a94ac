"""Escaping filters: the only way a spec value reaches a generated file.

- ``groovy_str``: a single-quoted (non-interpolating) Groovy literal; backslash, quote and every
  character ``yamlout.shown_as_is`` does not show as itself are escaped, so ``${...}``, ``'''``
  or a newline stay inert data.
- ``to_yaml`` / ``yaml_scalar``: YAML from one quoting emitter (yamlout), never pasted text.
- ``groovy_comment`` / ``yaml_comment``: percent-encoded printable ASCII (``comment_text``).
- ``shell_quote``: one word for a POSIX shell (``shlex.quote``).

Both literals escape the same characters (every control, format, separator, private-use and
unassigned code point, and everything beyond the BMP) and read back as exactly the string given.
Two code points cannot be written: a lone surrogate (in neither target) and U+FFFF (Groovy 2.4
takes it for the end of the file, escaped or not); both are refused with an error.
"""

from __future__ import annotations

import shlex
from functools import lru_cache
from typing import Any

from superspec.errors import SpecError
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
    if "'" not in text and "\\" not in text and yamlout.all_shown_as_is(text):
        return "'" + text + "'"  # nothing to escape
    return "'" + "".join(_groovy_char(char, text) for char in text) + "'"


def _groovy_char(char: str, text: str) -> str:
    """One character of a single-quoted Groovy literal: ``\\uXXXX`` for anything not shown
    as itself (a UTF-16 surrogate pair beyond the BMP, as Java strings hold it). Groovy decodes
    these escapes before it parses, so they may only stand for characters that are harmless
    raw inside the quotes; newline, carriage return, quote and backslash never are and have
    their own escapes."""
    escaped = _GROOVY_ESCAPES.get(char)
    if escaped is not None:
        return escaped
    if yamlout.shown_as_is(char):
        return char
    code = ord(yamlout.refuse_surrogate(char, text))
    if code == 0xFFFF:
        raise SpecError(f"cannot write {yamlout.excerpt(text)} to a Jenkinsfile: Groovy reads "
                        "U+FFFF as the end of the file")
    if code > 0xFFFF:
        high, low = divmod(code - 0x10000, 0x400)
        return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"
    return f"\\u{code:04x}"


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
    if _COMMENT_SAFE.issuperset(text):
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
