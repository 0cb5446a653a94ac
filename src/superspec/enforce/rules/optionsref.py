"""``Options`` of a built-in rule: its model in ``superspec.enforce.rules.options``, imported when
first read (to validate a spec's options), so that running the rule does not import pydantic."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.enforce.ruleoptions import RuleOptions

MODULE = "superspec.enforce.rules.options"


class OptionsModel:
    """A class attribute that reads as the options model named ``name``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> type[RuleOptions]:
        from superspec.enforce.rules import options

        model: type[RuleOptions] = getattr(options, self.name)
        return model
