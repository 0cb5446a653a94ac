"""The package manifest: what was packaged from which base, for which environment.

It is written inside the artifact (entry ``superspec-package.json``) and beside it
(``<output>.superspec-package.json``). It holds digests and names only, never a value.
"""

from __future__ import annotations

import json

from superspec import __version__
from superspec.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from superspec.spec import EffectiveSpec

MANIFEST_ENTRY = "superspec-package.json"
FORMAT = 1


class ChangedEntry(Record):
    path: str
    action: str  # "replaced" or "added"
    template: str
    sha256: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "action": self.action, "template": self.template,
                "sha256": self.sha256, "size": self.size}


class Manifest(Record):
    environment: str
    environment_class: str
    app: str
    version: str | None
    base_kind: str
    base_name: str
    base_sha256: str
    spec_digest: str
    values_digest: str
    secrets: list[str]
    secret_style: str
    entries: list[ChangedEntry]
    manifest_entry: str = MANIFEST_ENTRY  # where it lies inside the artifact
    superspec_version: str = __version__

    @classmethod
    def for_env(cls, effective: EffectiveSpec, env: str, version: str | None, *, base_kind: str,
                base_name: str, base_sha256: str, entries: list[ChangedEntry],
                manifest_entry: str = MANIFEST_ENTRY) -> Manifest:
        """The manifest of one environment's package: what the spec says plus the base."""
        from superspec.package.specdata import env_values, package_spec, values_digest

        spec = package_spec(effective)
        return cls(
            environment=env, environment_class=spec.env_class(env), app=spec.name,
            version=version or spec.app["version"], base_kind=base_kind, base_name=base_name,
            base_sha256=base_sha256, spec_digest=effective.digest,
            values_digest=values_digest(env_values(effective, env)),
            secrets=spec.secrets, secret_style=spec.secret_style,
            entries=entries, manifest_entry=manifest_entry)

    def to_json(self) -> dict[str, Any]:
        return {
            "superspecPackage": FORMAT,
            "superspecVersion": self.superspec_version,
            "environment": self.environment,
            "environmentClass": self.environment_class,
            "app": {"name": self.app, "version": self.version},
            "base": {"kind": self.base_kind, "name": self.base_name, "sha256": self.base_sha256},
            "specDigest": self.spec_digest,
            "valuesDigest": self.values_digest,
            "secrets": {"names": self.secrets, "style": self.secret_style},
            "manifestEntry": self.manifest_entry,
            "entries": [e.to_json() for e in self.entries],
        }

    def encode(self) -> bytes:
        return (json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def decode(cls, data: bytes) -> Manifest:
        """Parse a manifest; ValueError (or KeyError/TypeError) when it is not one."""
        raw = json.loads(data)
        if raw.get("superspecPackage") != FORMAT:
            raise ValueError(f"unknown manifest format {raw.get('superspecPackage')!r}")
        return cls(
            environment=raw["environment"], environment_class=raw["environmentClass"],
            app=raw["app"]["name"], version=raw["app"]["version"],
            base_kind=raw["base"]["kind"], base_name=raw["base"]["name"],
            base_sha256=raw["base"]["sha256"], spec_digest=raw["specDigest"],
            values_digest=raw["valuesDigest"], secrets=list(raw["secrets"]["names"]),
            secret_style=raw["secrets"]["style"],
            entries=[ChangedEntry(e["path"], e["action"], e["template"], e["sha256"], e["size"])
                     for e in raw["entries"]],
            manifest_entry=raw["manifestEntry"], superspec_version=raw["superspecVersion"],
        )
