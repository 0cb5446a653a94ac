"""Formatting a fleet report: text for people, JSON for programs, JUnit XML for pipelines.

JUnit mapping (audit): one testcase per managed project (per spec); a drifted or missing
project is a <failure> holding its unified diff, a project that could not be checked an
<error> (or <skipped> when the run stopped before it). Projects of the group without a spec
are listed in the suite's <system-out>. GitLab shows the report in the pipeline's Tests tab.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from superspec.integrations.gitlab_fleet import (
    CURRENT,
    DRIFTED,
    ERROR,
    GITLAB_CI,
    LINT_FAILED,
    MISSING,
    NOT_CHECKED,
    GroupCheck,
    Outcome,
    Report,
)

SUITE = "superspec.gitlab"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
PENDING = ("will be set after the first pipeline (GitLab creates a resource group when a job "
           "first uses it; the next publish sets it)")


def _label(outcome: Outcome) -> str:
    return outcome.project or outcome.spec


def group_line(group: GroupCheck) -> str:
    where = f"resource group {group.key}"
    if group.outcome == "pending":
        return f"{where}: does not exist yet; process mode {group.wanted} {PENDING}"
    if group.outcome == "current":
        return f"{where}: process mode {group.wanted}"
    if group.outcome == "set":
        return f"{where}: process mode set to {group.wanted} (was {group.current})"
    if group.outcome == "would set":
        return f"{where}: would set process mode {group.wanted} (now {group.current})"
    return (f"{where}: process mode is {group.current}, environments.{group.env}.concurrency "
            f"says {group.wanted}")


def _headline(outcome: Outcome) -> str:
    status = outcome.status
    if status in (DRIFTED, MISSING):
        files = ", ".join(f"{f.path} {f.status}" for f in outcome.files if f.status != "current")
        groups = [g.key for g in outcome.resource_groups if g.outcome == "differs"]
        parts = [files] if files else []
        parts += [f"resource group {key} differs" for key in groups]
        return f"{status}: {'; '.join(parts)}"
    if status == NOT_CHECKED:
        return f"{status}: {outcome.skipped}"
    return status


def text(report: Report) -> tuple[str, list[str]]:
    """(stdout, error lines for stderr)."""
    out: list[str] = []
    errors: list[str] = []
    for outcome in report.projects:
        out.append(f"{_label(outcome)}: {_headline(outcome)}")
        for check in outcome.files:
            if check.diff:
                out.append(check.diff.rstrip("\n"))
        for problem in outcome.lint:
            where = f"{GITLAB_CI}:{problem.line}" if problem.line else GITLAB_CI
            errors.append(f"{_label(outcome)}: {where}: {problem.message}")
        for action in outcome.actions:
            out.append(f"  {action}")
        if outcome.merge_request is not None and outcome.merge_request.web_url:
            out.append(f"  merge request !{outcome.merge_request.iid}: "
                       f"{outcome.merge_request.web_url}")
        out.extend(f"  {group_line(group)}" for group in outcome.resource_groups)
        for error in outcome.errors:
            errors.append(error if error.startswith(_label(outcome))
                          else f"{_label(outcome)}: {error}")
    out.extend(f"{path}: not managed (no spec)" for path in report.unmanaged)
    out.append(summary(report))
    if report.fatal is not None:
        errors.insert(0, report.fatal)
    return "\n".join(out) + "\n", errors


def summary(report: Report) -> str:
    counts: dict[str, int] = {}
    for outcome in report.projects:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    order = (CURRENT, DRIFTED, MISSING, LINT_FAILED, ERROR, NOT_CHECKED)
    parts = [f"{counts[s]} {s}" for s in order if counts.get(s)]
    where = f" in {report.group}" if report.group else ""
    managed = len(report.projects)
    line = (f"{report.command}{' (dry run)' if report.dry_run else ''}: {managed} managed "
            f"project{'' if managed == 1 else 's'}{where}"
            f"{': ' + ', '.join(parts) if parts else ''}; {len(report.unmanaged)} not managed")
    return line + (f"; {report.stopped}" if report.stopped else "")


def as_json(report: Report) -> dict[str, Any]:
    return {
        "command": report.command,
        "group": report.group,
        "dryRun": report.dry_run,
        "ok": report.ok,
        "error": report.fatal,
        "stopped": report.stopped,
        "projects": [_project_json(outcome) for outcome in report.projects],
        "notManaged": report.unmanaged,
    }


def _project_json(outcome: Outcome) -> dict[str, Any]:
    mr = outcome.merge_request
    return {
        "spec": outcome.spec,
        "name": outcome.name,
        "project": outcome.project,
        "webUrl": outcome.web_url or None,
        "defaultBranch": outcome.default_branch,
        "status": outcome.status,
        "files": [{"path": f.path, "status": f.status, "diff": f.diff or None}
                  for f in outcome.files],
        "resourceGroups": [{"key": g.key, "env": g.env, "processMode": g.wanted,
                            "current": g.current, "outcome": g.outcome}
                           for g in outcome.resource_groups],
        "actions": outcome.actions,
        "mergeRequest": None if mr is None else {"iid": mr.iid, "webUrl": mr.web_url},
        "lint": [{"file": GITLAB_CI, "line": p.line, "message": p.message}
                 for p in outcome.lint],
        "errors": outcome.errors,
        "skipped": outcome.skipped,
    }


def json_text(report: Report) -> str:
    return json.dumps(as_json(report), indent=2)


def _x(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def junit_xml(report: Report) -> bytes:
    failures = sum(1 for o in report.projects if o.drift)
    errors = sum(1 for o in report.projects if o.status in (ERROR, LINT_FAILED))
    skipped = sum(1 for o in report.projects if o.status == NOT_CHECKED)
    name = f"{SUITE}.{report.command}"
    attrs = {"name": name, "tests": str(len(report.projects)), "failures": str(failures),
             "errors": str(errors), "skipped": str(skipped)}
    suites = ET.Element("testsuites", attrs)
    suite = ET.SubElement(suites, "testsuite", attrs)
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "group", "value": _x(report.group or "")})
    for outcome in report.projects:
        case = ET.SubElement(suite, "testcase", {"classname": _x(name),
                                                 "name": _x(_label(outcome))})
        status = outcome.status
        if outcome.drift:
            failure = ET.SubElement(case, "failure", {"type": status.replace(" ", "-"),
                                                      "message": _x(_headline(outcome))})
            body = [f.diff.rstrip("\n") for f in outcome.files if f.diff]
            body += [group_line(g) for g in outcome.resource_groups if g.outcome == "differs"]
            failure.text = _x("\n".join(body))
        elif status in (ERROR, LINT_FAILED):
            lines = outcome.errors + [f"{GITLAB_CI}:{p.line or '?'}: {p.message}"
                                      for p in outcome.lint]
            error = ET.SubElement(case, "error", {"type": status.replace(" ", "-"),
                                                  "message": _x(lines[0] if lines else status)})
            error.text = _x("\n".join(lines))
        elif status == NOT_CHECKED:
            ET.SubElement(case, "skipped", {"message": _x(outcome.skipped or "")})
        notes = [group_line(g) for g in outcome.resource_groups if g.outcome != "differs"]
        if notes:
            ET.SubElement(case, "system-out").text = _x("\n".join(notes))
    listed = [f"not managed (no spec): {path}" for path in report.unmanaged]
    if report.fatal is not None:
        listed.insert(0, f"error: {report.fatal}")
    if listed:
        ET.SubElement(suite, "system-out").text = _x("\n".join(listed))
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"
