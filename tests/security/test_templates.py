"""Template overrides are company code, rendered in jinja2's immutable sandbox, and what they
render must keep every stage, approval, lock and runner call of the plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli, write

COMPANY = """
superspec: 1
kind: company
name: acme
ci: {templates: ct}
build: {tool: custom, commands: {build: "true"}}
pipeline:
  stages:
    enforce: {}
    build: {}
    deploy-prod: {run: deploy, env: prod}
environments: {prod: {class: production, approval: {required: true, groups: [rm]}}}
"""


@pytest.fixture
def company(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUPERSPEC_ROOT", raising=False)
    return write(tmp_path / "superspec.yaml", COMPANY)


@pytest.mark.parametrize("kind", ["project", "department"])
@pytest.mark.parametrize("value", ["mine", "null"])
def test_only_the_company_may_set_template_overrides(
        company: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str,
        value: str) -> None:
    (tmp_path / "ct").mkdir()
    spec = write(tmp_path / "team/superspec.yaml", f"""
        superspec: 1
        kind: {kind}
        name: team
        extends: ../superspec.yaml
        ci: {{templates: {value}}}
    """)
    if kind == "department":
        spec = write(tmp_path / "team/svc/superspec.yaml",
                     "superspec: 1\nkind: project\nname: svc\nextends: ../superspec.yaml\n")
    run = run_cli(capsys, "generate", "--spec", str(spec))
    assert run.code == 1
    assert run.err == (f"error: team/superspec.yaml:5 [{kind} team] ci.templates: only a company "
                       f"layer may set ci.templates (a {kind} layer cannot)\n")


PAYLOADS = {
    "lipsum globals": "{{ lipsum.__globals__['os'].popen('touch MARK').read() }}",
    "cycler globals": "{{ cycler.__init__.__globals__.os.popen('touch MARK').read() }}",
    "joiner globals": "{{ joiner.__init__.__globals__.os.popen('touch MARK').read() }}",
    "namespace globals": "{{ namespace.__init__.__globals__.os.popen('touch MARK').read() }}",
    "subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "attr format (CVE-2025-27516)":
        "{{ '{0.__class__.__init__.__globals__}'|attr('format')(plan) }}",
    "stored format (CVE-2024-56326)":
        "{% set f = '{0.__init__.__globals__}'.format %}{{ f(plan) }}",
    "format_map": "{{ '{0.__class__}'.format_map({0: plan}) }}",
    "template reference": "{{ self._TemplateReference__context }}",
    "function globals": "{{ gitlab_job.__globals__['os'].popen('touch MARK') }}",
    "closure": "{{ stage_templates.__closure__ }}",
    "attr filter": "{{ plan|attr('__class__') }}",
    "mutation": "{{ header.append('x') }}",
    "huge range": "{% for x in range(10**9) %}{% endfor %}",
}


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_sandbox_refuses_escape_payloads(company: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str], payload: str) -> None:
    write(tmp_path / "ct/jenkins/header.j2", payload + "\n")
    run = run_cli(capsys, "generate")
    assert run.code == 1
    assert run.err.startswith("error: ct/jenkins/header.j2:1: template error while rendering "
                              "Jenkinsfile: "), run.err
    assert run.err.count("\n") == 1
    assert not (tmp_path / "MARK").exists()
    assert not (tmp_path / "Jenkinsfile").exists()


RUNNER_WITHOUT_INPUT = """{% include "jenkins/steps/call.j2" %}
// input(message: 'kept only in a comment')
"""
RUNNER_WITHOUT_LOCK = """{% if stage.approval %}
input(message: {{ stage.approval.message | groovy_str }})
{% endif %}
{% include "jenkins/steps/call.j2" %}
"""
CALL_WITHOUT_RUNNER = "echo('superspec ' + {{ stage.call.runner | groovy_str }})\n"
STAGE_DROPPED = "{% if stage.id != 'enforce' %}{% include 'jenkins/stage.j2' %}{% endif %}\n"


@pytest.mark.parametrize(("template", "text", "problem"), [
    ("jenkins/steps/runner.j2", RUNNER_WITHOUT_INPUT,
     "stage 'deploy-prod' lost its approval (no input step)|"
     "stage 'deploy-prod' lost its lock 'acme-prod'"),
    ("jenkins/steps/runner.j2", RUNNER_WITHOUT_LOCK,
     "stage 'deploy-prod' lost its lock 'acme-prod'"),
    ("jenkins/steps/call.j2", CALL_WITHOUT_RUNNER,
     "stage 'enforce' no longer runs superspec enforce|"
     "stage 'deploy-prod' no longer runs superspec deploy"),
    ("jenkins/stages/enforce.j2", "        stage('enforce') { steps { echo('skipped') } }\n",
     "stage 'enforce' no longer runs superspec enforce"),
    ("jenkins/Jenkinsfile.j2", "pipeline {\n    stages {\n"
     "{% for stage in plan.stages %}{% include stage_templates('jenkins', stage) %}"
     "{% endfor %}\n    }\n}\n// stage('enforce') { superspecEnforce() }\n",
     None),
])
def test_a_jenkins_override_cannot_drop_a_standard(
        company: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], template: str,
        text: str, problem: str | None) -> None:
    write(tmp_path / "ct" / template, text)
    run = run_cli(capsys, "generate", "--target", "jenkins")
    if problem is None:  # an override that keeps everything is fine
        assert run.code == 0, run.err
        return
    assert run.code == 1
    assert run.err == "".join(
        f"error: the Jenkinsfile rendered with template overrides (ct/{template}): {line}\n"
        for line in problem.split("|"))
    assert not (tmp_path / "Jenkinsfile").exists()


@pytest.mark.parametrize(("job", "problem"), [
    ("{% set job = gitlab_job(stage) %}"
     "{{ {stage.id: dict(job, rules=[{'if': '$CI_COMMIT_BRANCH'}])} | to_yaml }}",
     "job 'deploy-prod' lost its approval (no manual rule)"),
    ("{% set job = gitlab_job(stage) %}{{ {stage.id: dict(job, resource_group='x')} | to_yaml }}",
     "job 'deploy-prod' lost its resource_group 'acme-prod'"),
    ("{% set job = gitlab_job(stage) %}"
     "{{ {stage.id: dict(job, script=['echo superspec deploy'])} | to_yaml }}",
     "job 'deploy-prod' no longer runs superspec deploy"),
])
def test_a_gitlab_override_cannot_drop_a_standard(
        company: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], job: str,
        problem: str) -> None:
    write(tmp_path / "ct/gitlab/jobs/deploy-prod.yml.j2", job + "\n")
    run = run_cli(capsys, "generate", "--target", "gitlab")
    assert run.code == 1
    assert run.err == ("error: the .gitlab-ci.yml rendered with template overrides "
                       f"(ct/gitlab/jobs/deploy-prod.yml.j2): {problem}\n")
