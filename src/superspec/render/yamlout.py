"""A small, deterministic YAML emitter for what superspec generates (mappings, lists, strings,
numbers, booleans, null).

Why not PyYAML's dump? Its two emitters (libyaml and pure Python) write different bytes for
some strings (non-BMP characters, U+2028, empty keys), so output would depend on how PyYAML was
built. Here every scalar goes through one quoting function: plain only when PyYAML's own
resolver reads it back as the same string and it holds no indicator characters; else
single-quoted when printable; else double-quoted with every special character escaped.
tests/generate/test_filters.py round-trips hostile strings through PyYAML's loader.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

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
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    out = []
    for char in text:
        escaped = _ESCAPES.get(char)
        if escaped is None and not char.isprintable() and char != " ":
            code = ord(char)
            escaped = (f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        out.append(escaped or char)
    return '"' + "".join(out) + '"'


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
