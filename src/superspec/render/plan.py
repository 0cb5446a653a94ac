"""The pipeline plan: one target-neutral description that every generated file renders.

Pure: no files, no templates. Both the Jenkinsfile and the .gitlab-ci.yml are drawn from the
same ``Plan``, so they cannot disagree on stages, order, environments, approvals or locks.
"""

from __future__ import annotations

from dataclasses import dataclass

from superspec.render.branches import Condition

DEFAULT_ENFORCE_JUNIT = "superspec-enforce.xml"

# GitLab deployment tier of each environment class.
DEPLOYMENT_TIERS = {
    "development": "development",
    "functional-test": "testing",
    "acceptance": "testing",
    "pre-release": "staging",
    "production": "production",
}


@dataclass(frozen=True)
class Approval:
    groups: tuple[str, ...]
    timeout_minutes: int
    message: str


@dataclass(frozen=True)
class Environment:
    name: str
    env_class: str
    tier: str
    url: str | None = None


@dataclass(frozen=True)
class Need:
    stage: str
    optional: bool = False


@dataclass(frozen=True)
class RunnerCall:
    """A call of a superspec runner; both targets turn it into a library step or a command."""

    runner: str  # enforce | package | deploy | release
    stage: str
    spec: str  # the spec file, relative to the generated files
    env: str | None = None
    envs: tuple[str, ...] = ()
    junit: str | None = None  # the JUnit report the runner writes (enforce)
    root: str | None = None  # ci.root: the company layer the runner pins the chain to

    def command(self, branch_var: str) -> str:
        """The shell command line; ``branch_var`` is the CI's variable naming the branch."""
        from superspec.render.filters import shell_quote

        words = ["superspec", self.runner, "--spec", shell_quote(self.spec)]
        if self.root is not None:
            words += ["--root", shell_quote(self.root)]
        if self.runner == "enforce":
            words += ["--branch", f'"${branch_var}"']
        if self.env is not None:
            words += ["--env", shell_quote(self.env)]
        for env in self.envs:
            words += ["--env", shell_quote(env)]
        if self.junit is not None:
            words += ["--report-junit", shell_quote(self.junit)]
        return " ".join(words)


@dataclass(frozen=True)
class Stage:
    id: str
    runner: str
    condition: Condition
    commands: tuple[str, ...] = ()  # build / test / script: shell, passed verbatim
    call: RunnerCall | None = None  # enforce / package / deploy / release
    image: str | None = None  # the build image command stages run in
    needs: tuple[Need, ...] | None = None  # None: wait for every earlier stage
    environment: Environment | None = None
    approval: Approval | None = None
    lock: str | None = None  # concurrency group, `<project>-<env>`
    milestones: tuple[int, ...] = ()  # Jenkins milestone ordinals (before input, before lock)
    junit: str | None = None
    artifacts: tuple[str, ...] = ()  # files later stages use (the build's artifact)
    secrets: tuple[str, ...] = ()  # credential names the runner needs (never values)
    package: str | None = None  # deploy/release: the package stage whose outputs it deploys
    inputs: tuple[str, ...] = ()  # earlier stages whose artifacts it uses (and that surely ran)

    @property
    def kind(self) -> str:
        return "runner" if self.call is not None else "commands"

    @property
    def gate_stage(self) -> str:
        """Jenkins: the part of a deploy/release stage that waits without an agent (milestones,
        the approval)."""
        return f"{self.id}: approval" if self.approval is not None else f"{self.id}: milestone"

    @property
    def run_stage(self) -> str:
        """Jenkins: the part of a deploy/release stage that takes the lock and an agent."""
        return f"{self.id}: {self.runner}"

    @property
    def jenkins_names(self) -> tuple[str, ...]:
        """Every Jenkins stage name this stage takes (names are unique in a pipeline)."""
        return (self.id, self.gate_stage, self.run_stage) if self.lock else (self.id,)


@dataclass(frozen=True)
class JenkinsSettings:
    library: str | None  # @Library id; None: plain `sh 'superspec ...'` steps
    agent_label: str | None
    agent_image: str | None
    agent_args: str | None
    timeout_minutes: int | None  # the whole build: work plus the longest possible approvals
    keep_builds: int | None


@dataclass(frozen=True)
class GitlabLayers:
    """ci.gitlab.layers: the GitLab project (and ref) runner jobs fetch the company layers from."""

    project: str  # a project path, e.g. acme/ci-layers
    ref: str  # a tag, branch or commit


@dataclass(frozen=True)
class GitlabSettings:
    image: str | None
    tags: tuple[str, ...]
    layers: GitlabLayers | None = None


@dataclass(frozen=True)
class Plan:
    project: str
    spec_file: str  # relative to the directory the files are written to (POSIX separators)
    digest: str
    version: str
    strategy: str
    stages: tuple[Stage, ...]
    jenkins: JenkinsSettings
    gitlab: GitlabSettings
