"""GitLab `needs` from the stage order and branch conditions (Jenkins runs stages in order), and
the stages whose files each stage takes over (GitLab artifacts, Jenkins stash/unstash)."""

from __future__ import annotations

from dataclasses import replace

from superspec.render.plan import Need, Stage


def with_needs(stages: list[Stage]) -> tuple[Stage, ...]:
    """GitLab `needs`: the nearest earlier stage that always runs with this one, plus (optional)
    the later ones that may run with it; the build for a package; the package for a deploy or
    release (GitLab hands a job the files of the jobs it needs only). Sequential like Jenkins."""
    result = []
    for index, stage in enumerate(stages):
        earlier = stages[:index]
        inputs = _inputs(stage, earlier)
        anchor = next((i for i in range(index - 1, -1, -1)
                       if earlier[i].condition.covers(stage.condition)), None)
        if anchor is None:
            result.append(replace(stage, inputs=inputs))
            continue
        needs = [Need(earlier[anchor].id)]
        needs += [Need(s.id, optional=True) for s in earlier[anchor + 1:]
                  if s.condition.may_overlap(stage.condition)]
        named = {n.stage for n in needs}
        if stage.runner == "package":
            needs += [Need(s.id, optional=not s.condition.covers(stage.condition))
                      for s in earlier if s.artifacts and s.id not in named]
        elif stage.package is not None and stage.package not in named:
            needs.append(Need(stage.package))
        result.append(replace(stage, needs=tuple(needs), inputs=inputs))
    return tuple(result)


def _inputs(stage: Stage, earlier: list[Stage]) -> tuple[str, ...]:
    """The earlier stages whose files ``stage`` uses and that surely ran before it: for a
    package, the stages with artifacts (the build); for a deploy or release, its package."""
    if stage.runner == "package":
        return tuple(s.id for s in earlier
                     if s.artifacts and s.condition.covers(stage.condition))
    if stage.package is not None:
        supplier = next(s for s in earlier if s.id == stage.package)
        if supplier.artifacts and supplier.condition.covers(stage.condition):
            return (supplier.id,)
    return ()
