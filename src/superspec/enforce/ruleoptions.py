"""The base of every rule's options model (pydantic). ``superspec.enforce.rule`` re-exports it;
it lives apart so that running the built-in rules does not import pydantic (``plainvalues``).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class RuleOptions(BaseModel):
    """Base of a rule's options: camelCase keys in YAML, unknown keys rejected, immutable.

    ``plain``: the rule reads nothing of its options but the fields' values, so the validated
    values (``model_dump()``) can stand in for the model. The built-in rules' models set it; a
    run then hands those rules ``PlainValues``, and an unchanged spec's next run takes them from
    the rules memo without importing pydantic."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, frozen=True
    )
    plain: ClassVar[bool] = False
