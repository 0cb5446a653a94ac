"""GitLab `needs` from the stage order and branch conditions (Jenkins runs stages in order)."""

from __future__ import annotations

from dataclasses import replace

from superspec.render.plan import Need, Stage


def with_needs(stages: list[Stage]) -> tuple[Stage, ...]:
    """GitLab `needs`: the nearest earlier stage that always runs with this one, plus (optional)
    the later ones that may run with it; the build for a package. Sequential like Jenkins."""
    result = []
    for index, stage in enumerate(stages):
        earlier = stages[:index]
        anchor = next((i for i in range(index - 1, -1, -1)
                       if earlier[i].condition.covers(stage.condition)), None)
        if anchor is None:
            result.append(stage)
            continue
        needs = [Need(earlier[anchor].id)]
        needs += [Need(s.id, optional=True) for s in earlier[anchor + 1:]
                  if s.condition.may_overlap(stage.condition)]
        if stage.runner == "package":
            named = {n.stage for n in needs}
            needs += [Need(s.id, optional=not s.condition.covers(stage.condition))
                      for s in earlier if s.artifacts and s.id not in named]
        result.append(replace(stage, needs=tuple(needs)))
    return tuple(result)
