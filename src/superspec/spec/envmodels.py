"""The models of ``environments.<name>``: class, approval, where and how it runs (engine, front
door port, router, database) and how a release moves it to a new version."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from superspec.spec.modelbase import Int, Model, Port, PositiveInt, Weight

DURATION = r"^\d+(ms|s|m|h)$"  # 500ms, 30s, 5m, 1h


class Approval(Model):
    required: bool = False
    groups: list[str] = []
    timeout_minutes: PositiveInt = 1440


class ReleaseStep(Model):
    """One step of a release: the new version's share of the traffic (percent), then a pause
    watching the gates (``30s``, ``5m``, ``1h``) or ``manual`` (wait for an approver of the
    environment's ``approval.groups``)."""

    weight: Weight
    pause: str | None = Field(default=None, pattern=r"^(\d+(s|m|h)|manual)$")


class Gates(Model):
    """Thresholds the new version must keep while a step's pause watches it, judged once
    ``minRequests`` requests reached it (default: 1)."""

    max_error_rate: float | None = Field(default=None, ge=0, le=1)
    max_p95_ms: float | None = Field(default=None, gt=0)
    min_requests: PositiveInt | None = None


class Health(Model):
    """Each new instance must answer the health path ``healthyAfter`` times in a row, polled
    every ``interval``, each answer within ``timeout``, before it gets traffic."""

    interval: str = Field(default="1s", pattern=DURATION)
    timeout: str = Field(default="5s", pattern=DURATION)
    healthy_after: PositiveInt = 3


class Rolling(Model):
    """``batch`` new replicas take over at a time; ``maxUnavailable`` may not exceed the
    environment's replicas."""

    batch: PositiveInt = 1
    max_unavailable: Int = Field(default=0, ge=0)


class Release(Model):
    """How a release moves the environment to a new version (docs/release.md). Canary step
    weights increase strictly and the last one is 100; a ``pause: manual`` step needs
    ``approval.groups`` in its environment. `superspec validate` checks these across keys."""

    strategy: Literal["blue-green", "rolling", "canary", "recreate"] = "rolling"
    steps: list[ReleaseStep] = []
    gates: Gates = Field(default_factory=Gates)
    health: Health = Field(default_factory=Health)
    rolling: Rolling = Field(default_factory=Rolling)
    drain_seconds: Int = Field(default=10, ge=0)


class Proxy(Model):
    image: str | None = None  # the router image (HAProxy); default: built from the local haproxy


class Database(Model):
    engine: Literal["sqlite", "postgres"] = "sqlite"
    url: str | None = None  # postgres: the server to create databases on (no password in it)
    password_secret: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    baseline_version: str = "1"
    baseline: str | None = None  # schema + reference data, relative to the project
    migrations: str | None = None  # a folder of V<version>__<description>.sql
    out_of_order: bool = False


class Environment(Model):
    class_: Literal[
        "development", "functional-test", "acceptance", "pre-release", "production"
    ] = Field(alias="class")
    isolated: bool = False
    approval: Approval = Field(default_factory=Approval)
    release: Release | None = None
    url: str | None = None
    engine: Literal["docker", "swarm"] = "docker"
    port: Port | None = None  # the front door on 127.0.0.1; default: a free port
    proxy: Proxy = Field(default_factory=Proxy)
    concurrency: Literal["unordered", "oldest_first", "newest_first",
                         "newest_ready_first"] = "oldest_first"
    database: Database | None = None
