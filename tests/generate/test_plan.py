"""The pipeline plan: branch conditions per strategy, needs, approvals, locks, milestones."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from superspec.errors import SpecError
from superspec.render.branches import Condition, gitlab_regex
from superspec.render.plan import Need, Plan
from superspec.render.planner import build_plan
from superspec.spec import load_spec

ENVIRONMENTS = {
    "dev": {"class": "development"}, "test": {"class": "functional-test"},
    "uat": {"class": "acceptance"}, "staging": {"class": "pre-release"},
    "prod": {"class": "production",
             "approval": {"required": True, "groups": ["rm"], "timeoutMinutes": 90}},
}


def plan_of(tmp_path: Path, stages: dict, **extra: object) -> Plan:
    spec = {"superspec": 1, "kind": "project", "name": "app", "build": {"tool": "maven"},
            "environments": ENVIRONMENTS, "pipeline": {"stages": stages}, **extra}
    path = tmp_path / "superspec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return build_plan(load_spec(path), "superspec.yaml", "0.1.0")


DEPLOYS = {f"deploy-{e}": {"run": "deploy", "env": e} for e in ENVIRONMENTS}


@pytest.mark.parametrize(("strategy", "expected"), [
    ("trunk", {"dev": "main", "test": "main", "uat": "main", "staging": "main", "prod": "main"}),
    ("github-flow", {"dev": "main", "test": "main", "uat": "main", "staging": "main",
                     "prod": "main"}),
    ("gitflow", {"dev": "develop", "test": "develop", "uat": "release/*",
                 "staging": "release/*", "prod": "main"}),
    ("gitlab-flow", {"dev": "main", "test": "main", "uat": "main", "staging": "release/*",
                     "prod": "release/*"}),
])
def test_deploy_branches_follow_the_strategy(tmp_path: Path, strategy: str,
                                             expected: dict[str, str]) -> None:
    plan = plan_of(tmp_path, {"build": {}, "package": {}, **DEPLOYS},
                   branching={"strategy": strategy})
    got = {s.environment.name: s.condition.branches for s in plan.stages if s.environment}
    assert got == {env: (branch,) for env, branch in expected.items()}
    assert plan.stages[0].condition == Condition()  # build runs on every branch
    package = next(s for s in plan.stages if s.id == "package")
    assert package.condition.branches == {
        "trunk": ("main",), "github-flow": ("main",),
        "gitflow": ("develop", "release/*", "main"), "gitlab-flow": ("main", "release/*"),
    }[strategy]


def test_when_overrides_and_after_inherits(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, {
        "build": {},
        "deploy-test": {"run": "deploy", "env": "test"},
        "smoke": {"script": ["./smoke"], "after": "deploy-test"},
        "docs": {"script": ["make docs"], "when": {"branch": ["main", "docs/**"]}},
    }, branching={"strategy": "gitflow"})
    conditions = {s.id: s.condition for s in plan.stages}
    assert [s.id for s in plan.stages] == ["build", "deploy-test", "smoke", "docs"]
    assert conditions["smoke"] == conditions["deploy-test"] == Condition(("develop",))
    assert conditions["docs"] == Condition(("main", "docs/**"))


def test_approval_protects_locks_and_takes_two_milestones(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, {"build": {}, "deploy-dev": {"run": "deploy", "env": "dev"},
                              "release-prod": {"run": "release", "env": "prod"}})
    dev, prod = plan.stages[1], plan.stages[2]
    assert (dev.approval, dev.lock, dev.milestones) == (None, "app-dev", (1,))
    assert prod.approval is not None
    assert (prod.approval.groups, prod.approval.timeout_minutes) == (("rm",), 90)
    assert prod.approval.message == "Approve release of app to prod?"
    assert (prod.lock, prod.milestones) == ("app-prod", (2, 3))
    assert prod.condition == Condition(("main",), protected=True)
    assert prod.environment is not None and prod.environment.tier == "production"
    assert plan.jenkins.timeout_minutes == 60 + 90  # work plus the approval's wait


def test_needs_wait_for_every_stage_that_can_run_alongside(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, {
        "build": {},
        "a": {"script": ["a"], "when": {"branch": ["main", "develop"]}},
        "b": {"script": ["b"], "when": {"branch": ["develop", "release/*"]}},
        "c": {"script": ["c"], "when": {"branch": "release/*"}},
        "package": {"envs": ["dev"]},
    }, package={"artifact": "target/app.jar"})
    needs = {s.id: s.needs for s in plan.stages}
    assert needs["build"] is None  # first stage: nothing to wait for
    assert needs["a"] == (Need("build"),)
    # b: build always runs with it; a may (on develop): optional
    assert needs["b"] == (Need("build"), Need("a", optional=True))
    # c: b can run with it (release/* is in both)
    assert needs["c"] == (Need("b"),)
    # package (main only): a covers it; b and c never run on main; build brings the artifact
    assert needs["package"] == (Need("a"), Need("build"))


def test_package_envs_default_to_the_deployed_environments(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, {"build": {}, "package": {}, "deploy-test": {"run": "deploy",
                              "env": "test"}, "release-prod": {"run": "release", "env": "prod"}},
                   branching={"strategy": "gitflow"}, package={"artifact": "target/app.jar"})
    package = plan.stages[1]
    assert package.call is not None and package.call.envs == ("test", "prod")
    assert package.condition == Condition(("develop", "main"))
    assert package.artifacts == ("target/app-test.jar", "target/app-prod.jar")
    assert plan.stages[0].artifacts == ("target/app.jar",)


@pytest.mark.parametrize(("base", "outputs"), [
    ("dist/app.tar.gz", ("dist/app-test.tar.gz", "dist/app-prod.tar.gz")),
    ("dist/App.TGZ", ("dist/App-test.TGZ", "dist/App-prod.TGZ")),
    ("dist/billing-1.0-py3-none-any.whl", ("dist/test/billing-1.0-py3-none-any.whl",
                                           "dist/prod/billing-1.0-py3-none-any.whl")),
    ("bin/tool", ("bin/tool-test", "bin/tool-prod")),
    ("a/b.c.zip", ("a/b.c-test.zip", "a/b.c-prod.zip")),
])
def test_package_outputs_are_the_package_runner_defaults(tmp_path: Path, base: str,
                                                         outputs: tuple[str, ...]) -> None:
    """The GitLab artifacts name what `superspec package` writes by default."""
    plan = plan_of(tmp_path, {"build": {}, "package": {"envs": ["test", "prod"]}},
                   package={"artifact": base})
    assert plan.stages[1].artifacts == outputs


def test_package_without_any_environment_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as error:
        plan_of(tmp_path, {"build": {}, "package": {}})
    assert [p.message for p in error.value.problems] == [
        "stage 'package' runs 'package' but names no environments and no stage deploys to "
        "one: set 'envs: [...]'"]
    assert error.value.problems[0].location.key == "pipeline.stages.package"


def test_default_commands_per_tool(tmp_path: Path) -> None:
    commands = {}
    for tool in ("maven", "gradle", "python", "npm", "go"):
        plan = plan_of(tmp_path, {"build": {}, "test": {}}, build={"tool": tool})
        commands[tool] = [s.commands for s in plan.stages]
    assert commands == {
        "maven": [("mvn -B -DskipTests package",), ("mvn -B test",)],
        "gradle": [("./gradlew assemble",), ("./gradlew test",)],
        "python": [("python -m pip install .",), ("python -m pytest",)],
        "npm": [("npm ci && npm run build --if-present",), ("npm test",)],
        "go": [("go build ./...",), ("go test ./...",)],
    }


def test_hostile_environment_name_is_a_located_error(tmp_path: Path) -> None:
    envs = {"dev ${X}": {"class": "development"}}
    spec = {"superspec": 1, "kind": "project", "name": "app", "build": {"tool": "go"},
            "environments": envs,
            "pipeline": {"stages": {"deploy": {"env": "dev ${X}"}}}}
    path = tmp_path / "superspec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    with pytest.raises(SpecError) as error:
        build_plan(load_spec(path), "superspec.yaml", "0.1.0")
    assert [str(p) for p in error.value.problems] == [
        f"{error.value.problems[0].location.file}:7 [project app] environments.dev ${{X}}: "
        "environment name 'dev ${X}' cannot name a lock or environment: use letters, digits, "
        "'.', '_' and '-', starting with a letter or digit"]


def test_gitlab_regex_escapes_everything_but_the_glob() -> None:
    assert gitlab_regex("release/*") == "/^release\\/[^\\/]*$/"
    assert gitlab_regex("v1.2+x/**") == "/^v1\\.2\\+x\\/.*$/"
    assert gitlab_regex("a?b") == "/^a[^\\/]b$/"


def test_a_trailing_newline_is_refused_in_names_and_branch_patterns(tmp_path: Path) -> None:
    """`$` would accept a final newline; names and patterns must match as a whole."""
    with pytest.raises(SpecError) as error:
        plan_of(tmp_path, {"build": {}, "ship": {"script": ["echo"],
                                                 "when": {"branch": ["main\n"]}}},
                name="app\n", branching={"strategy": "gitflow", "develop": "develop\n"})
    file = error.value.problems[0].location.file
    assert [str(p) for p in error.value.problems] == [
        f"{file}:3 [project app\n] name: project name 'app\\n' cannot name a lock or "
        "environment: use letters, digits, '.', '_' and '-', starting with a letter or digit",
        f"{file}:37 [project app\n] branching.develop: branch pattern 'develop\\n' may only use "
        "letters, digits and _ . @ + * ? # % = , / -",
        f"{file}:32 [project app\n] pipeline.stages.ship.when.branch.0: branch pattern "
        "'main\\n' may only use letters, digits and _ . @ + * ? # % = , / -"]


def test_package_runs_wherever_a_consumer_runs(tmp_path: Path) -> None:
    """A release stage limited to release branches still gets its package (trunk packages on
    main only), and its GitLab job needs the package job for the package's files."""
    plan = plan_of(tmp_path, {
        "build": {}, "test": {},
        "package": {"envs": ["dev", "prod"]},
        "deploy-dev": {"run": "deploy", "env": "dev"},
        "release-prod": {"run": "release", "env": "prod", "when": {"branch": "release/*"}},
    }, package={"artifact": "target/app.jar"})
    stages = {s.id: s for s in plan.stages}
    assert stages["package"].condition == Condition(("main", "release/*"))
    assert stages["release-prod"].condition == Condition(("release/*",), protected=True)
    assert stages["release-prod"].needs == (Need("package"),)
    # deploy-dev needs package (the nearest stage that surely runs with it) for its files too
    assert stages["deploy-dev"].needs == (Need("package"),)
    assert stages["release-prod"].package == stages["deploy-dev"].package == "package"


def test_gitflow_hotfix_stage_widens_the_package_and_needs_it(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, {
        "build": {}, "package": {},
        "deploy-test": {"run": "deploy", "env": "test"},
        "release-prod": {"run": "release", "env": "prod"},
        "hotfix-prod": {"run": "release", "env": "prod", "when": {"branch": "hotfix/**"}},
    }, branching={"strategy": "gitflow"}, package={"artifact": "target/app.jar"})
    stages = {s.id: s for s in plan.stages}
    assert stages["package"].condition == Condition(("develop", "main", "hotfix/**"))
    assert stages["hotfix-prod"].needs == (Need("package"),)
    # release-prod: release-prod waits for deploy-test? never on main: package is its anchor
    assert stages["release-prod"].needs == (Need("package"),)
    assert stages["deploy-test"].needs == (Need("package"),)


def test_a_consumer_after_a_later_stage_still_needs_its_package(tmp_path: Path) -> None:
    """GitLab hands a job only the files of the jobs it needs: a release anchored on an earlier
    deploy needs the package job as well."""
    plan = plan_of(tmp_path, {
        "build": {}, "package": {"envs": ["dev", "staging"]},
        "deploy-dev": {"run": "deploy", "env": "dev"},
        "release-staging": {"run": "release", "env": "staging"},
    }, package={"artifact": "target/app.jar"})
    stages = {s.id: s for s in plan.stages}
    assert stages["release-staging"].needs == (Need("deploy-dev"), Need("package"))


def test_stages_after_a_widened_package_follow_it(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, {
        "build": {}, "package": {"envs": ["prod"]},
        "scan": {"script": ["./scan"], "after": "package"},
        "release-prod": {"run": "release", "env": "prod", "when": {"branch": "release/*"}},
    })
    stages = {s.id: s for s in plan.stages}
    assert stages["scan"].condition == stages["package"].condition == Condition(
        ("main", "release/*"))


def test_a_deploy_before_the_package_that_packages_it_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as error:
        plan_of(tmp_path, {"build": {}, "deploy-dev": {"run": "deploy", "env": "dev"},
                           "package": {}})
    [problem] = error.value.problems
    assert problem.message == (
        "stage 'deploy-dev' deploys environment 'dev' before stage 'package' packages it: "
        "move 'deploy-dev' after 'package' (e.g. after: package)")
    assert problem.location.key == "pipeline.stages.deploy-dev"


def test_a_stage_id_taken_by_a_jenkins_part_of_a_deploy_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as error:
        plan_of(tmp_path, {"build": {}, "deploy-dev": {"run": "deploy", "env": "dev"},
                           "deploy-dev: milestone": {"script": ["true"]}})
    assert [(p.message, p.location.key) for p in error.value.problems] == [
        ("stage id 'deploy-dev: milestone' is the Jenkins name of a part of stage "
         "'deploy-dev': choose another id", "pipeline.stages.deploy-dev: milestone")]


def test_gitlab_layers_reach_the_plan(tmp_path: Path) -> None:
    from superspec.render.plan import GitlabLayers

    plan = plan_of(tmp_path, {"build": {}},
                   ci={"gitlab": {"layers": {"project": "acme/ci-layers", "ref": "v3"}}})
    assert plan.gitlab.layers == GitlabLayers("acme/ci-layers", "v3")
    assert plan_of(tmp_path, {"build": {}}).gitlab.layers is None


@pytest.mark.parametrize(("layers", "key", "message"), [
    ({"project": "ci-layers", "ref": "v3"}, "ci.gitlab.layers.project",
     "layers project 'ci-layers' is not a GitLab project path such as acme/ci-layers"),
    ({"project": "acme/$(id)", "ref": "v3"}, "ci.gitlab.layers.project",
     "layers project 'acme/$(id)' is not a GitLab project path such as acme/ci-layers"),
    ({"project": "acme/ci-layers", "ref": "--upload-pack=x"}, "ci.gitlab.layers.ref",
     "layers ref '--upload-pack=x' is not a tag, branch or commit"),
    ({"project": "acme/ci-layers", "ref": "v3/../x"}, "ci.gitlab.layers.ref",
     "layers ref 'v3/../x' is not a tag, branch or commit"),
])
def test_unusable_gitlab_layers_are_located_errors(tmp_path: Path, layers: dict[str, str],
                                                   key: str, message: str) -> None:
    with pytest.raises(SpecError) as error:
        plan_of(tmp_path, {"build": {}}, ci={"gitlab": {"layers": layers}})
    assert [(p.message, p.location.key) for p in error.value.problems] == [(message, key)]
