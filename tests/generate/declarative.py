"""The declarative-pipeline shape of a parsed Jenkinsfile, and the facts parity compares.

Works on the call tree printed by groovy_ast.groovy: {call, args, children} per method call.
"""

from __future__ import annotations

import shlex
from typing import Any

from superspec.cli.main import commands

Node = dict[str, Any]

PIPELINE_SECTIONS = {"agent", "options", "stages", "post", "environment", "triggers",
                     "parameters", "tools"}
STAGE_SECTIONS = {"agent", "when", "steps", "stages", "post", "options", "environment", "input",
                  "tools"}
WHEN_CONDITIONS = {"branch", "anyOf", "allOf", "not", "beforeAgent", "beforeInput",
                   "beforeOptions", "expression", "environment"}
POST_CONDITIONS = {"always", "success", "failure", "unstable", "changed", "fixed",
                   "regression", "aborted", "cleanup"}
AGENT_KINDS = {"label", "docker", "dockerfile", "node", "any", "none"}
# Section names that must never appear inside `steps` (timeout is also a step: allowed).
NOT_STEPS = {"pipeline", "stages", "stage", "steps", "agent", "when", "post", "options"}
# Steps that need a node (a workspace); library steps `superspec*` write files and run `sh`.
NODE_STEPS = {"sh", "bat", "junit", "stash", "unstash", "writeFile", "readFile", "checkout",
              "deleteDir", "dir", "archiveArtifacts"}


def shape_errors(tree: list[Node]) -> list[str]:
    """Every violation of the declarative structure (empty: the shape is right)."""
    errors: list[str] = []
    top = [n for n in tree if not n["call"].startswith("@")]
    if [n["call"] for n in top] != ["pipeline"]:
        return [f"top level must be one pipeline {{}} block, found {[n['call'] for n in top]}"]
    pipeline = top[0]
    if pipeline["args"] != [{"closure": True}]:
        errors.append("pipeline takes one closure")
    sections = [n["call"] for n in pipeline["children"]]
    for name in sections:
        if name not in PIPELINE_SECTIONS:
            errors.append(f"'{name}' is not a pipeline section")
    for required in ("agent", "stages"):
        if sections.count(required) != 1:
            errors.append(f"pipeline needs exactly one '{required}' section")
    for node in pipeline["children"]:
        if node["call"] == "agent":
            errors += _agent_errors(node, "pipeline")
        elif node["call"] == "stages":
            errors += _stages_errors(node)
    return errors


def _agent_errors(node: Node, where: str) -> list[str]:
    if node["args"] and "variable" in node["args"][0]:
        kind = node["args"][0]["variable"]
        return [] if kind in ("any", "none") else [f"{where}: unknown agent '{kind}'"]
    kinds = [c["call"] for c in node["children"]]
    if len(kinds) != 1 or kinds[0] not in AGENT_KINDS:
        return [f"{where}: agent must name one kind, found {kinds}"]
    return []


def _stages_errors(stages: Node) -> list[str]:
    errors = []
    for stage in stages["children"]:
        if stage["call"] != "stage":
            errors.append(f"'{stage['call']}' inside stages (only stage allowed)")
            continue
        if len(stage["args"]) != 2 or "constant" not in stage["args"][0]:
            errors.append("stage takes a constant name and a closure")
            continue
        name = stage["args"][0]["constant"]
        sections = [c["call"] for c in stage["children"]]
        for section in sections:
            if section not in STAGE_SECTIONS:
                errors.append(f"stage {name!r}: '{section}' is not a stage section")
        if sections.count("steps") + sections.count("stages") != 1:
            errors.append(f"stage {name!r}: needs exactly one steps or stages block")
        for child in stage["children"]:
            if child["call"] == "steps":
                if not child["children"]:
                    errors.append(f"stage {name!r}: empty steps")
                errors += [f"stage {name!r}: '{c}' inside steps" for c in _all_calls(child)
                           if c in NOT_STEPS]
            elif child["call"] == "stages":
                errors += _stages_errors(child)
            elif child["call"] == "when":
                errors += [f"stage {name!r}: '{c}' is not a when condition"
                           for c in _direct(child) if c not in WHEN_CONDITIONS]
            elif child["call"] == "post":
                errors += [f"stage {name!r}: '{c}' is not a post condition"
                           for c in _direct(child) if c not in POST_CONDITIONS]
            elif child["call"] == "agent":
                errors += _agent_errors(child, f"stage {name!r}")
    return errors


def _allocates(agent: Node | None) -> bool:
    """Whether an `agent` section allocates an executor (everything but `agent none`)."""
    if agent is None:
        return False
    return not (agent["args"] and agent["args"][0].get("variable") == "none")


def executor_errors(tree: list[Node]) -> list[str]:
    """Where the file holds an executor wrongly: an `input` (step or stage directive) that waits
    inside an allocated agent (a pipeline agent, a stage's or an enclosing stage's, a `node`),
    and a step that needs a workspace in a stage that has none."""
    pipeline = next(n for n in tree if n["call"] == "pipeline")
    top = next((c for c in pipeline["children"] if c["call"] == "agent"), None)
    stages = next(c for c in pipeline["children"] if c["call"] == "stages")
    return _stage_executor_errors(stages, "the pipeline agent" if _allocates(top) else None)


def _stage_executor_errors(stages: Node, held: str | None) -> list[str]:
    errors = []
    for stage in stages["children"]:
        name = stage["args"][0]["constant"]
        agent = next((c for c in stage["children"] if c["call"] == "agent"), None)
        inside = held or (f"the agent of stage {name!r}" if _allocates(agent) else None)
        for child in stage["children"]:
            if child["call"] == "input" and held:  # the directive: before the stage's agent
                errors.append(f"stage {name!r}: input waits inside {held}")
            elif child["call"] == "stages":
                errors += _stage_executor_errors(child, inside)
            elif child["call"] in ("steps", "post"):
                errors += _step_errors(child, name, inside)
    return errors


def _step_errors(node: Node, stage: str, held: str | None) -> list[str]:
    errors = []
    for child in node["children"]:
        call = child["call"]
        if call == "input" and held:
            errors.append(f"stage {stage!r}: input waits inside {held}")
        needs_node = call in NODE_STEPS or (call.startswith("superspec") and call != "superspec")
        if needs_node and not held:
            errors.append(f"stage {stage!r}: '{call}' needs a workspace but no agent is allocated")
        errors += _step_errors(child, stage, "a node block" if call == "node" else held)
    return errors


def _direct(node: Node) -> list[str]:
    return [c["call"] for c in node["children"]]


def _all_calls(node: Node) -> list[str]:
    found = []
    for child in node["children"]:
        found.append(child["call"])
        found += _all_calls(child)
    return found


def _walk(node: Node) -> list[Node]:
    out = [node]
    for child in node["children"]:
        out += _walk(child)
    return out


def named_args(node: Node) -> dict[str, Any]:
    """The constant named arguments of a call: foo(a: 'x', b: ['y']) -> {a: 'x', b: ['y']}."""
    result: dict[str, Any] = {}
    for arg in node["args"]:
        for entry in arg.get("map", []):
            value = entry["value"]
            if "constant" in value:
                result[entry["key"]["constant"]] = value["constant"]
            elif "list" in value:
                result[entry["key"]["constant"]] = [v.get("constant") for v in value["list"]]
    return result


def jenkins_facts(tree: list[Node]) -> list[dict[str, Any]]:
    """Per top-level stage, in order: name, branches, commands, env, approval groups, lock,
    junit, runner (read from the stage and the stages nested in it)."""
    pipeline = next(n for n in tree if n["call"] == "pipeline")
    stages = next(n for n in pipeline["children"] if n["call"] == "stages")
    facts = []
    for stage in stages["children"]:
        nodes = [n for c in stage["children"] for n in _walk(c)]
        step_nodes = [n for s in nodes if s["call"] == "steps" for n in _walk(s)[1:]]
        when = [c for c in stage["children"] if c["call"] == "when"]
        branches = None
        if when:
            branches = [n["args"][0]["constant"] for n in _walk(when[0]) if n["call"] == "branch"]
        fact: dict[str, Any] = {"name": stage["args"][0]["constant"], "branches": branches,
                                "commands": [], "env": None, "approval": None, "lock": None,
                                "junit": None, "runner": None}
        for node in step_nodes:
            call = node["call"]
            if call == "sh":
                command = node["args"][0]["constant"]
                words = shlex.split(command) if command.startswith("superspec ") else []
                if words[:1] == ["superspec"]:
                    assert words[1] in commands(), f"no superspec command {words[1]!r}: {command}"
                    fact["runner"] = words[1]
                    if words[1] in ("deploy", "release"):
                        fact["env"] = words[words.index("--env") + 1]
                else:
                    fact["commands"].append(command)
            elif call.startswith("superspec") and len(call) > len("superspec"):
                fact["runner"] = call[len("superspec"):].lower()
                if fact["runner"] in ("deploy", "release"):
                    fact["env"] = named_args(node).get("env")
            elif call == "input":
                submitter = named_args(node).get("submitter")
                fact["approval"] = submitter.split(",") if submitter else []
        for node in nodes:
            if node["call"] == "junit":
                fact["junit"] = named_args(node)["testResults"]
            elif node["call"] == "lock":
                fact["lock"] = named_args(node)["resource"]
        facts.append(fact)
    return facts
