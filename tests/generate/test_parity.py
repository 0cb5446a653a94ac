"""Parity: for every case, the Jenkinsfile (as Groovy parses it) and the .gitlab-ci.yml (as YAML
loads it) express the same stages in the same order, the same branch conditions, commands,
environments, approvals, concurrency groups and reports."""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest

from superspec.cli.main import commands
from tests.generate.conftest import Output
from tests.generate.declarative import jenkins_facts
from tests.generate.tools import load_gitlab

pytestmark = pytest.mark.slow  # reads Jenkinsfiles back through the Groovy AST


def glob_from_gitlab(regex: str) -> str:
    """Read a GitLab branch regex back as the glob it was written from."""
    body = regex[len("/^"):-len("$/")]
    body = body.replace("[^\\/]*", "*").replace("[^\\/]", "?").replace(".*", "**")
    return re.sub(r"\\(.)", r"\1", body)


def gitlab_facts(document: dict[str, Any]) -> list[dict[str, Any]]:
    facts = []
    for name in document["stages"]:
        job = document[name]
        assert job["stage"] == name
        rules = job.get("rules", [])
        assert len(rules) <= 1
        branches = None
        if rules and "=~" in rules[0]["if"]:
            branches = [glob_from_gitlab(r) for r in re.findall(r"=~ (/\^.*?\$/)", rules[0]["if"])]
        fact: dict[str, Any] = {"name": name, "branches": branches, "commands": [],
                                "env": None, "approval": None, "lock": job.get("resource_group"),
                                "junit": job.get("artifacts", {}).get("reports", {}).get("junit"),
                                "runner": None}
        for command in job["script"]:
            if command.startswith("superspec "):
                runner = shlex.split(command)[1]
                assert runner in commands(), f"no superspec command {runner!r}: {command}"
                fact["runner"] = runner
            else:
                fact["commands"].append(command)
        if "environment" in job:
            fact["env"] = job["environment"]["name"]
        if rules and rules[0].get("when") == "manual":
            assert rules[0]["allow_failure"] is False
            assert '$CI_COMMIT_REF_PROTECTED == "true"' in rules[0]["if"]
            groups = job["variables"]["SUPERSPEC_APPROVERS"]["value"]
            fact["approval"] = groups.split(",") if groups else []
        facts.append(fact)
    return facts


def test_both_targets_express_the_same_pipeline(
    outputs: dict[str, Output], groovy_asts: dict[str, dict[str, Any]]
) -> None:
    for name, output in outputs.items():
        jenkins = jenkins_facts(groovy_asts[name]["tree"])
        gitlab = gitlab_facts(load_gitlab(output.files[".gitlab-ci.yml"]))
        assert [s["name"] for s in jenkins] == [s["name"] for s in gitlab], name
        for ours, theirs in zip(jenkins, gitlab, strict=True):
            assert ours == theirs, f"{name}: stage {ours['name']}"


def test_parity_facts_are_not_empty(
    outputs: dict[str, Output], groovy_asts: dict[str, dict[str, Any]]
) -> None:
    """The comparison above sees real content: approvals, locks, environments and branch
    conditions all occur across the cases."""
    facts = [f for name in outputs for f in jenkins_facts(groovy_asts[name]["tree"])]
    assert any(f["approval"] for f in facts)
    assert any(f["approval"] == [] for f in facts)  # an approval without groups
    assert any(f["lock"] for f in facts)
    assert any(f["env"] for f in facts)
    assert any(f["branches"] and len(f["branches"]) > 1 for f in facts)
    assert any(f["junit"] for f in facts)
    assert {f["runner"] for f in facts} >= {"enforce", "package", "deploy", "release"}


def test_deploy_stages_wait_without_an_agent_then_lock(
    groovy_asts: dict[str, dict[str, Any]]
) -> None:
    """Each deploy/release stage is two stages: the first, `agent none`, passes a milestone,
    waits for the approval inside a timeout (when there is one) and passes a milestone; the
    second takes the lock as a stage option (before its agent) and runs the step. So a waiting
    approval holds neither the lock nor an executor, waiting for the lock holds no executor,
    and an older build never overtakes a newer one."""
    from tests.generate.declarative import named_args

    checked = approvals = 0
    for ast in groovy_asts.values():
        pipeline = next(n for n in ast["tree"] if n["call"] == "pipeline")
        stages = next(n for n in pipeline["children"] if n["call"] == "stages")
        for stage in stages["children"]:
            nested = [c for c in stage["children"] if c["call"] == "stages"]
            if not nested:
                assert "lock" not in str(stage)
                continue
            checked += 1
            name = stage["args"][0]["constant"]
            gate, run = nested[0]["children"]
            gate_sections = {c["call"]: c for c in gate["children"]}
            assert gate_sections["agent"]["args"] == [{"variable": "none"}]
            calls = [c["call"] for c in gate_sections["steps"]["children"]]
            if "timeout" in calls:
                approvals += 1
                assert gate["args"][0]["constant"] == f"{name}: approval"
                assert calls == ["milestone", "timeout", "milestone"], calls
                timeout = gate_sections["steps"]["children"][1]
                assert [c["call"] for c in timeout["children"]] == ["input"]
                assert named_args(timeout)["unit"] == "MINUTES"
            else:
                assert gate["args"][0]["constant"] == f"{name}: milestone"
                assert calls == ["milestone"], calls
            run_sections = [c["call"] for c in run["children"]]
            assert run_sections[:3] == ["agent", "options", "steps"], run_sections
            options = run["children"][1]
            assert [c["call"] for c in options["children"]] == ["lock"]
            assert "input" not in str(run)
    assert checked >= 10 and approvals >= 5
