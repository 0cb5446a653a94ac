"""The validated values of a pydantic model, read as attributes, without the model.

``PlainValues`` holds what a model produced (``model_dump()``: the fields' values by field name)
and answers attribute reads as the model would: ``options.excludes``, ``params.stage``. The model
stays the one declaration of each field's type, default and checks; these values come either
from validating with it in this run, or from a signed memo of a run that validated exactly the
same input with exactly this code: a rule's options (``enforce.rulememo``), a step's params
(``step.paramsmemo``). A model opts in with ``plain = True``: whoever receives it reads nothing
of it but its fields' values. Stdlib only.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms
if TYPE_CHECKING:
    from typing import Any


class PlainValues:
    """Read-only attribute access to a model's validated values. Its own state is in underscore
    slots, which no model can declare as a field (pydantic keeps them private)."""

    __slots__ = ("_model", "_values")
    _model: str  # the model's "module:qualname", for messages
    _values: dict[str, Any]

    def __init__(self, model: str, values: dict[str, Any]) -> None:
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not a field (and not set yet while being copied)
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"{self._model} has no field {name!r}") from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{self._model} values are read-only")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainValues) and (self._model, self._values) == \
            (other._model, other._values)

    def __hash__(self) -> int:
        return hash(self._model)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"{self._model}({fields})"


# functions, not methods: every public attribute name is left to the model's fields

def model_name(values: PlainValues) -> str:
    """The model's ``module:qualname``."""
    return values._model


def as_dict(values: PlainValues) -> dict[str, Any]:
    return dict(values._values)


def values_of(instance: Any) -> PlainValues | None:
    """The values standing in for a validated model instance, when its model is ``plain`` and
    its values survive a JSON round trip unchanged (what the memos store); else None."""
    import json

    model = type(instance)
    if not getattr(model, "plain", False):
        return None
    values = instance.model_dump()
    try:
        if json.loads(json.dumps(values)) != values:
            return None
    except (TypeError, ValueError):  # a value JSON cannot hold
        return None
    return PlainValues(f"{model.__module__}:{model.__qualname__}", values)
