"""Stage order: first definition wins; ``after: X`` moves a stage directly behind X."""

from __future__ import annotations

from superspec.spec.models import Spec


class StageCycle(ValueError):
    def __init__(self, stages: list[str]) -> None:
        super().__init__(f"'after' forms a cycle between stages: {', '.join(stages)}")
        self.stages = stages


def stage_order(spec: Spec) -> list[str]:
    """Stage ids in pipeline order. Stages moved behind the same stage keep their own order."""
    stages = spec.pipeline.stages
    behind: dict[str, list[str]] = {stage_id: [] for stage_id in stages}
    roots = []
    for stage_id, stage in stages.items():
        if stage.after and stage.after in stages:
            behind[stage.after].append(stage_id)
        else:
            roots.append(stage_id)
    order: list[str] = []

    def emit(stage_id: str) -> None:
        order.append(stage_id)
        for follower in behind[stage_id]:
            emit(follower)

    for stage_id in roots:
        emit(stage_id)
    if len(order) < len(stages):
        raise StageCycle([s for s in stages if s not in order])
    return order
