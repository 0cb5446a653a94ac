"""`superspec step enforce`: the enforce runner behind the step contract.

``params`` is the validated ``EnforceParams`` or its values from the params memo: read only as
attributes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from superspec.enforce.reports import write_junit
from superspec.enforce.runner import run_enforce
from superspec.step.context import StepContext, Verdict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.enforce.stepparams import EnforceParams


def run(ctx: StepContext, params: EnforceParams) -> Verdict:
    effective = ctx.effective
    maven_repo = Path(params.maven_repo) if params.maven_repo else None
    report = run_enforce(effective, Path(effective.path).parent, branch=params.branch,
                         maven_repo=maven_repo, use_cache=params.cache,
                         layer_dirs=tuple(Path(d) for d in params.layers))
    if params.junit:
        write_junit(report, Path(params.junit))
    details = report.to_json()
    return Verdict("passed" if report.passed else "failed", enforce_message(details), details)


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
