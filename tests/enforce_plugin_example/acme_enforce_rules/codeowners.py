"""requireCodeowners: every project names its owners in a CODEOWNERS file, and an owner from the
company's list owns the whole repository (``*``)."""

from __future__ import annotations

from superspec.enforce.model import Violation
from superspec.enforce.rule import RuleContext, RuleOptions


class RequireCodeowners:
    id = "requireCodeowners"

    class Options(RuleOptions):
        owners: list[str]  # at least one of these must own "*"
        path: str = "CODEOWNERS"

    def check(self, context: RuleContext) -> list[Violation]:
        file = context.project_dir / context.options.path
        context.record_input(file)  # the result cache re-checks when it changes
        if not file.is_file():
            return [context.violation(f"{context.options.path} is missing")]
        for line in file.read_text().splitlines():
            parts = line.split()
            if parts and parts[0] == "*" and set(parts[1:]) & set(context.options.owners):
                return []
        return [context.violation(f"no owner of '*' in {context.options.path} is one of "
                                  f"{', '.join(context.options.owners)}")]


class Exploding:
    """A rule with a bug: it raises while checking."""

    id = "acmeExplodingRule"

    class Options(RuleOptions):
        pass

    def check(self, context: RuleContext) -> list[Violation]:
        raise ZeroDivisionError("division by zero")
