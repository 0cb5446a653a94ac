"""The pieces every spec model shares: the strict base model and the checked scalar types."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel


def _whole(value: Any) -> Any:
    """``8080.0`` is the integer 8080 (JSON Schema's ``integer`` accepts it); anything else is
    left to the strict check (``"8080"``, ``true`` and ``1.5`` are not integers)."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


Int = Annotated[int, BeforeValidator(_whole)]
# constraints inside the Annotated, so that the JSON Schema carries them as it should
PositiveInt = Annotated[int, Field(gt=0), BeforeValidator(_whole)]
Port = Annotated[int, Field(gt=0, lt=65536), BeforeValidator(_whole)]
Weight = Annotated[int, Field(ge=0, le=100), BeforeValidator(_whole)]


class Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, frozen=True, strict=True
    )


SECRET_NAME = r"[A-Za-z_][A-Za-z0-9_]*"  # an environment variable name (whole string)


def _secret_pattern(schema: dict[str, Any]) -> None:
    """The JSON Schema says what ``secret_names`` checks."""
    schema["items"]["pattern"] = f"^{SECRET_NAME}$"


def secret_names(names: list[str]) -> list[str]:
    bad = [n for n in names if not re.fullmatch(SECRET_NAME, n)]
    if bad:
        raise ValueError(f"secret names must be environment variable names, got {bad}")
    return names


# names of secrets (environment variable names); values never appear in a spec
SecretNames = Annotated[list[str], Field(json_schema_extra=_secret_pattern),
                        AfterValidator(secret_names)]


