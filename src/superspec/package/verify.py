"""superspec package verify: PACKAGED is BASE plus the entries its manifest lists, nothing else."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from superspec.package import artifact as kinds
from superspec.package.manifest import MANIFEST_ENTRY, ChangedEntry, Manifest
from superspec.package.scan import read_entries, scan
from superspec.package.wheel import is_manifest
from superspec.paths import display_path


@dataclass
class VerifyReport:
    base: str
    packaged: str
    environment: str | None = None
    changed: list[ChangedEntry] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "base": self.base, "packaged": self.packaged,
                "environment": self.environment, "unchanged": self.unchanged,
                "changed": [e.to_json() for e in self.changed], "problems": self.problems}

    def lines(self) -> list[str]:
        lines = [f"base:     {self.base}", f"packaged: {self.packaged}"
                 + (f" (environment {self.environment})" if self.environment else "")]
        lines += [f"changed:  {e.path} ({e.action} from {e.template}, sha256 {e.sha256[:12]})"
                  for e in self.changed]
        lines.append(f"unchanged: {self.unchanged} entries byte-identical to the base")
        lines += [f"problem:  {p}" for p in self.problems]
        lines.append("ok" if self.ok else "FAILED")
        return lines


def verify_package(base: Path, packaged: Path) -> VerifyReport:
    report = VerifyReport(display_path(base), display_path(packaged))
    base_kind, base_archive = kinds.open_artifact(base, report.base)
    try:
        kind, archive = kinds.open_artifact(packaged, report.packaged)
        try:
            _compare(report, base_kind, base_archive, kind, archive)
        finally:
            kinds.close(archive)
    finally:
        kinds.close(base_archive)
    return report


def _compare(report: VerifyReport, base_kind: str, base: kinds.Archive, kind: str,
             packaged: kinds.Archive) -> None:
    problems = report.problems
    if base_kind != kind:
        problems.append(f"the base is a {base_kind} artifact, the package a {kind} artifact")
        return
    packaged_prints, _ = scan(packaged, set())
    found = [name for name in packaged_prints if is_manifest(name)]
    if len(found) != 1:
        problems.append(f"the package holds no {MANIFEST_ENTRY}: it was not made by superspec "
                        "package")
        return
    manifest_at = found[0]
    manifest = read_manifest(report, read_entries(packaged, {manifest_at})[manifest_at])
    if manifest is None:
        return
    base_digest = kinds.base_sha256(base)
    if base_digest != manifest.base_sha256:
        problems.append(f"the base's sha256 is {base_digest}, but the package was made from "
                        f"{manifest.base_sha256}")
    listed = {e.path: e for e in manifest.entries}
    base_prints, _ = scan(base, set())
    listed_data = read_entries(packaged, set(listed)) if listed else {}
    for name, fingerprint in base_prints.items():
        if name in listed:
            continue
        if name not in packaged_prints:
            problems.append(f"entry {name!r} of the base is missing from the package")
        elif packaged_prints[name] != fingerprint:
            problems.append(f"entry {name!r} differs from the base and the manifest does not "
                            "list it")
        else:
            report.unchanged += 1
    for name in packaged_prints:
        if name not in base_prints and name not in listed and name != manifest_at:
            problems.append(f"entry {name!r} is not in the base and the manifest does not list it")
    for name, entry in listed.items():
        expected = "replaced" if name in base_prints else "added"
        if entry.action != expected:
            problems.append(f"the manifest says {name!r} was {entry.action}, but it was {expected}")
    check_listed(report, listed, listed_data, "the package")


def read_manifest(report: VerifyReport, data: bytes) -> Manifest | None:
    """The package's manifest (its environment and entries go into ``report``); None, with the
    problem reported, when it does not decode."""
    try:
        manifest = Manifest.decode(data)
    except (ValueError, KeyError, TypeError) as exc:
        report.problems.append(f"{MANIFEST_ENTRY} is not a valid manifest: {exc}")
        return None
    report.environment, report.changed = manifest.environment, manifest.entries
    return manifest


def check_listed(report: VerifyReport, listed: dict[str, ChangedEntry], content: dict[str, bytes],
                 where: str) -> None:
    """Every entry the manifest lists (keyed by its name in ``content``) is there, with the
    recorded sha256."""
    for name, entry in listed.items():
        if name not in content:
            report.problems.append(f"entry {entry.path!r} listed in the manifest is missing from "
                                   f"{where}")
        elif hashlib.sha256(content[name]).hexdigest() != entry.sha256:
            report.problems.append(f"entry {entry.path!r} does not have the sha256 the manifest "
                                   "records")
