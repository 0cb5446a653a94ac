"""What an application should run as in one environment, from the effective spec (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from superspec.digest import digest
from superspec.env.names import check_env_name
from superspec.errors import SpecError
from superspec.spec import EffectiveSpec
from superspec.spec.envmodels import Database, Release
from superspec.suggest import unknown_environment


@dataclass(frozen=True)
class AppPlan:
    project: str
    env: str
    env_class: str
    engine: str  # docker | swarm
    version: str
    image: str  # the image reference the replicas run
    port: int  # the app's container port
    health: str
    replicas: int
    variables: dict[str, str]  # app.env: plain runtime variables
    secrets: tuple[str, ...]  # names; values from the runner's environment
    front_port: int | None  # environments.<env>.port
    proxy_image: str | None
    database: Database | None
    project_dir: Path
    spec_digest: str
    release: Release | None = None  # environments.<env>.release (swarm: the update config)

    @property
    def config(self) -> dict[str, Any]:
        """The non-secret settings the replicas run with (compared by merge, digested)."""
        database = None if self.database is None else {
            "engine": self.database.engine, "baselineVersion": self.database.baseline_version}
        return {"image": self.image.rpartition(":")[0] if self._tagged else self.image,
                "port": self.port, "health": self.health, "replicas": self.replicas,
                "env": dict(sorted(self.variables.items())), "secrets": list(self.secrets),
                "database": database}

    @property
    def _tagged(self) -> bool:
        return ":" in self.image.rpartition("/")[2]

    @property
    def config_digest(self) -> str:
        return digest(self.config)


def app_plan(effective: EffectiveSpec, env: str, version: str | None = None,
             image: str | None = None) -> AppPlan:
    """The plan of this project in ``env``; ``version`` (default app.version) tags app.image,
    ``image`` (a full reference) replaces both."""
    model = effective.model
    check_env_name(env)
    if env not in model.environments:
        raise SpecError(unknown_environment(env, model.environments),
                        location=effective.locate("environments"))
    app = model.app
    environment = model.environments[env]
    problems = []
    if image is None and app.image is None:
        problems.append(SpecError("app.image is needed to deploy (the repository; the tag is "
                                  "the version)", location=effective.locate("app")))
    if app.port is None:
        problems.append(SpecError("app.port is needed to deploy (the port the app listens on)",
                                  location=effective.locate("app")))
    tag = image.rpartition("/")[2].partition(":")[2] if image else ""
    wanted = version or tag or (None if image else app.version)
    if image is None and wanted is None:
        problems.append(SpecError("no version to deploy: set app.version or pass --version",
                                  location=effective.locate("app")))
    if environment.database is not None and environment.database.baseline is None:
        problems.append(SpecError("a database needs 'baseline' (schema and reference data)",
                                  location=effective.locate(("environments", env, "database"))))
    if problems:
        raise SpecError(problems)
    assert app.port is not None
    reference = image or f"{app.image}:{wanted}"
    return AppPlan(
        project=model.name, env=env, env_class=environment.class_, engine=environment.engine,
        version=wanted or "latest", image=reference, port=app.port,
        health=app.health or "/", replicas=app.replicas.get(env, app.replicas.get("default", 1)),
        variables=dict(app.env), secrets=tuple(app.secrets), front_port=environment.port,
        proxy_image=environment.proxy.image, database=environment.database,
        project_dir=Path(effective.path).parent, spec_digest=effective.digest,
        release=environment.release)
