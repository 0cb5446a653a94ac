"""The pydantic model of the spec format (version 1), validated once on the merged layers.

Keys are camelCase in YAML (``timeoutMinutes``); Python attributes are snake_case.
Every model forbids unknown keys and is strict: a value must have its field's type as YAML reads
it (no ``"8080"`` for a number, no ``"yes"`` for a boolean), as the published JSON Schema says.
Two readings follow JSON Schema's own: a whole number written as a float (``8080.0``) is an
integer, and an integer is a number where a float is expected. See docs/spec-format.md for the
user-facing reference.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from superspec.runners import registry
from superspec.spec.envmodels import Environment
from superspec.spec.modelbase import Int, Model, Port, PositiveInt, SecretNames
from superspec.suggest import hinted

Kind = Literal["company", "department", "project"]
BranchPatterns = str | list[str]


# --- ci ---------------------------------------------------------------------------------------


class DockerAgent(Model):
    image: str
    args: str | None = None


class JenkinsAgent(Model):
    label: str | None = None
    docker: DockerAgent | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> JenkinsAgent:
        if self.label is not None and self.docker is not None:
            raise ValueError("set either 'label' or 'docker', not both")
        return self


class JenkinsOptions(Model):
    timeout_minutes: PositiveInt | None = 60
    keep_builds: PositiveInt | None = 30


class JenkinsScm(Model):
    url: str
    credentials_id: str | None = None
    branches: str | None = None  # multibranch: which branches to build (wildcards)


class JenkinsJob(Model):
    """How `superspec jenkins apply` creates the project's job."""

    kind: Literal["multibranch", "pipeline"] | None = None  # default: multibranch with scm
    folder: str | None = None  # default: the department layer's name
    scm: JenkinsScm | None = None


class JenkinsCi(Model):
    library: str = "none"
    agent: JenkinsAgent = Field(default_factory=JenkinsAgent)
    options: JenkinsOptions = Field(default_factory=JenkinsOptions)
    job: JenkinsJob = Field(default_factory=JenkinsJob)


class GitlabLayers(Model):
    """Where GitLab jobs fetch the company layers: a project and a pinned ref."""

    project: str
    ref: str


class GitlabCi(Model):
    image: str | None = None
    tags: list[str] = []
    project: str | None = None  # default: <--group>/<name>
    layers: GitlabLayers | None = None


class Ci(Model):
    jenkins: JenkinsCi = Field(default_factory=JenkinsCi)
    gitlab: GitlabCi = Field(default_factory=GitlabCi)
    templates: str | None = None  # extension: a directory of template overrides (company only)
    root: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


# --- build and branching ----------------------------------------------------------------------


class BuildCommands(Model):
    """Shell commands of the build and test stages; unset ones default from ``build.tool``."""

    build: str | None = None
    test: str | None = None

    def get(self, runner: str) -> str | None:
        return {"build": self.build, "test": self.test}.get(runner)


class Build(Model):
    tool: Literal["maven", "gradle", "python", "npm", "go", "custom"]
    image: str | None = None
    commands: BuildCommands = Field(default_factory=BuildCommands)


class Branching(Model):
    strategy: Literal["trunk", "gitflow", "github-flow", "gitlab-flow"] = "trunk"
    main: str = "main"
    develop: str = "develop"
    release: str = "release/*"


# --- pipeline ---------------------------------------------------------------------------------


class When(Model):
    branch: BranchPatterns | None = None


class Reports(Model):
    junit: str | None = None


def _runner_enum(schema: dict[str, Any]) -> None:
    """The JSON Schema of ``run:`` lists the registered runners (as of when it is generated)."""
    for choice in schema.get("anyOf", []):
        if choice.get("type") == "string":
            choice["enum"] = list(registry.names())


class Stage(Model):
    run: str | None = Field(default=None, json_schema_extra=_runner_enum)
    env: str | None = None
    envs: list[str] | None = None
    script: list[str] | None = None
    after: str | None = None
    when: When | None = None
    reports: Reports | None = None

    @field_validator("run")
    @classmethod
    def _registered(cls, run: str | None) -> str | None:
        if run is not None and registry.get(run) is None:
            raise ValueError(hinted(f"unknown runner '{run}'", run, registry.names(), "runners"))
        return run


class Pipeline(Model):
    stages: dict[str, Stage]


# --- enforce ----------------------------------------------------------------------------------


class OnlyWhen(Model):
    branch: BranchPatterns | None = None


class RuleConfig(BaseModel):
    """Options of one rule. ``level`` and ``onlyWhen`` are common; the rest belongs to the rule."""

    model_config = ConfigDict(
        extra="allow", alias_generator=to_camel, frozen=True, strict=True
    )
    level: Literal["error", "warn"] | None = None
    only_when: OnlyWhen | None = None

    @property
    def options(self) -> dict[str, Any]:
        """The rule-specific options (everything but level and onlyWhen), keyed as written."""
        return dict(self.model_extra or {})


class Enforce(Model):
    rules: dict[str, RuleConfig] = {}
    level: Literal["error", "warn"] = "error"


# --- app and package --------------------------------------------------------------------------


class App(Model):
    image: str | None = None  # repository; the tag is the version
    version: str | None = None
    port: Port | None = None  # the container port
    health: str | None = None  # HTTP GET path; 2xx = healthy
    replicas: dict[str, Int] = {}
    env: dict[str, str] = {}  # plain runtime variables of the app's containers
    secrets: SecretNames = []  # names; values come from the runner's environment


class PackageFile(Model):
    template: str
    path: str


class Package(Model):
    artifact: str | None = None
    files: list[PackageFile] = []
    values: dict[str, dict[str, Any]] = {}
    secrets: SecretNames = []
    secret_style: str = "${NAME}"  # extension: how secrets.NAME renders in packaged files


# --- the whole spec ---------------------------------------------------------------------------


class Webhook(Model):
    url: str
    events: list[Literal["started", "step", "gate", "paused", "resumed", "promoted",
                         "rolled-back", "failed", "released"]] = []  # [] = every event


class Notifications(Model):
    webhooks: list[Webhook] = []


class Spec(Model):
    """The effective (merged) spec. Required once merged: superspec, kind, name, build.tool,
    pipeline.stages."""

    superspec: Literal[1]
    kind: Kind
    name: str = Field(min_length=1)
    extends: str | None = None
    locked: list[str] = []
    ci: Ci = Field(default_factory=Ci)
    build: Build
    branching: Branching = Field(default_factory=Branching)
    pipeline: Pipeline
    enforce: Enforce = Field(default_factory=Enforce)
    environments: dict[str, Environment] = {}
    app: App = Field(default_factory=App)
    package: Package = Field(default_factory=Package)
    notifications: Notifications = Field(default_factory=Notifications)

    def stage_runner(self, stage_id: str) -> str:
        """The runner of a stage: ``run:`` if given, else the id when it names a known runner."""
        stage = self.pipeline.stages[stage_id]
        if stage.run:
            return stage.run
        return stage_id if registry.get(stage_id) is not None else "script"
