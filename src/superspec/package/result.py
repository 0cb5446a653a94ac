"""What packaging one environment produced (a leaf: archives and images both report it)."""

from __future__ import annotations

import os

from superspec.package.manifest import ChangedEntry
from superspec.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class PackageResult(Record):
    environment: str
    kind: str
    base: str
    base_sha256: str
    output: str
    manifest_file: str | None
    entries: list[ChangedEntry]
    image: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"environment": self.environment, "kind": self.kind, "base": self.base,
                "baseSha256": self.base_sha256, "output": self.output,
                "manifest": self.manifest_file, "entries": [e.to_json() for e in self.entries],
                **({"image": self.image} if self.image is not None else {})}


def source_epoch() -> int:
    """The timestamp of added entries: SOURCE_DATE_EPOCH, else 1980-01-01 (the zip epoch)."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(value) if value.isdigit() else 315532800


def result_lines(results: list[PackageResult], output_format: str) -> list[str]:
    """What ``superspec package`` prints on stdout: the results as JSON, or a line each."""
    if output_format == "json":
        import json

        return [json.dumps({"results": [r.to_json() for r in results]}, indent=2)]
    lines = []
    for result in results:
        changed = ", ".join(f"{e.path} ({e.action})" for e in result.entries)
        lines.append(f"{result.environment}: {result.output} <- {result.base} [{changed}]")
    return lines
