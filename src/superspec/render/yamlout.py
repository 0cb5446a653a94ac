"""A small, deterministic YAML emitter for what superspec generates (mappings, lists, strings,
numbers, booleans, null).

Why not PyYAML's dump? Its two emitters (libyaml and pure Python) write different bytes for
some strings (non-BMP characters, U+2028, empty keys), so output would depend on how PyYAML was
built. Here every scalar goes through one quoting function: plain only when PyYAML's own
resolver reads it back as the same string and it holds no indicator characters; else
single-quoted when every character is shown as itself (``shown_as_is``); else double-quoted with
every other character escaped. tests/generate/test_filters.py and test_codepoints.py round-trip
hostile strings through PyYAML's loaders.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import yaml

from superspec.errors import SpecError

# plain scalars: a safe first character, then printable ASCII; ": " and " #" are refused below
_PLAIN = re.compile(r"[A-Za-z0-9_./$(][\x20-\x7e]*")  # used with fullmatch
_RESOLVER = yaml.resolver.Resolver()
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0",
            "\x07": "\\a", "\b": "\\b", "\x0b": "\\v", "\f": "\\f", "\x1b": "\\e"}


@lru_cache(maxsize=8192)
def scalar(text: str) -> str:
    """``text`` as one YAML scalar that every YAML 1.1/1.2 loader reads back unchanged."""
    if (_PLAIN.fullmatch(text) and ": " not in text and " #" not in text
            and not text.endswith((" ", ":"))
            and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
            == "tag:yaml.org,2002:str"):
        return text
    if all_shown_as_is(text):
        return "'" + text.replace("'", "''") + "'"
    out = []
    for char in text:
        escaped = _ESCAPES.get(char)
        if escaped is None and not shown_as_is(char):
            code = ord(refuse_surrogate(char, text))
            escaped = (f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        out.append(escaped or char)
    return '"' + "".join(out) + '"'


_UCD_3_2 = unicodedata.ucd_3_2_0  # frozen: the same table in every Python version
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})  # what isprintable() refuses


@lru_cache(maxsize=4096)
def shown_as_is(char: str) -> bool:
    """Whether generated files (YAML and Groovy alike) hold ``char`` as itself, not escaped.

    Yes for printable ASCII (space included) and for BMP characters printable in Unicode 3.2
    (except U+00AD, a format character since Unicode 4.0). The table is the one every Python
    ships, so output does not change with the Python version's Unicode database (characters
    assigned later, emoji among them, are always escaped). No for every control, format,
    separator, private-use, unassigned or surrogate code point and for everything beyond the
    BMP: those are escaped, so no invisible character reaches a generated file.
    """
    if char.isascii():
        return char.isprintable()
    return (ord(char) <= 0xFFFF and char != "\xad"
            and _UCD_3_2.category(char) not in _HIDDEN)


def all_shown_as_is(text: str) -> bool:
    """``shown_as_is`` for every character of ``text``."""
    if text.isascii():
        return text.isprintable()
    return all(shown_as_is(char) for char in text)


def refuse_surrogate(char: str, text: str) -> str:
    """``char``, unless it is a lone surrogate: no file format superspec writes can hold one
    (it is not a character: libyaml, as GitLab reads YAML, refuses even its escape)."""
    if 0xD800 <= ord(char) <= 0xDFFF:
        raise SpecError(f"cannot write {excerpt(text)} to a generated file: U+{ord(char):04X} "
                        "is a lone surrogate, not a character")
    return char


def excerpt(text: str) -> str:
    """The start of ``text`` for an error message."""
    return repr(text) if len(text) <= 60 else repr(text[:57]) + "..."


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return scalar(value)
    raise TypeError(f"cannot emit {type(value).__name__} as YAML")


def _lines(value: Any, indent: str, out: list[str]) -> None:
    """Block content of a mapping or list (the caller wrote the key or dash)."""
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{indent}{scalar(str(key))}:"
            _item(head, item, indent, out, nested_indent=indent + "  ")
    else:
        for item in value:
            if isinstance(item, dict) and item:
                first = True
                for key, sub in item.items():
                    prefix = f"{indent}- " if first else f"{indent}  "
                    first = False
                    _item(f"{prefix}{scalar(str(key))}:", sub, indent + "  ", out,
                          nested_indent=indent + "    ")
            else:
                _item(f"{indent}-", item, indent, out, nested_indent=indent + "  ")


def _item(head: str, value: Any, indent: str, out: list[str], nested_indent: str) -> None:
    if isinstance(value, dict) and value:
        out.append(head)
        _lines(value, nested_indent, out)
    elif isinstance(value, list) and value:
        out.append(head)
        # lists under a mapping key are written "indentless" (as PyYAML does)
        _lines(value, nested_indent if head.endswith("-") else indent, out)
    elif isinstance(value, (dict, list)):
        out.append(f"{head} {{}}" if isinstance(value, dict) else f"{head} []")
    else:
        out.append(f"{head} {_value(value)}")


def dump(value: Any) -> str:
    """A block-style YAML document for a mapping or list (keys in the order given)."""
    if not isinstance(value, (dict, list)):
        return _value(value) + "\n"
    out: list[str] = []
    _lines(value, "", out)
    return "\n".join(out) + "\n"
