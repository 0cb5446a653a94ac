"""Splitting a script into statements, each with the line it starts on.

SQLite: a statement ends at the first ``;`` where ``sqlite3.complete_statement`` says it is
complete (it knows strings, comments and trigger bodies). PostgreSQL: a small lexer in the
manner of psql's: ``'...'`` (``E'...'`` with backslash escapes), ``"..."``, ``$tag$...$tag$``,
``--`` and nested ``/* */`` comments, parentheses, and ``BEGIN ATOMIC ... END`` bodies of
``CREATE [OR REPLACE] FUNCTION|PROCEDURE`` (the heuristic psql uses).
"""

from __future__ import annotations

import bisect
import re
import sqlite3
from dataclasses import dataclass

from superspec.db.errors import StatementError

_WORD = re.compile(r"[A-Za-z_\u0080-\U0010ffff][A-Za-z_0-9$\u0080-\U0010ffff]*")
_DOLLAR = re.compile(r"\$(?:[A-Za-z_\u0080-\U0010ffff][A-Za-z_0-9\u0080-\U0010ffff]*)?\$")
_NUMBER = re.compile(r"[0-9][0-9A-Za-z_.]*")
_TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "END", "ROLLBACK", "ABORT", "START"}
_ROUTINES = ("function", "procedure")


@dataclass(frozen=True)
class Statement:
    """One statement: its text (first token through its ``;``) and where it starts."""

    text: str
    offset: int  # index of text[0] in the script
    line: int  # 1-based line of text[0]

    def line_at(self, position: int) -> int:
        """The script line of the 1-based character ``position`` in ``text`` (a server's
        error position)."""
        position = min(max(position, 1), len(self.text))
        return self.line + self.text.count("\n", 0, position - 1)


class _Lines:
    def __init__(self, text: str) -> None:
        self._newlines = [i for i, char in enumerate(text) if char == "\n"]

    def line_of(self, index: int) -> int:
        return bisect.bisect_left(self._newlines, index) + 1


def _skip_trivia(text: str, i: int, end: int, nested: bool) -> int:
    """The index of the first character at or after ``i`` that is not space or a comment."""
    while i < end:
        if text[i].isspace():
            i += 1
        elif text.startswith("--", i):
            newline = text.find("\n", i)
            i = end if newline < 0 else newline + 1
        elif text.startswith("/*", i):
            i = _skip_block_comment(text, i, nested)
        else:
            break
    return min(i, end)


def _skip_block_comment(text: str, i: int, nested: bool) -> int:
    """From ``/*`` at ``i`` to after its ``*/`` (PostgreSQL nests comments, SQLite does not)."""
    depth = 0
    while i < len(text):
        if text.startswith("/*", i) and (nested or depth == 0):
            depth, i = depth + 1, i + 2
        elif text.startswith("*/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    return len(text)


def _add(out: list[Statement], text: str, lines: _Lines, start: int, end: int,
         nested: bool) -> None:
    first = _skip_trivia(text, start, end, nested)
    body = text[first:end]
    if body.strip() in ("", ";"):
        return
    out.append(Statement(body, first, lines.line_of(first)))


def split_sqlite(text: str) -> list[Statement]:
    """The statements of an SQLite script, split with ``sqlite3.complete_statement``."""
    lines = _Lines(text)
    out: list[Statement] = []
    start = search = 0
    while (semicolon := text.find(";", search)) >= 0:
        search = semicolon + 1
        if sqlite3.complete_statement(text[start:search]):
            _add(out, text, lines, start, search, nested=False)
            start = search
    _add(out, text, lines, start, len(text), nested=False)
    return out


def _skip_quoted(text: str, i: int, quote: str, backslash: bool = False) -> int:
    """From the opening quote at ``i`` to after its closing one (doubled quotes escape)."""
    i += 1
    while i < len(text):
        char = text[i]
        if backslash and char == "\\":
            i += 2
        elif char == quote:
            if text.startswith(quote, i + 1):
                i += 2
            else:
                return i + 1
        else:
            i += 1
    return len(text)


def _in_routine(words: list[str]) -> bool:
    """CREATE [OR REPLACE] FUNCTION|PROCEDURE: the statements whose BEGIN ... END psql tracks."""
    head = words[:4]
    return head[:1] == ["create"] and (
        head[1:2] in (["function"], ["procedure"])
        or (head[1:3] == ["or", "replace"] and len(head) == 4 and head[3] in _ROUTINES))


def split_postgres(text: str) -> list[Statement]:
    """The statements of a PostgreSQL script (see the module's docstring)."""
    lines = _Lines(text)
    out: list[Statement] = []
    start = i = parens = depth = 0
    words: list[str] = []
    end = len(text)
    while i < end:
        char = text[i]
        if text.startswith("--", i):
            newline = text.find("\n", i)
            i = end if newline < 0 else newline + 1
        elif text.startswith("/*", i):
            i = _skip_block_comment(text, i, nested=True)
        elif char in "'\"":
            i = _skip_quoted(text, i, char)
        elif char == "$" and (match := _DOLLAR.match(text, i)):
            close = text.find(match.group(), match.end())
            i = end if close < 0 else close + len(match.group())
        elif char == "(":
            parens, i = parens + 1, i + 1
        elif char == ")":
            parens, i = max(parens - 1, 0), i + 1
        elif char == ";" and parens == 0 and depth == 0:
            _add(out, text, lines, start, i + 1, nested=True)
            start = i = i + 1
            words, depth = [], 0
        elif (match := _WORD.match(text, i)) is not None:
            word = match.group().lower()
            i = match.end()
            if word == "e" and text.startswith("'", i):
                i = _skip_quoted(text, i, "'", backslash=True)
                continue
            if len(words) < 4:  # the head of the statement is all _in_routine looks at
                words.append(word)
            if parens == 0 and _in_routine(words):
                if word == "begin" or (word == "case" and depth >= 1):
                    depth += 1
                elif word == "end" and depth > 0:
                    depth -= 1
        elif (match := _NUMBER.match(text, i)) is not None:
            i = match.end()
        else:
            i += 1
    _add(out, text, lines, start, end, nested=True)
    return out


def check_transaction_control(statements: list[Statement]) -> None:
    """Refuse BEGIN/COMMIT/ROLLBACK/END in a script: every script runs in its own transaction,
    and a script that commits half-way could not be rolled back."""
    for statement in statements:
        match = _WORD.match(statement.text)
        if match is None:
            continue
        word = match.group().upper()
        rest = statement.text[match.end():].lstrip().upper()
        if word == "ROLLBACK" and re.match(r"(TRANSACTION\s+|WORK\s+)?TO\b", rest):
            continue  # ROLLBACK TO SAVEPOINT stays inside the transaction
        if word == "START" and not rest.startswith("TRANSACTION"):
            continue
        if word in _TRANSACTION_CONTROL:
            raise StatementError(
                statement.line,
                f"{word} controls the transaction; scripts must not: every script runs in its "
                f"own transaction, committed with its history row")
