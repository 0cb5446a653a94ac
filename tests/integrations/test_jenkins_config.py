"""config.xml shapes, canonical comparison, the marker, folders, credentials and URLs, and the
linter's messages located: the pure parts of `superspec jenkins` (no server)."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from superspec import __version__
from superspec.errors import InputError, SpecError, UsageError
from superspec.integrations.jenkins_auth import Credentials, load_credentials, server_url
from superspec.integrations.jenkins_config import (
    CPS_INLINE,
    CPS_SCM,
    GIT_SCM_SOURCE,
    MULTIBRANCH,
    JobShape,
    Marker,
    Scm,
    canonical,
    description,
    diff,
    job_config,
    marker_of,
)
from superspec.integrations.jenkins_jobs import FleetOptions, load_fleet, script_path
from superspec.integrations.jenkins_lint import located
from superspec.render.generate import Options, render_project
from superspec.spec import load_spec
from tests.helpers import write
from tests.integrations.jenkins_fake import add_yaml, example_fleet, lint_groovy

HOSTILE = "a'b\"c <d> & e ]]> f <![CDATA[ g ]]> ${h} \\ '''"
MARK = Marker(__version__, "acme", "svc", "sha256:" + "0" * 64)


def _root(xml_text: str) -> ET.Element:
    assert xml_text.startswith("<?xml version='1.1' encoding='UTF-8'?>\n")
    return ET.fromstring(xml_text.encode())


def test_a_multibranch_job_reads_the_jenkinsfile_from_a_git_source() -> None:
    scm = Scm("https://git.example/payments/api.git", "git-creds", ("main", "release/*"))
    root = _root(job_config(JobShape("multibranch", description(MARK), scm=scm,
                                     script_path="services/api/Jenkinsfile",
                                     source_id="superspec-svc")))
    assert root.tag == MULTIBRANCH
    source = root.find("sources/data/jenkins.branch.BranchSource/source")
    assert source is not None and source.get("class") == GIT_SCM_SOURCE
    assert source.findtext("id") == "superspec-svc"
    assert source.findtext("remote") == "https://git.example/payments/api.git"
    assert source.findtext("credentialsId") == "git-creds"
    assert source.find("traits/jenkins.plugins.git.traits.BranchDiscoveryTrait") is not None
    assert source.findtext("traits/jenkins.scm.impl.trait.WildcardSCMHeadFilterTrait/includes") \
        == "main release/*"
    factory = root.find("factory")
    assert factory is not None
    assert factory.get("class") == \
        "org.jenkinsci.plugins.workflow.multibranch.WorkflowBranchProjectFactory"
    assert factory.findtext("scriptPath") == "services/api/Jenkinsfile"
    assert marker_of(ET.tostring(root, encoding="unicode")) == MARK


def test_a_pipeline_job_without_scm_carries_the_jenkinsfile_inline_in_the_sandbox() -> None:
    root = _root(job_config(JobShape("pipeline", description(MARK), script="pipeline {}\n")))
    assert root.tag == "flow-definition"
    definition = root.find("definition")
    assert definition is not None and definition.get("class") == CPS_INLINE
    assert definition.findtext("script") == "pipeline {}\n"
    assert definition.findtext("sandbox") == "true"
    assert root.findtext("disabled") == "false"


def test_a_pipeline_job_with_scm_reads_the_jenkinsfile_from_git() -> None:
    scm = Scm("ssh://git@git.example/x.git", None, ("*/main",))
    root = _root(job_config(JobShape("pipeline", "d", scm=scm)))
    definition = root.find("definition")
    assert definition is not None and definition.get("class") == CPS_SCM
    git = definition.find("scm")
    assert git is not None and git.get("class") == "hudson.plugins.git.GitSCM"
    assert git.findtext("userRemoteConfigs/hudson.plugins.git.UserRemoteConfig/url") == scm.url
    assert git.find("userRemoteConfigs/hudson.plugins.git.UserRemoteConfig/credentialsId") is None
    assert git.findtext("branches/hudson.plugins.git.BranchSpec/name") == "*/main"
    assert definition.findtext("scriptPath") == "Jenkinsfile"
    assert definition.findtext("lightweight") == "true"


def test_hostile_values_are_data_and_read_back_unchanged() -> None:
    scm = Scm(HOSTILE, HOSTILE, (HOSTILE,))
    for shape in (JobShape("multibranch", HOSTILE, scm=scm),
                  JobShape("pipeline", HOSTILE, script=HOSTILE + "\n" + HOSTILE),
                  JobShape("pipeline", HOSTILE, scm=scm, script_path=HOSTILE)):
        text = job_config(shape)
        root = _root(text)
        texts = [e.text for e in root.iter() if e.text and "]]>" in e.text]
        assert root.findtext("description") == HOSTILE
        assert texts and all(HOSTILE in t for t in texts)
        assert "<d>" not in text and "<![CDATA[" not in text  # escaped, never markup
        assert canonical(text) == canonical(canonical(text))  # a fixed point


def test_canonical_form_ignores_what_the_server_adds_on_save() -> None:
    ours = job_config(JobShape("pipeline", description(MARK), script="pipeline {\n}\n"))
    root = ET.fromstring(ours.encode())
    root.set("plugin", "workflow-job@1436.vfa_244484591f")
    definition = root.find("definition")
    assert definition is not None
    definition.set("plugin", "workflow-cps@4009.v0089238351a_9")
    saved = "<?xml version='1.1' encoding='UTF-8'?>\n" + ET.tostring(root, encoding="unicode")
    assert canonical(saved.replace("\n  ", "\n    ")) == canonical(ours)
    crlf = ours.replace("pipeline {\n}", "pipeline {&#13;\n}")  # the UI's form posts CRLF
    assert "\r\n" in (ET.fromstring(crlf.encode()).findtext("definition/script") or "")
    assert canonical(crlf) == canonical(ours)


def test_canonical_form_ignores_properties_a_declarative_run_set() -> None:
    ours = job_config(JobShape("pipeline", "d", script="pipeline {}"))
    ran = ours.replace("<actions />", (
        "<actions><org.jenkinsci.plugins.pipeline.modeldefinition.actions."
        "DeclarativeJobPropertyTrackerAction><jobProperties><string>jenkins.model."
        "BuildDiscarderProperty</string></jobProperties><triggers/><parameters/><options/>"
        "</org.jenkinsci.plugins.pipeline.modeldefinition.actions."
        "DeclarativeJobPropertyTrackerAction></actions>")).replace(
        "<properties />", "<properties><jenkins.model.BuildDiscarderProperty><strategy "
        "class='hudson.tasks.LogRotator'><numToKeep>30</numToKeep></strategy>"
        "</jenkins.model.BuildDiscarderProperty></properties>")
    assert ran != ours
    assert canonical(ran) == canonical(ours)
    # a property nobody tracks is an edit, and shows
    other = ours.replace("<properties />", "<properties><hudson.model."
                         "ParametersDefinitionProperty/></properties>")
    assert "ParametersDefinitionProperty" in diff(canonical(other), canonical(ours), "svc")


def test_an_edited_value_shows_in_a_readable_diff() -> None:
    ours = job_config(JobShape("pipeline", "d", script="pipeline {\n  agent any\n}\n"))
    edited = ours.replace("agent any", "agent none")
    text = diff(canonical(edited), canonical(ours), "payments/svc")
    assert text.startswith("--- payments/svc (on the server)\n+++ payments/svc (from the spec)\n")
    assert "-  agent none\n" in text and "+  agent any\n" in text


def test_the_marker_is_read_only_from_the_description() -> None:
    assert marker_of(job_config(JobShape("pipeline", description(MARK), script=""))) == MARK
    assert marker_of(job_config(JobShape("pipeline", "hand-made", script=""))) is None
    assert marker_of("not xml") is None


def test_the_folder_defaults_to_the_department_and_none_under_the_company(
        tmp_path: Path) -> None:
    ledger, payments, storefront = example_fleet(tmp_path)
    projects = load_fleet([ledger, payments, storefront],
                          FleetOptions(layer_dirs=(tmp_path / "layers",)))
    jobs = {p.job.project: p.job for p in projects if p.job is not None}
    assert {name: (job.folder, job.name, job.kind) for name, job in jobs.items()} == {
        "ledger": ("", "ledger", "pipeline"),
        "payments-api": ("payments", "payments/payments-api", "pipeline"),
        "storefront": ("", "storefront", "pipeline"),
    }
    effective = load_spec(payments / "superspec.yaml", [tmp_path / "layers"])
    [(_, jenkinsfile)] = render_project(effective, payments, Options(targets=("jenkins",)))
    assert jobs["payments-api"].jenkinsfile == jenkinsfile
    assert ET.fromstring(jobs["payments-api"].config.encode()).findtext("definition/script") \
        == jenkinsfile


def test_an_explicit_folder_and_scm_choose_the_job(tmp_path: Path) -> None:
    _, payments, _ = example_fleet(tmp_path)
    add_yaml(payments / "superspec.yaml", """
ci:
  jenkins:
    job:
      folder: platform/teams/pay
      scm: {url: "https://git.example/pay.git", credentialsId: git, branches: "main release/*"}
""")
    [project] = load_fleet([payments], FleetOptions(layer_dirs=(tmp_path / "layers",)))
    assert project.job is not None and project.error is None
    assert (project.job.name, project.job.kind) == ("platform/teams/pay/payments-api",
                                                    "multibranch")


@pytest.mark.parametrize(("job", "message"), [
    ("{kind: multibranch}", "a multibranch job reads the Jenkinsfile from SCM"),
    ("{folder: 'a/b:c'}", "folder name 'b:c': Jenkins refuses ':' in item names"),
    ("{folder: 'a/../b'}", "folder name '..' is not a Jenkins item name"),
    ("{scm: {url: \"https://x\\u0007\"}}", "holds the character U+0007"),
])
def test_unusable_job_settings_are_located_errors(tmp_path: Path, job: str,
                                                  message: str) -> None:
    spec = write(tmp_path / "p" / "superspec.yaml", f"""
        superspec: 1
        kind: project
        name: svc
        build: {{tool: custom, commands: {{build: make}}}}
        pipeline: {{stages: {{build: {{}}}}}}
        ci:
          jenkins:
            job: {job}
        """)
    [project] = load_fleet([spec], FleetOptions())
    assert isinstance(project.error, SpecError)
    [line] = project.error.lines()
    assert line.startswith(f"{spec}:8 [project svc] ci.jenkins.job")
    assert message in line


def test_two_projects_wanting_one_job_both_fail(tmp_path: Path) -> None:
    specs = [write(tmp_path / d / "superspec.yaml", f"""
        superspec: 1
        kind: project
        name: {name}
        build: {{tool: custom, commands: {{build: make}}}}
        pipeline: {{stages: {{build: {{}}}}}}
        """) for d, name in (("one", "svc"), ("two", "SVC"))]
    projects = load_fleet(specs, FleetOptions())
    assert [p.job for p in projects] == [None, None]
    assert [str(p.error) for p in projects] == [
        f"{specs[0]} and {specs[1]} both want the job svc; neither is planned",
        f"{specs[1]} and {specs[0]} both want the job SVC; neither is planned"]


def test_the_script_path_is_relative_to_the_git_checkout(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "services" / "api").mkdir(parents=True)
    assert script_path(tmp_path / "repo" / "services" / "api") == "services/api/Jenkinsfile"
    assert script_path(tmp_path / "repo") == "Jenkinsfile"


# --- credentials and URL ------------------------------------------------------------------------


def _secret_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "jenkins-credentials"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_credentials_come_from_a_private_file_or_the_environment(tmp_path: Path) -> None:
    file = _secret_file(tmp_path, '{"user": "bob", "token": "t0k"}')
    assert load_credentials(file, {}) == Credentials("bob", "t0k",
                                                     f"the credentials file {file}")
    file = _secret_file(tmp_path, "bob:t0k:with:colons\n")
    assert load_credentials(file, {}).token == "t0k:with:colons"
    env = {"SUPERSPEC_JENKINS_USER": "amy", "SUPERSPEC_JENKINS_TOKEN": "x"}
    assert load_credentials(None, env) == Credentials(
        "amy", "x", "SUPERSPEC_JENKINS_USER/SUPERSPEC_JENKINS_TOKEN")
    assert "x" not in repr(load_credentials(None, env)).replace("SUPERSPEC", "")


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_credentials_file_others_can_read_is_refused_without_showing_it(
        tmp_path: Path) -> None:
    file = _secret_file(tmp_path, "bob:s3cr3t-value", 0o644)
    with pytest.raises(InputError) as info:
        load_credentials(file, {})
    assert str(info.value) == (f"credentials file {file} is accessible by group or others "
                               f"(mode 0644); run: chmod 600 {file}")
    for text in ("bob", "{not json", '{"user": 1}'):
        with pytest.raises(InputError) as info:
            load_credentials(_secret_file(tmp_path, text + "s3cr3t-value"), {})
        assert "s3cr3t" not in str(info.value)


def test_missing_credentials_are_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no Jenkins credentials"):
        load_credentials(None, {})
    with pytest.raises(UsageError, match="SUPERSPEC_JENKINS_TOKEN is not set"):
        load_credentials(None, {"SUPERSPEC_JENKINS_USER": "bob"})


def test_the_server_url_never_carries_credentials() -> None:
    assert server_url("https://ci.example/jenkins") == "https://ci.example/jenkins/"
    with pytest.raises(UsageError) as info:
        server_url("https://bob:s3cr3t@ci.example/")
    assert "s3cr3t" not in str(info.value) and "https://ci.example/" in str(info.value)
    for bad in ("ftp://ci.example/", "ci.example", "https://ci.example/?x=1", None):
        with pytest.raises(UsageError):
            server_url(bad)


def test_the_token_is_redacted_in_every_form() -> None:
    creds = Credentials("bob", "a b/c")
    text = "x a b/c y a%20b%2Fc z Ym9iOmEgYi9j"
    assert creds.redact(text) == "x <token> y <token> z <token>"


# --- the linter ---------------------------------------------------------------------------------


def test_linter_messages_are_located_at_the_job_and_line() -> None:
    jenkinsfile = "pipeline {\n    stages {\n        sh(['x')\n    }\n}\n"
    [(message, line, column)] = lint_groovy(jenkinsfile)
    errors = [{"error": f"{message} @ line {line}, column {column}."}]
    assert located("payments/svc", "svc/superspec.yaml", jenkinsfile, errors) == [
        "payments/svc: Jenkinsfile (generated from svc/superspec.yaml) line 3, column 16: the "
        "server's linter says: unexpected token: ) | sh(['x')"]
    several = [{"error": ["WorkflowScript: 2: a @ line 2, column 1.", "no location"]}]
    assert located("j", "s", jenkinsfile, several) == [
        "j: Jenkinsfile (generated from s) line 2, column 1: the server's linter says: a | "
        "stages {",
        "j: Jenkinsfile (generated from s): the server's linter says: no location"]
