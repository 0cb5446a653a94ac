"""Parity: for every case, the Jenkinsfile (as Groovy parses it) and the .gitlab-ci.yml (as YAML
loads it) express the same stages in the same order, the same branch conditions, commands,
environments, approvals, concurrency groups and reports."""

from __future__ import annotations

import re
import shlex
from typing import Any

from superspec.cli.main import commands
from tests.generate.conftest import Output
from tests.generate.declarative import jenkins_facts
from tests.generate.tools import load_gitlab


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


def test_deploy_stages_lock_and_take_milestones_after_approval(
    groovy_asts: dict[str, dict[str, Any]]
) -> None:
    """In each deploy/release stage: milestone, (approval inside a timeout), milestone, then the
    lock — so a waiting approval never holds the lock and an older build never overtakes."""
    from tests.generate.declarative import named_args

    checked = 0
    for ast in groovy_asts.values():
        pipeline = next(n for n in ast["tree"] if n["call"] == "pipeline")
        stages = next(n for n in pipeline["children"] if n["call"] == "stages")
        for stage in stages["children"]:
            steps = next(c for c in stage["children"] if c["call"] == "steps")
            calls = [c["call"] for c in steps["children"]]
            if "lock" not in calls:
                continue
            checked += 1
            if "timeout" in calls:
                assert calls == ["milestone", "timeout", "milestone", "lock"], calls
                timeout = steps["children"][1]
                assert [c["call"] for c in timeout["children"]] == ["input"]
                assert named_args(timeout)["unit"] == "MINUTES"
            else:
                assert calls == ["milestone", "lock"], calls
            lock = steps["children"][-1]
            assert "input" not in [c["call"] for c in lock["children"]]
    assert checked >= 10
