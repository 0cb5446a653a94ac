"""Which environments a package stage packages: one rule for the pipeline, `superspec package
--all-envs` and `superspec step package`."""

from __future__ import annotations

from superspec.runners import registry
from superspec.spec.models import Spec
from superspec.spec.stages import stage_order


def envs_packaged_by(spec: Spec, stage_id: str) -> list[str]:
    """The environments stage ``stage_id`` packages, each once: its ``envs`` and its ``env``;
    when it names none, the environments the pipeline's deploy and release stages target, in
    pipeline order. Names not defined in ``environments`` are left out (validation reports
    them); an empty list means there is nothing to package."""
    stage = spec.pipeline.stages[stage_id]
    named = [*(stage.envs or []), *([stage.env] if stage.env else [])]
    if not named:
        deploying = registry.deploying()
        named = [env for s in stage_order(spec)
                 if spec.stage_runner(s) in deploying and (env := spec.pipeline.stages[s].env)]
    return [env for env in dict.fromkeys(named) if env in spec.environments]
