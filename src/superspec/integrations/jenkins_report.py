"""A plan/apply/prune report as text for people or JSON for programs (no printing here)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from superspec.integrations.jenkins_plan import JobChange, Report

PRUNE_HINT = "superspec jenkins prune deletes it"


PLAN_ORDER = ("create", "update", "replace", "unchanged", "orphaned", "error", "skipped")
DONE_ORDER = ("created", "updated", "replaced", "deleted", "unchanged", "orphaned", "failed",
              "skipped")
LABELS = {"create": "to create", "update": "to update", "replace": "to replace",
          "error": "failed"}


def summary(report: Report) -> dict[str, int]:
    """Counts of folders and jobs by what the plan says (or, after apply/prune, what was
    done); zero counts are left out."""
    planning = report.command == "plan" or report.dry_run
    folders = Counter(f"folder {'create' if planning else f.result or 'skipped'}"
                      for f in report.folders)
    jobs = Counter(_outcome(j, planning) for j in report.jobs)
    order = [f"folder {o}" for o in ("create", "created", "failed", "skipped")]
    order += list(PLAN_ORDER if planning else DONE_ORDER)
    counts = {**folders, **jobs}
    return {key: counts[key] for key in order if counts.get(key)}


def _outcome(job: JobChange, planning: bool) -> str:
    if planning:
        return job.action
    if job.result is None:
        return "failed" if job.action == "error" else job.action
    return job.result


def _summary_line(report: Report) -> str:
    parts = []
    for key, count in summary(report).items():
        if key.startswith("folder "):
            verb = key.split(" ", 1)[1]
            noun = "folder" if count == 1 else "folders"
            parts.append(f"{count} {noun} {LABELS.get(verb, verb)}")
        else:
            parts.append(f"{count} {'job' if count == 1 else 'jobs'} {LABELS.get(key, key)}")
    return ", ".join(parts) or "no jobs"


def text(report: Report) -> tuple[list[str], list[str]]:
    """(stdout lines, stderr lines): one line per folder and job, diffs below updates, the
    error lines, then one summary line."""
    planning = report.command == "plan" or report.dry_run
    out: list[str] = []
    for folder in report.folders:
        verb = "create" if planning or folder.result is None else folder.result
        out.append(f"{verb} folder {folder.name}")
    for job in report.jobs:
        if job.name is None:
            continue
        line = _job_line(job, planning, report.command)
        if line:
            out.append(line)
        if job.diff and job.action in ("update", "replace"):
            out += job.diff.rstrip("\n").splitlines()
    errors = report.error_lines()
    noun = "plan" if planning else report.command
    if report.version is not None:  # the server answered: the plan (or its outcome) stands
        out.append(f"{noun}: {_summary_line(report)} on {report.server} "
                   f"(Jenkins {report.version})")
    return out, errors


def _job_line(job: JobChange, planning: bool, command: str) -> str:
    what = f"{job.name}" + (f" ({job.kind})" if job.kind else "")
    if job.action == "error":
        return f"error {what}"
    if job.action == "orphaned":
        if job.result is not None:
            return f"{job.result} {what}"
        owner = f" for project {job.project}" if job.project else ""
        return f"orphaned {what}: managed by superspec{owner}, no longer wanted ({PRUNE_HINT})"
    if job.action == "skipped":
        return f"skipped {what}"
    verb = job.action if planning or job.result is None else job.result
    note = ""
    if not job.managed and job.action in ("update", "replace"):
        note = ": not managed by superspec yet, apply takes it over"
    if job.action == "replace":
        note = ": another kind of job on the server, apply deletes and re-creates it"
    return f"{verb} {what}{note}"


def as_json(report: Report) -> dict[str, Any]:
    return {
        "command": report.command,
        "server": report.server,
        "jenkins": report.version,
        "dry_run": report.dry_run,
        "ok": not report.failed,
        "changes": report.pending,
        "summary": summary(report),
        "folders": [{"name": f.name, "action": f.action, "result": f.result,
                     "errors": f.errors} for f in report.folders],
        "jobs": [{"name": j.name, "project": j.project, "spec": j.spec, "kind": j.kind,
                  "action": j.action, "managed": j.managed, "diff": j.diff or None,
                  "result": j.result, "errors": j.errors} for j in report.jobs],
        "errors": report.error_lines(),
        "requests": report.requests,
    }
