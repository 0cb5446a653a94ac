"""Just enough of a Groovy lexer to read a rendered Jenkinsfile's structure back.

Comments are dropped; string literals become one token holding their text (escapes decoded for
single-quoted strings, the only kind superspec writes); everything else is an identifier, a number
or one punctuation character. ``stage_blocks`` finds each ``stage('<id>') { ... }`` body, so the
checks in ``conformance`` look at what a stage really contains, not at comments or other stages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from superspec.errors import SpecError


@dataclass(frozen=True)
class Token:
    kind: str  # "name" | "string" | "punct"
    text: str


_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*|[0-9][0-9A-Za-z_.]*")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "\\": "\\", "'": "'",
            '"': '"', "$": "$"}


def tokens(text: str) -> list[Token]:
    """The tokens of ``text``; raises SpecError on an unterminated string or comment."""
    out: list[Token] = []
    i, size = 0, len(text)
    while i < size:
        char = text[i]
        if char.isspace():
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = size if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise SpecError("unterminated /* comment in the rendered Jenkinsfile")
            i = end + 2
        elif char in "'\"":
            quote = text[i:i + 3] if text.startswith(char * 3, i) else char
            value, i = _string(text, i + len(quote), quote)
            out.append(Token("string", value))
        else:
            match = _NAME.match(text, i)
            if match:
                out.append(Token("name", match.group()))
                i = match.end()
            else:
                out.append(Token("punct", char))
                i += 1
    return out


def _string(text: str, i: int, quote: str) -> tuple[str, int]:
    chars: list[str] = []
    while i < len(text):
        if text.startswith(quote, i):
            return "".join(chars), i + len(quote)
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2:i + 6]):
                chars.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
                continue
            chars.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        if char == "\n" and len(quote) == 1:
            break
        chars.append(char)
        i += 1
    raise SpecError("unterminated string literal in the rendered Jenkinsfile")


def stage_blocks(toks: list[Token]) -> dict[str, list[Token]]:
    """Stage id -> the tokens between the braces of ``stage('<id>') { ... }``."""
    blocks: dict[str, list[Token]] = {}
    i = 0
    while i < len(toks) - 4:
        if (toks[i] == Token("name", "stage") and toks[i + 1] == Token("punct", "(")
                and toks[i + 2].kind == "string" and toks[i + 3] == Token("punct", ")")
                and toks[i + 4] == Token("punct", "{")):
            end = _matching_brace(toks, i + 4)
            blocks.setdefault(toks[i + 2].text, toks[i + 5:end])
            i = end
        i += 1
    return blocks


def _matching_brace(toks: list[Token], start: int) -> int:
    depth = 0
    for index in range(start, len(toks)):
        if toks[index].kind == "punct" and toks[index].text in "{}":
            depth += 1 if toks[index].text == "{" else -1
            if depth == 0:
                return index
    raise SpecError("unbalanced braces in the rendered Jenkinsfile")


def calls(toks: list[Token], name: str) -> list[list[Token]]:
    """The argument tokens of every ``name(...)`` call in ``toks``."""
    found = []
    for index in range(len(toks) - 1):
        if toks[index] == Token("name", name) and toks[index + 1] == Token("punct", "("):
            depth, args = 0, []
            for tok in toks[index + 1:]:
                if tok.kind == "punct" and tok.text in "()":
                    depth += 1 if tok.text == "(" else -1
                    if depth == 0:
                        break
                args.append(tok)
            found.append(args[1:])
    return found
