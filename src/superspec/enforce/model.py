"""Immutable values of an enforce run: violations, per-rule results and the report.

Formatting them (text, JSON, JUnit XML) lives in ``reports``; this module is stdlib only so a
cached run can rebuild a report without importing pydantic or rich.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STATUSES = ("pass", "fail", "skip", "error")


@dataclass(frozen=True)
class Violation:
    """One finding of one rule. ``trail`` is the dependency path that brought the offender in."""

    rule: str
    message: str
    level: str = "error"
    trail: str | None = None

    def text(self) -> str:
        """The message, then one ``  via <path>`` line per dependency path."""
        if not self.trail:
            return self.message
        return "\n".join([self.message, *(f"  via {t}" for t in self.trail.split("\n"))])

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "level": self.level, "message": self.message,
                "trail": self.trail}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Violation:
        return cls(data["rule"], data["message"], data["level"], data.get("trail"))


@dataclass(frozen=True)
class RuleResult:
    """The verdict of one rule: pass, fail (violations found), skip (onlyWhen) or error (the rule
    could not run: unreadable input, a plugin that raised). ``detail`` explains skip and error."""

    id: str
    level: str
    status: str
    violations: tuple[Violation, ...] = ()
    detail: str = ""

    @property
    def failing(self) -> bool:
        """Whether this result fails the run: a fail at level error, or any error."""
        return self.status == "error" or (self.status == "fail" and self.level == "error")

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "level": self.level, "status": self.status,
                "detail": self.detail, "violations": [v.to_json() for v in self.violations]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RuleResult:
        return cls(data["id"], data["level"], data["status"],
                   tuple(Violation.from_json(v) for v in data["violations"]), data["detail"])


@dataclass(frozen=True)
class EnforceReport:
    """Every rule's result, in the spec's rule order. ``passed``: no error-level failure."""

    project: str
    branch: str | None
    rule_results: tuple[RuleResult, ...]
    cached: bool = False
    warnings: tuple[str, ...] = ()  # what the readers warned about (a dependency POM missing)

    @property
    def passed(self) -> bool:
        return not any(r.failing for r in self.rule_results)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for r in self.rule_results:
            out[r.status] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {"project": self.project, "branch": self.branch, "passed": self.passed,
                "cached": self.cached, "counts": self.counts(),
                "rules": [r.to_json() for r in self.rule_results], "warnings": list(self.warnings)}

    @classmethod
    def from_json(cls, data: dict[str, Any], *, cached: bool = False) -> EnforceReport:
        return cls(data["project"], data["branch"],
                   tuple(RuleResult.from_json(r) for r in data["rules"]), cached,
                   tuple(data.get("warnings", ())))
