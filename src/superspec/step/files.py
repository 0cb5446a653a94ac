"""Where a step's messages go: beside the params file unless told otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Outputs:
    """Where a step writes its result and error messages."""

    result: Path
    error: Path

    @classmethod
    def beside(cls, params_file: Path, result: Path | None = None,
               error: Path | None = None) -> Outputs:
        """Defaults next to the params file: ``X.json`` -> ``X.result.json`` / ``X.error.json``."""
        stem = params_file.name.removesuffix(".json")
        return cls(
            result or params_file.with_name(f"{stem}.result.json"),
            error or params_file.with_name(f"{stem}.error.json"),
        )
