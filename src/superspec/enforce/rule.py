"""The Rule protocol, the base of every rule's options model, and the context a rule checks.

A rule is a class (or object) with an ``id``, an ``Options`` pydantic model (unknown keys are
errors) and ``check(context) -> list[Violation]``. Built-in rules and company plugins are
registered the same way, through the ``superspec.rules`` entry-point group.

``RuleOptions`` (the options models' base, ``superspec.enforce.ruleoptions``) is imported from
here on first use only: this module, and with it the built-in rules, does not import pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from superspec.enforce.graph import Dependency, DependencyGraph
from superspec.enforce.model import Violation

if TYPE_CHECKING:
    from superspec.enforce.ruleoptions import RuleOptions
    from superspec.enforce.tools import ToolVersion
    from superspec.enforce.workspace import Workspace
else:
    def __getattr__(name: str) -> object:
        if name == "RuleOptions":
            from superspec.enforce.ruleoptions import RuleOptions

            return RuleOptions
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@runtime_checkable
class Rule(Protocol):
    id: ClassVar[str]
    Options: ClassVar[type[RuleOptions]]

    def check(self, context: RuleContext) -> list[Violation]: ...


@dataclass
class RuleContext:
    """What a rule sees: its id, level and validated options, plus the shared project workspace
    (dependency graphs and tool versions are loaded lazily, once per run, for all rules)."""

    rule_id: str
    level: str
    options: Any  # the rule's Options instance (PlainValues for a plain model)
    workspace: Workspace
    notes: list[str] = field(default_factory=list)

    @property
    def project_dir(self) -> Path:
        return self.workspace.project_dir

    @property
    def branch(self) -> str | None:
        return self.workspace.branch

    @property
    def build_tool(self) -> str:
        return self.workspace.build_tool

    def ecosystems(self) -> list[str]:
        """Ecosystems found in the project: "maven", "python", "npm"."""
        return self.workspace.ecosystems()

    def graphs(self) -> list[DependencyGraph]:
        """The dependency graph of every detected ecosystem (read once per run)."""
        found = self.workspace.ecosystems()
        if not found:
            self.note("no dependency data found (no pom.xml, Python lock file or environment, "
                      "or package-lock.json)")
        return [self.workspace.graph(e) for e in found]

    def graph(self, ecosystem: str) -> DependencyGraph:
        return self.workspace.graph(ecosystem)

    def tool_versions(self, names: list[str]) -> dict[str, ToolVersion]:
        """Installed versions of ``names`` (probed in parallel, cached by binary path+mtime)."""
        return self.workspace.tool_versions(names)

    def note(self, text: str) -> None:
        """Something the report should say about this rule's run (shown as its detail)."""
        self.notes.append(text)

    def record_input(self, path: Path) -> None:
        """Declare a file the verdict depends on, so the result cache notices when it changes."""
        self.workspace.inputs.add(Path(path))

    def violation(self, message: str, dependency: Dependency | None = None,
                  trail: str | None = None) -> Violation:
        if dependency is not None and trail is None:
            trail = dependency.trail()
        return Violation(self.rule_id, message, self.level, trail)
