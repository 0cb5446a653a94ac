"""A built-in rule's validated options without their pydantic model.

``OptionValues`` holds what the options model produced (``model_dump()``: the fields' values by
field name) and answers attribute reads as the model would: ``options.excludes``. The model stays
the one declaration of each option's type, default and checks; these values come either from
validating the spec's options with it in this run, or from the rules memo (``rulememo``) of a run
that validated exactly these settings with exactly this code. Stdlib only.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms
if TYPE_CHECKING:
    from typing import Any


class OptionValues:
    """Read-only attribute access to validated option values. Its own state is in underscore
    slots, which no options model can declare as a field (pydantic keeps them private)."""

    __slots__ = ("_model", "_values")
    _model: str  # the model's "module:qualname", for messages
    _values: dict[str, Any]

    def __init__(self, model: str, values: dict[str, Any]) -> None:
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not an option (and not set yet while being copied)
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"{self._model} has no option {name!r}") from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{self._model} options are read-only")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OptionValues) and (self._model, self._values) == \
            (other._model, other._values)

    def __hash__(self) -> int:
        return hash(self._model)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"{self._model}({fields})"


# functions, not methods: every public attribute name is left to the options

def model_name(options: OptionValues) -> str:
    """The options model's ``module:qualname``."""
    return options._model


def as_dict(options: OptionValues) -> dict[str, Any]:
    return dict(options._values)


def values_of(options: Any) -> OptionValues | None:
    """The values standing in for a validated options model, when the model is ``plain`` and
    its values survive a JSON round trip unchanged (what the rules memo stores); else None."""
    import json

    model = type(options)
    if not getattr(model, "plain", False):
        return None
    values = options.model_dump()
    try:
        if json.loads(json.dumps(values)) != values:
            return None
    except (TypeError, ValueError):  # a value JSON cannot hold
        return None
    return OptionValues(f"{model.__module__}:{model.__qualname__}", values)
