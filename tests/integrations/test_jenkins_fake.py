"""The fake Jenkins answers as Jenkins does, for raw HTTP and for python-jenkins itself."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import jenkins as python_jenkins
import pytest
import requests

from tests.integrations.jenkins_fake import (
    FOLDER,
    READ_ONLY,
    WORKFLOW_JOB,
    FakeJenkins,
    User,
    lint_groovy,
)

PIPELINE = ("<?xml version='1.1' encoding='UTF-8'?>\n<flow-definition><description>d"
            "</description><properties/><definition class='org.jenkinsci.plugins.workflow.cps."
            "CpsFlowDefinition'><script>pipeline {}</script><sandbox>true</sandbox></definition>"
            "</flow-definition>")


@pytest.fixture
def fake() -> Iterator[FakeJenkins]:
    with FakeJenkins([User("admin", "t"), User("reader", "r", READ_ONLY)]) as server:
        yield server


def _auth(user: str = "admin", token: str = "t") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


def test_authentication_and_the_crumb(fake: FakeJenkins) -> None:
    anonymous = requests.get(fake.url + "api/json", timeout=5)
    assert anonymous.status_code == 403 and "Authentication required" in anonymous.text
    assert anonymous.headers["X-Jenkins"] == "2.479.3"
    wrong = requests.get(fake.url + "api/json", headers=_auth("admin", "nope"), timeout=5)
    assert wrong.status_code == 401
    assert "Invalid password/token for user: admin" in wrong.text
    assert wrong.headers["WWW-Authenticate"] == 'Basic realm="Jenkins"'
    no_crumb = requests.post(fake.url + "createItem?name=x", data=PIPELINE, timeout=5,
                             headers={**_auth(), "Content-Type": "application/xml"})
    assert no_crumb.status_code == 403 and "No valid crumb" in no_crumb.text
    crumb = requests.get(fake.url + "crumbIssuer/api/json", headers=_auth(), timeout=5).json()
    assert crumb["crumbRequestField"] == "Jenkins-Crumb"
    created = requests.post(fake.url + "createItem?name=x", data=PIPELINE, timeout=5,
                            headers={**_auth(), "Content-Type": "application/xml",
                                     "Jenkins-Crumb": crumb["crumb"]})
    assert created.status_code == 200 and fake.item("x") is not None
    # the linter is exempt from the crumb, as in Jenkins
    linted = requests.post(fake.url + "pipeline-model-converter/validate", timeout=5,
                           data={"jenkinsfile": "pipeline {\n}\n"}, headers=_auth())
    assert linted.text == "Jenkinsfile successfully validated."


def test_permissions_are_reported_as_jenkins_does(fake: FakeJenkins) -> None:
    fake.ui_create("job", PIPELINE)
    server = python_jenkins.Jenkins(fake.url, "reader", "r")
    assert "pipeline {}" in server.get_job_config("job")  # ExtendedRead
    with pytest.raises(python_jenkins.JenkinsException, match=r"\[403\]"):
        server.reconfig_job("job", PIPELINE)
    last = requests.post(fake.url + "job/job/config.xml", data=PIPELINE, timeout=5,
                         headers={**_auth("reader", "r"), "Jenkins-Crumb": fake._crumb("reader")})
    assert last.headers["X-Required-Permission"] == "hudson.model.Item.Configure"
    assert last.headers["X-You-Are-Authenticated-As"] == "reader"
    assert "reader is missing the Job/Configure permission" in last.text


def test_python_jenkins_jobs_folders_and_configs(fake: FakeJenkins) -> None:
    server = python_jenkins.Jenkins(fake.url, "admin", "t")
    assert server.get_whoami()["id"] == "admin"
    assert server.get_version() == "2.479.3"
    server.create_folder("team")
    server.create_job("team/svc", PIPELINE)
    assert server.get_job_info("TEAM/SVC")["fullName"] == "team/svc"  # case-insensitive
    with pytest.raises(python_jenkins.JenkinsException, match="already exists"):
        server.create_job("team/svc", PIPELINE)
    with pytest.raises(python_jenkins.JenkinsException, match="folder for the job does not"):
        server.create_job("missing/svc", PIPELINE)
    assert server.get_job_config("team/svc") == PIPELINE
    server.reconfig_job("team/svc", PIPELINE.replace("d</", "e</"))
    assert server.get_job_info("team/svc")["description"] == "e"
    jobs = server.get_all_jobs(folder_depth=1, folder_depth_per_request=2)
    assert [(j["fullname"], j["_class"]) for j in jobs] == [("team", FOLDER),
                                                            ("team/svc", WORKFLOW_JOB)]
    top = server.get_all_jobs(folder_depth=0, folder_depth_per_request=1)
    assert top[0]["jobs"] == [{"_class": WORKFLOW_JOB}]  # beyond the tree: _class only
    with pytest.raises(python_jenkins.NotFoundException):
        server.get_job_config("team/nope")
    with pytest.raises(python_jenkins.JenkinsException, match=r"\[500\]"):
        server.reconfig_job("team/svc", "<project/>")  # another item class
    server.delete_job("team/svc")
    assert not server.job_exists("team/svc")
    assert server.check_jenkinsfile_syntax("pipeline {\n  stages {\n}\n") == [
        {"error": "expecting '}', found '' @ line 4, column 1."}]
    assert server.check_jenkinsfile_syntax("pipeline {}") == []


def test_item_names_and_methods(fake: FakeJenkins) -> None:
    crumb = {"Jenkins-Crumb": fake._crumb("admin"), **_auth(),
             "Content-Type": "application/xml"}
    unsafe = requests.post(fake.url + "createItem?name=a%3Ab", data=PIPELINE, headers=crumb,
                           timeout=5)
    assert unsafe.status_code == 400 and "‘:’ is an unsafe character" in unsafe.text
    untyped = requests.post(fake.url + "createItem?name=x", data=PIPELINE, timeout=5,
                            headers={k: v for k, v in crumb.items() if k != "Content-Type"})
    assert untyped.status_code == 400
    fake.ui_create("x", PIPELINE)
    assert requests.get(fake.url + "job/x/doDelete", headers=_auth(), timeout=5).status_code \
        == 405
    assert requests.get(fake.url + "job/y/api/json", headers=_auth(), timeout=5).status_code \
        == 404
    tree = requests.get(fake.url + "api/json?tree=jobs[name,description]", headers=_auth(),
                        timeout=5).json()
    assert tree == {"_class": "hudson.model.Hudson",
                    "jobs": [{"_class": WORKFLOW_JOB, "name": "x", "description": "d"}]}


def test_rate_limiting_and_faults(fake: FakeJenkins) -> None:
    fake.rate_limit(1, retry_after="7")
    limited = requests.get(fake.url + "api/json", headers=_auth(), timeout=5)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert requests.get(fake.url + "api/json", headers=_auth(), timeout=5).status_code == 200
    fake.fail("GET", r"^/api/json$", 409, body="conflict")
    assert requests.get(fake.url + "api/json", headers=_auth(), timeout=5).text == "conflict"


def test_the_linter_reports_groovy_positions(fake: FakeJenkins) -> None:
    assert lint_groovy("pipeline {\n  sh('}')\n  // }\n  /* ) */\n}\n") == []
    assert lint_groovy("pipeline {\n  }\n}\n") == [("unexpected token: }", 3, 1)]
    assert lint_groovy("x = '''\n{\n'''\n(") == [("expecting ')', found ''", 4, 2)]
    text = requests.post(fake.url + "pipeline-model-converter/validate", headers=_auth(),
                         data={"jenkinsfile": "pipeline {\n  }\n}\n"}, timeout=5).text
    assert text.splitlines()[:3] == ["Errors encountered validating Jenkinsfile:",
                                     "WorkflowScript: 3: unexpected token: } @ line 3, column 1.",
                                     "   }"]
    answer = requests.post(fake.url + "pipeline-model-converter/validateJenkinsfile",
                           headers=_auth(), data={"jenkinsfile": "node {}"}, timeout=5)
    assert json.loads(answer.text)["data"] == {"result": "failure", "errors": [
        {"error": "Jenkinsfile content 'node {}' did not contain the 'pipeline' step"}]}
