"""The cached path of `superspec step enforce`: stdlib only, like the cached `superspec enforce`.

When the params are plainly valid, the enforce result cache holds a valid entry for this
invocation, and this entry's spec (same digest) was already checked to have the params' stage
running enforce, the answer comes from the cache without importing pydantic or reading the spec.
Anything else returns None and the full path runs (which also reports every problem).

Why this is sound: a cache entry is valid only while the spec layer files it recorded are
unchanged, so the effective spec still has the digest stored with the entry; the stages verified
for that digest (``<key>.step-stages.json`` beside the entry) are still verified.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

from superspec import __version__

SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # as contract.SECRET_NAME
OPTIONAL_TEXT = ("spec", "stage", "branch", "junit", "mavenRepo")
TEXT_LISTS = ("layers", "secrets")
ENFORCE_KEYS = frozenset({"contract", "step", "cache", *OPTIONAL_TEXT, *TEXT_LISTS})


def quick_enforce_params(params_file: Path) -> dict[str, Any] | None:
    """The params when they are plainly valid enforce params with the cache on, else None."""
    try:
        data = json.loads(params_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not set(data) <= ENFORCE_KEYS:
        return None
    if type(data.get("contract")) is not int or data["contract"] != 1:
        return None
    if data.get("step") != "enforce" or data.get("cache", True) is not True:
        return None
    if any(data.get(k) is not None and type(data[k]) is not str for k in OPTIONAL_TEXT):
        return None
    for key in TEXT_LISTS:
        items = data.get(key, [])
        if type(items) is not list or any(type(i) is not str for i in items):
            return None
    if any(not SECRET_NAME.match(s) or not os.environ.get(s) for s in data.get("secrets", [])):
        return None
    return data


def cache_key(spec: Path, project: Path, params: dict[str, Any]) -> str:
    """The enforce cache key of these params (the one ``run_enforce`` uses)."""
    from superspec.enforce import cache
    from superspec.enforce.branch import current_branch

    maven_repo = Path(params["mavenRepo"]) if params.get("mavenRepo") else None
    layers = [Path(d) for d in params.get("layers", [])]
    return cache.entry_key(spec, project, maven_repo, current_branch(project, params.get("branch")),
                           layers)


def cached_enforce(params_file: Path) -> dict[str, Any] | None:
    """The enforce report (JSON) from the cache, with the JUnit report written; or None."""
    params = quick_enforce_params(params_file)
    if params is None:
        return None
    from superspec.enforce import cache

    spec = Path(params.get("spec") or "superspec.yaml")
    project = spec.parent
    key = cache_key(spec, project, params)
    entry = cache.lookup(project, key)
    if entry is None:
        return None
    stage = params.get("stage")
    if stage is not None and stage not in verified_stages(project, key, entry.get("spec_digest")):
        return None
    from superspec.enforce.model import EnforceReport

    report = EnforceReport.from_json(entry["report"], cached=True)
    if params.get("junit"):
        from superspec.enforce.reports import write_junit

        write_junit(report, Path(params["junit"]))
    return report.to_json()


def verified_stages(project: Path, key: str, spec_digest: str | None) -> list[str]:
    try:
        data = json.loads(_stages_file(project, key).read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("specDigest") != spec_digest:
        return []
    stages = data.get("stages")
    return stages if isinstance(stages, list) else []


def remember_stage(project: Path, key: str, spec_digest: str, stage: str) -> None:
    """Record that ``stage`` runs enforce in the spec of digest ``spec_digest``."""
    from superspec.fileio import write_atomic

    stages = sorted({*verified_stages(project, key, spec_digest), stage})
    text = json.dumps({"specDigest": spec_digest, "stages": stages}) + "\n"
    with contextlib.suppress(OSError):  # an unwritable cache only costs the next run its shortcut
        write_atomic(_stages_file(project, key), text.encode())


def _stages_file(project: Path, key: str) -> Path:
    from superspec.enforce import cache

    return cache.cache_dir(project) / f"{key}.step-stages.json"


def enforce_message(details: dict[str, Any]) -> str:
    """One line for the pipeline log: the tally, and why the failing rules failed."""
    counts = details.get("counts", {})
    tally = ", ".join(f"{counts.get(status, 0)} {word}" for status, word in (
        ("pass", "passed"), ("fail", "failed"), ("skip", "skipped"), ("error", "could not run")))
    rules = details.get("rules", [])
    failing = [r for r in rules if r["status"] == "error"
               or (r["status"] == "fail" and r["level"] == "error")]
    if not failing:
        return f"enforce passed ({tally})"
    reasons = [f"{r['id']}: {r['violations'][0]['message'] if r['violations'] else r['detail']}"
               for r in failing[:3]]
    if len(failing) > 3:
        reasons.append(f"and {len(failing) - 3} more rule(s)")
    return f"enforce failed ({tally}): " + "; ".join(reasons)


def result_message(details: dict[str, Any]) -> dict[str, Any]:
    """The result message of an enforce report, as ``StepResult`` dumps it (tests compare)."""
    passed = bool(details.get("passed"))
    return {"contract": 1, "step": "enforce", "status": "passed" if passed else "failed",
            "exitCode": 0 if passed else 1, "superspec": __version__,
            "message": enforce_message(details), "details": details}


def cached_result(params_file: Path) -> dict[str, Any] | None:
    """The result message of `superspec step enforce` answered from the cache, or None."""
    details = cached_enforce(params_file)
    return None if details is None else result_message(details)


def failure_message(step: str, message: str) -> dict[str, Any]:
    """The error message of a failed verdict, as ``StepErrorMessage`` dumps it."""
    return {"contract": 1, "step": step, "kind": "failure", "exitCode": 1,
            "superspec": __version__, "message": message, "problems": [{"message": message}]}


def write_json(path: Path, data: dict[str, Any]) -> None:
    """A message file, formatted as ``messages.write_message`` formats it."""
    from superspec.fileio import write_atomic

    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"))
