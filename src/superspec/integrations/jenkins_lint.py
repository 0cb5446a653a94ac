"""The declarative linter's answers, located: job name, Jenkinsfile line and column, the line.

Jenkins' pipeline-model-converter answers ``{"error": "<message>"}`` per problem (a list of
messages when several share one object); Groovy's messages end in ``@ line L, column C.`` and
may start with ``WorkflowScript: L:``.
"""

from __future__ import annotations

import re
from typing import Any

_AT = re.compile(r"\s*@ line (?P<line>\d+), column (?P<column>\d+)\.?\s*$")
_PREFIX = re.compile(r"^WorkflowScript: (?P<line>\d+): ")


def messages(errors: list[Any]) -> list[str]:
    """The linter's error messages, flattened."""
    found: list[str] = []
    for error in errors:
        value = error.get("error", error) if isinstance(error, dict) else error
        values = value if isinstance(value, list) else [value]
        found += [str(v) for v in values]
    return found


def located(job: str, spec: str, jenkinsfile: str, errors: list[Any]) -> list[str]:
    """One line per problem: ``job: Jenkinsfile (generated from spec) line L, column C: message
    | text of the line``."""
    lines = jenkinsfile.splitlines()
    out = []
    for message in messages(errors):
        first = message.strip().splitlines()[0] if message.strip() else "(no message)"
        line = column = None
        at = _AT.search(first)
        if at:
            line, column = int(at.group("line")), int(at.group("column"))
            first = first[: at.start()]
        prefix = _PREFIX.match(first)
        if prefix:
            line = line or int(prefix.group("line"))
            first = first[prefix.end():]
        where = f"Jenkinsfile (generated from {spec})"
        if line is not None:
            where += f" line {line}" + (f", column {column}" if column is not None else "")
        text = ""
        if line is not None and 0 < line <= len(lines) and lines[line - 1].strip():
            text = f" | {lines[line - 1].strip()}"
        out.append(f"{job}: {where}: the server's linter says: {first.strip()}{text}")
    return out
