"""requireFilesExist: every listed file (relative to the project directory) exists."""

from __future__ import annotations

from superspec.enforce.model import Violation
from superspec.enforce.rule import RuleContext
from superspec.enforce.rules.optionsref import OptionsModel


class RequireFilesExist:
    id = "requireFilesExist"
    Options = OptionsModel("RequireFilesExistOptions")

    def check(self, context: RuleContext) -> list[Violation]:
        out = []
        for name in context.options.files:
            if not name:
                if not context.options.allow_nulls:
                    out.append(context.violation("an empty file name is not allowed "
                                                 "(set allowNulls: true to accept it)"))
                continue
            path = context.project_dir / name
            context.record_input(path)
            if not path.exists():
                out.append(context.violation(context.options.message
                                             or f"required file is missing: {name}"))
        return out
