"""run_enforce: check a project against the rules of its effective spec, with the result cache."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from superspec.enforce import cache
from superspec.enforce.branch import current_branch, selected, skip_reason
from superspec.enforce.model import EnforceReport, RuleResult
from superspec.errors import SuperspecError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.spec import EffectiveSpec


def run_enforce(effective: EffectiveSpec, project_dir: Path, *, branch: str | None,
                maven_repo: Path | None, use_cache: bool = True,
                layer_dirs: tuple[Path, ...] = ()) -> EnforceReport:
    """Run every rule of ``enforce.rules`` (in spec order) and return the immutable report.

    Raises SpecError (located) for unknown rules, plugins that fail to load and bad rule options.
    A rule whose input is unreadable (a malformed lock file or POM) gets status ``error`` with
    the located message; that fails the run whatever the rule's level. ``layer_dirs`` (the
    ``--layers`` the spec was loaded with) separates cache entries and lets an entry record how
    each ``extends`` was resolved.
    """
    project_dir = Path(project_dir)
    branch_name = current_branch(project_dir, branch)
    key = cache.entry_key(effective.path, project_dir, maven_repo, branch_name, layer_dirs)
    chain = effective.layer_paths
    if use_cache:
        hit = cache.lookup(project_dir, key, effective.path, effective.digest, chain)
        if hit is not None:
            return EnforceReport.from_json(hit["report"], cached=True)
    started = time.time_ns()
    chain_digests = [cache.content_digest(p) for p in chain] if use_cache else []
    report, inputs, tools = evaluate(effective, project_dir, branch_name, maven_repo, use_cache)
    if use_cache and not any(r.status == "error" for r in report.rule_results) \
            and not cache.changed_since(inputs, started):
        cache.store(project_dir, key, spec_digest=effective.digest, spec_chain=chain,
                    chain_digests=chain_digests,
                    links=cache.spec_links(effective.layer_view(), layer_dirs), inputs=inputs,
                    tools=tools, report=report.to_json(),
                    failing=[r.id for r in report.rule_results if r.failing])
    return report


def evaluate(effective: EffectiveSpec, project_dir: Path, branch: str | None,
             maven_repo: Path | None, use_tool_cache: bool = True
             ) -> tuple[EnforceReport, set[Path], dict[str, Any]]:
    """Run the rules; also return the inputs read and the tool binaries' fingerprints."""
    from superspec.enforce.rulememo import configured_rules
    from superspec.enforce.tools import binary, fingerprint
    from superspec.enforce.workspace import Workspace

    rules = configured_rules(effective)
    facts = effective.facts
    workspace = Workspace(project_dir, facts["tool"], branch, maven_repo,
                          cache.tools_file(project_dir) if use_tool_cache else None)
    results = tuple(_run_rule(rule, workspace) for rule in rules)
    inputs = set(workspace.inputs)
    inputs.update(effective.layer_paths)
    inputs.update(Path(p) for p in cache.ecosystem_files(project_dir))
    for rule in rules:
        inputs.update(rule_files(rule))
    tools = {}
    for tool in sorted(workspace.tools_used):
        where = binary(tool)
        tools[tool] = fingerprint(where) if where else None
    report = EnforceReport(facts["name"], branch, results,
                           warnings=tuple(workspace.warnings))
    return report, inputs, tools


def rule_files(rule: Any) -> list[Path]:
    """The files of a rule's code: its class's module and its options model's module."""
    from superspec.plainvalues import PlainValues, model_name

    options = rule.options
    model_module = model_name(options).partition(":")[0] if isinstance(options, PlainValues) \
        else type(options).__module__
    found = []
    for module in (type(rule.rule).__module__, model_module):
        if module in sys.modules:
            where = getattr(sys.modules[module], "__file__", None)
        else:  # the options model's module, when the rules memo stood in for the model
            import importlib.util

            spec = importlib.util.find_spec(module)
            where = spec.origin if spec is not None and spec.has_location else None
        if where is not None:
            found.append(Path(where))
    return found


def _run_rule(rule: Any, workspace: Any) -> RuleResult:
    from superspec.enforce.rule import RuleContext

    if not selected(workspace.branch, rule.only_when):
        return RuleResult(rule.id, rule.level, "skip",
                          detail=skip_reason(workspace.branch, rule.only_when or ()))
    context = RuleContext(rule.id, rule.level, rule.options, workspace)
    try:
        violations = tuple(rule.rule.check(context))
    except SuperspecError as exc:
        return RuleResult(rule.id, rule.level, "error", detail=str(exc))
    except Exception as exc:  # noqa: BLE001 - a plugin's bug is reported, named, not a crash
        return RuleResult(rule.id, rule.level, "error",
                          detail=f"rule plugin '{rule.id}' ({rule.plugin}) raised "
                                 f"{type(exc).__name__}: {exc}")
    return RuleResult(rule.id, rule.level, "fail" if violations else "pass", violations,
                      detail="; ".join(context.notes))
