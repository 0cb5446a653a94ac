"""The release record: everything a release needs after a crash, written atomically after every
step (under the data directory, per environment and project)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from superspec.env.paths import data_dir
from superspec.fileio import write_atomic

TERMINAL = ("released", "rolled-back", "failed")


@dataclass
class Gate:
    name: str  # maxErrorRate | maxP95Ms | health
    value: float | None
    threshold: float | None
    requests: int
    passed: bool


@dataclass
class Record:
    env: str
    project: str
    strategy: str
    from_version: str
    to_version: str
    stable: list[str]  # the replicas serving the stable version
    fresh: list[str]  # the new version's replicas
    phase: str = "starting"  # starting | stepping | paused | promoted | released | rolled-back
    step: int = 0  # the next canary step (index into the spec's steps)
    weight: int = 0  # the new version's share now (percent)
    gates: list[Gate] = field(default_factory=list)  # the last readings
    reason: str = ""
    image: str = ""

    @property
    def path(self) -> Path:
        return record_path(self.env, self.project)

    def save(self) -> None:
        write_atomic(self.path, (json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")
                     .encode(), mode=0o600)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def record_path(env: str, project: str) -> Path:
    return data_dir() / "releases" / env / f"{project}.json"


def load(env: str, project: str) -> Record | None:
    path = record_path(env, project)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    gates = [Gate(**g) for g in data.pop("gates", [])]
    return Record(**data, gates=gates)
