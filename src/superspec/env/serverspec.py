"""The Server Spec: the file every container of an environment holds, saying what it is.

An application's replicas hold the environment's header plus their application's part; the
router holds the header plus every application's part. ``env describe`` reads them back and
compares them with the labels and the databases (drift).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from superspec.errors import InputError


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Replica(Part):
    name: str
    endpoint: str  # http://<container name>:<port>, on the environment's network


class AppliedMigration(Part):
    version: str
    script: str
    checksum: str


class DatabaseState(Part):
    engine: str  # sqlite | postgres
    location: str  # the SQLite file on the host, or the PostgreSQL database name
    schema_version: str | None
    applied: list[AppliedMigration] = []
    server: str | None = None  # postgres: the server's URL (never a password)
    password_secret: str | None = None  # postgres: the name of the secret holding it


class SplitPoint(Part):
    """The parent's application as it was when the sub-environment was split off."""

    version: str
    image_id: str
    config: dict[str, Any]
    config_digest: str
    migrations: list[AppliedMigration] = []


class AppSpec(Part):
    project: str
    version: str
    image: str
    image_id: str
    config: dict[str, Any]  # the non-secret settings the replicas run with
    config_digest: str
    spec_digest: str
    package_manifest_digest: str | None = None
    replicas: list[Replica] = []
    database: DatabaseState | None = None
    parent: str | None = None  # the environment it was split from
    split_point: SplitPoint | None = None
    merged_from: str | None = None  # the sub-environment whose changes it last took
    created: str
    updated: str


class ServerSpec(Part):
    superspec: str
    environment: str
    env_class: str = Field(alias="class")
    engine: str
    network: str
    router: str
    port: int | None = None  # the front door on 127.0.0.1
    parent: str | None = None
    apps: list[AppSpec] = []

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def app(self, project: str) -> AppSpec | None:
        return next((a for a in self.apps if a.project == project), None)

    def with_app(self, app: AppSpec) -> ServerSpec:
        apps = sorted([a for a in self.apps if a.project != app.project] + [app],
                      key=lambda a: a.project)
        return self.model_copy(update={"apps": apps})

    def without_app(self, project: str) -> ServerSpec:
        return self.model_copy(update={"apps": [a for a in self.apps if a.project != project]})

    def encode(self) -> bytes:
        return (json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n").encode()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True)
        return data

    @classmethod
    def decode(cls, data: bytes, where: str) -> ServerSpec:
        try:
            return cls.model_validate(json.loads(data))
        except (ValueError, ValidationError) as exc:
            raise InputError(f"{where}: not a valid server spec: {exc}".splitlines()[0]) \
                from None


def schema() -> dict[str, Any]:
    """The published JSON Schema of the Server Spec file."""
    result: dict[str, Any] = ServerSpec.model_json_schema(by_alias=True)
    return result
