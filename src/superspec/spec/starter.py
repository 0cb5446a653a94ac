"""The starter spec `superspec init` writes: build tool detected from the project's files."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from superspec.spec.names import RESOURCE_NAME

# first match wins: (file in the project root, build tool)
TOOL_MARKERS = (
    ("pom.xml", "maven"),
    ("build.gradle", "gradle"),
    ("build.gradle.kts", "gradle"),
    ("pyproject.toml", "python"),
    ("setup.py", "python"),
    ("requirements.txt", "python"),
    ("package.json", "npm"),
    ("go.mod", "go"),
)


def detect_tool(project_dir: Path) -> tuple[str, str | None]:
    """The build tool and the file that told us (None when nothing matched: 'custom')."""
    for marker, tool in TOOL_MARKERS:
        if (project_dir / marker).is_file():
            return tool, marker
    return "custom", None


def project_name(name: str) -> str:
    """``name`` as a valid project name (it names locks, environments and jobs): unchanged when
    it is one already, else a slug: accents dropped, lower case, each run of other characters
    one '-' ("My Project" -> "my-project", "Über Café" -> "uber-cafe")."""
    if RESOURCE_NAME.fullmatch(name):
        return name
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9._-]+", "-", ascii_text.lower())
    slug = re.sub(r"^[^a-z0-9]+|[^a-z0-9]+$", "", slug)
    return slug or "project"


def starter_spec(name: str, tool: str, extends: str | None = None) -> str:
    """A small, valid project layer named ``project_name(name)``. Values are JSON-quoted, which
    YAML reads verbatim."""
    q = json.dumps
    lines = [
        "# superspec project layer: `superspec validate` checks it, `superspec explain` shows",
        "# where every effective value comes from, `superspec generate` writes the CI files.",
        "superspec: 1",
        "kind: project",
        f"name: {q(project_name(name))}",
    ]
    if extends:
        lines.append(f"extends: {q(extends)}")
    lines += ["", "build:", f"  tool: {tool}"]
    if tool == "custom":
        lines += ["  commands:", '    build: "make"', '    test: "make test"']
    lines += [
        "",
        "pipeline:",
        "  stages:              # an ordered mapping: stage id -> options",
        "    build: {}",
        "    test: {}",
        "",
    ]
    return "\n".join(lines)
