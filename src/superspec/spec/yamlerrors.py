"""PyYAML's errors as one line each: ``line N, column M: problem``.

PyYAML formats an error over several lines (the context, the problem, and under each a line
``in "<unicode string>", line N, column M``). superspec prints one line per problem, so the marks
become a ``line N, column M`` prefix (1-based) and the context a parenthesised note.
"""

from __future__ import annotations

import yaml


def yaml_problem(exc: yaml.YAMLError, text: str | None = None) -> str:
    """One line describing ``exc``; ``text`` (what was parsed) turns a reader error's character
    position into a line and column."""
    if isinstance(exc, yaml.MarkedYAMLError):
        return _marked(exc)
    if isinstance(exc, yaml.reader.ReaderError):
        problem = str(exc).split("\n", 1)[0]
        return f"{_position(exc.position, text)}: {problem}"
    return " ".join(str(exc).split())


def _marked(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or exc.context or "invalid YAML"
    mark = exc.problem_mark or exc.context_mark
    message = f"{_at(mark)}: {problem}" if mark is not None else problem
    if exc.problem and exc.context:
        context = exc.context
        if exc.context_mark is not None and not _same(exc.context_mark, exc.problem_mark):
            context += f" at {_at(exc.context_mark)}"
        message += f" ({context})"
    return message


def _at(mark: yaml.Mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _same(a: yaml.Mark, b: yaml.Mark | None) -> bool:
    return b is not None and (a.line, a.column) == (b.line, b.column)


def _position(position: int, text: str | None) -> str:
    if text is None or not 0 <= position <= len(text):
        return f"character {position + 1}"
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return f"line {line}, column {column}"
