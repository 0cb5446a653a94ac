"""The fake GitLab behaves as GitLab's API documentation says, as seen by python-gitlab itself
and by plain HTTP requests (headers, status codes, bodies)."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import gitlab
import pytest
import requests

from tests.integrations.gitlab_fake import FakeGitLab, encoded, lint_errors

TOKEN = "glpat-fake-api-token"
READ = "glpat-fake-read-token"


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab() as fake:
        fake.add_token(TOKEN)
        fake.add_token(READ, scopes=("read_api",))
        fake.add_project("acme/ledger", {".gitlab-ci.yml": "build:\n  script: [make]\n",
                                         "docs/README.md": "hello\n"})
        for index in range(5):
            fake.add_project(f"acme/svc-{index}")
        fake.add_project("acme/sub/deep")
        fake.add_project("other/thing")
        yield fake


def _gl(fake: FakeGitLab, token: str = TOKEN, **options: object) -> gitlab.Gitlab:
    return gitlab.Gitlab(fake.url, private_token=token, **options)  # type: ignore[arg-type]


def test_authentication(fake: FakeGitLab) -> None:
    url = f"{fake.url}/api/v4/projects/{encoded('acme/ledger')}"
    assert requests.get(url, timeout=5).status_code == 401
    wrong = requests.get(url, headers={"PRIVATE-TOKEN": "nope"}, timeout=5)
    assert (wrong.status_code, wrong.json()) == (401, {"message": "401 Unauthorized"})
    assert requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"},
                        timeout=5).status_code == 200
    assert requests.get(url, params={"private_token": TOKEN}, timeout=5).status_code == 200
    with pytest.raises(gitlab.GitlabAuthenticationError):
        _gl(fake, "nope").projects.get("acme/ledger")


def test_a_read_only_token_cannot_write(fake: FakeGitLab) -> None:
    project = _gl(fake, READ).projects.get("acme/ledger")
    assert project.path_with_namespace == "acme/ledger"
    with pytest.raises(gitlab.GitlabCreateError) as failed:
        project.branches.create({"branch": "x", "ref": "main"})
    assert failed.value.response_code == 403
    assert failed.value.error_message == "insufficient_scope"
    answer = requests.post(f"{fake.url}/api/v4/projects/{project.id}/repository/branches",
                           headers={"PRIVATE-TOKEN": READ}, timeout=5)
    assert answer.json()["scope"] == "api"
    assert "insufficient_scope" in answer.headers["WWW-Authenticate"]


def test_a_role_too_low_is_forbidden(fake: FakeGitLab) -> None:
    fake.add_token("guest-token", role="guest")
    project = _gl(fake, "guest-token").projects.get("acme/ledger")
    with pytest.raises(gitlab.GitlabGetError) as failed:
        project.files.raw(file_path=".gitlab-ci.yml", ref="main")
    assert (failed.value.response_code, failed.value.error_message) == (403, "403 Forbidden")


def test_group_projects_are_paginated_with_gitlab_headers(fake: FakeGitLab) -> None:
    url = f"{fake.url}/api/v4/groups/acme/projects"
    first = requests.get(url, params={"per_page": "2", "include_subgroups": "true"},
                         headers={"PRIVATE-TOKEN": TOKEN}, timeout=5)
    assert {k: first.headers[k] for k in ("X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page",
                                          "X-Total", "X-Total-Pages")} == {
        "X-Page": "1", "X-Per-Page": "2", "X-Next-Page": "2", "X-Prev-Page": "",
        "X-Total": "7", "X-Total-Pages": "4"}
    assert first.links["next"]["url"] == (f"{url}?include_subgroups=true&page=2&per_page=2")
    assert set(first.links) == {"next", "first", "last"}
    last = requests.get(first.links["last"]["url"], headers={"PRIVATE-TOKEN": TOKEN}, timeout=5)
    assert (last.headers["X-Next-Page"], set(last.links)) == ("", {"prev", "first", "last"})
    listed = _gl(fake).groups.get("acme", lazy=True).projects.list(
        iterator=True, per_page=2, include_subgroups=True)
    assert sorted(p.path_with_namespace for p in listed) == [
        "acme/ledger", "acme/sub/deep", *(f"acme/svc-{i}" for i in range(5))]
    direct = _gl(fake).groups.get("acme", lazy=True).projects.list(get_all=True, per_page=3)
    assert "acme/sub/deep" not in [p.path_with_namespace for p in direct]
    with pytest.raises(gitlab.GitlabListError) as failed:
        _gl(fake).groups.get("nope", lazy=True).projects.list(get_all=True)
    assert failed.value.error_message == "404 Group Not Found"


def test_projects_by_url_encoded_path(fake: FakeGitLab) -> None:
    gl = _gl(fake)
    project = gl.projects.get("acme/sub/deep")
    assert gl.projects.get(project.id).path_with_namespace == "acme/sub/deep"
    with pytest.raises(gitlab.GitlabGetError) as failed:
        gl.projects.get("acme/ghost")
    assert (failed.value.response_code, failed.value.error_message) == (
        404, "404 Project Not Found")
    assert fake.requests[0].path == "/api/v4/projects/acme%2Fsub%2Fdeep"


def test_repository_files(fake: FakeGitLab) -> None:
    project = _gl(fake).projects.get("acme/ledger", lazy=True)
    found = project.files.get(file_path="docs/README.md", ref="main")
    assert (found.encoding, found.decode()) == ("base64", b"hello\n")
    assert base64.b64decode(found.content) == b"hello\n"
    assert fake.requests[-1].path.endswith("/repository/files/docs%2FREADME.md")
    assert project.files.raw(file_path="docs/README.md", ref="main") == b"hello\n"
    with pytest.raises(gitlab.GitlabGetError) as failed:
        project.files.raw(file_path="Jenkinsfile", ref="main")
    assert (failed.value.response_code, failed.value.error_message) == (
        404, "404 File Not Found")
    ledger = fake.project("acme/ledger").id
    missing_ref = requests.get(f"{fake.url}/api/v4/projects/{ledger}/repository/files/x",
                               headers={"PRIVATE-TOKEN": TOKEN}, timeout=5)
    assert (missing_ref.status_code, missing_ref.json()) == (400, {"error": "ref is missing"})


def test_branches_and_multi_file_commits(fake: FakeGitLab) -> None:
    project = _gl(fake).projects.get("acme/ledger", lazy=True)
    project.branches.create({"branch": "work/x", "ref": "main"})
    with pytest.raises(gitlab.GitlabCreateError) as failed:
        project.branches.create({"branch": "work/x", "ref": "main"})
    assert (failed.value.response_code, failed.value.error_message) == (
        400, "Branch already exists")
    assert project.branches.get("work/x").name == "work/x"
    commit = project.commits.create({"branch": "work/x", "commit_message": "two files",
                                     "actions": [
                                         {"action": "create", "file_path": "a.txt",
                                          "content": "a\n"},
                                         {"action": "update", "file_path": "docs/README.md",
                                          "content": "bye\n"}]})
    assert commit.title == "two files"
    files = fake.project("acme/ledger").branches["work/x"].files
    assert (files["a.txt"], files["docs/README.md"]) == (b"a\n", b"bye\n")
    with pytest.raises(gitlab.GitlabCreateError) as failed:
        project.commits.create({"branch": "work/x", "commit_message": "again", "actions": [
            {"action": "create", "file_path": "a.txt", "content": "a\n"}]})
    assert (failed.value.response_code, failed.value.error_message) == (
        400, "A file with this name already exists")
    with pytest.raises(gitlab.GitlabCreateError) as failed:
        project.commits.create({"branch": "work/x", "commit_message": "u", "actions": [
            {"action": "update", "file_path": "nope.txt", "content": ""}]})
    assert failed.value.error_message == "A file with this name doesn't exist"
    assert files["a.txt"] == b"a\n"  # all or nothing


def test_merge_requests(fake: FakeGitLab) -> None:
    project = _gl(fake).projects.get("acme/ledger", lazy=True)
    project.branches.create({"branch": "work/x", "ref": "main"})
    mr = project.mergerequests.create({"source_branch": "work/x", "target_branch": "main",
                                       "title": "T"})
    assert (mr.iid, mr.state) == (1, "opened")
    with pytest.raises(gitlab.GitlabCreateError) as failed:
        project.mergerequests.create({"source_branch": "work/x", "target_branch": "main",
                                      "title": "T"})
    assert failed.value.response_code == 409
    assert failed.value.error_message == [
        "Another open merge request already exists for this source branch: !1"]
    found = project.mergerequests.list(source_branch="work/x", state="opened", get_all=True)
    assert [m.iid for m in found] == [1]
    assert project.mergerequests.list(source_branch="other", state="opened", get_all=True) == []
    project.mergerequests.update(1, {"description": "D"})
    assert project.mergerequests.get(1).description == "D"


def test_ci_lint(fake: FakeGitLab) -> None:
    project = _gl(fake).projects.get("acme/ledger", lazy=True)
    valid = project.ci_lint.create({"content": "build:\n  script: [make]\n"})
    assert (valid.valid, valid.errors) == (True, [])
    assert project.ci_lint.create({"content": "- just\n- a list\n"}).errors == [
        "Invalid configuration format"]
    assert project.ci_lint.create({"content": "build:\n  stage: test\n"}).errors == [
        "jobs:build config should implement the script:, run:, or trigger: keyword"]
    assert lint_errors(".base:\n  script: [x]\nb:\n  extends: .base\n") == (
        [], ".base:\n  script:\n  - x\nb:\n  extends: .base\n")
    assert lint_errors("b:\n  script: [x]\n  stage: nope\n")[0] == [
        "b job: chosen stage nope does not exist; available stages are .pre, build, test, "
        "deploy, .post"]
    [syntax] = lint_errors("a: [\n")[0]
    assert syntax.startswith("(<unknown>): ") and " at line " in syntax
    with pytest.raises(gitlab.GitlabCreateError) as failed:
        _gl(fake, READ).projects.get("acme/ledger", lazy=True).ci_lint.create(
            {"content": "x: 1"})
    assert failed.value.response_code == 403


def test_resource_groups(fake: FakeGitLab) -> None:
    fake.project("acme/ledger").branches["main"].files[".gitlab-ci.yml"] = (
        b"deploy:\n  script: [x]\n  resource_group: ledger-prod\n")
    project = _gl(fake).projects.get("acme/ledger", lazy=True)
    with pytest.raises(gitlab.GitlabGetError) as failed:
        project.resource_groups.get("ledger-prod")
    assert (failed.value.response_code, failed.value.error_message) == (404, "404 Not found")
    assert fake.run_pipeline("acme/ledger") == ["ledger-prod"]
    assert project.resource_groups.get("ledger-prod").process_mode == "unordered"
    answer = project.resource_groups.update("ledger-prod", {"process_mode": "oldest_first"})
    assert answer["process_mode"] == "oldest_first"
    with pytest.raises(gitlab.GitlabUpdateError) as refused:
        project.resource_groups.update("ledger-prod", {"process_mode": "fastest"})
    assert refused.value.response_code == 400


def test_rate_limiting_as_python_gitlab_sees_it(fake: FakeGitLab) -> None:
    fake.rate_limit_next, fake.retry_after = 1, "0"
    project = _gl(fake).projects.get("acme/ledger")  # retried, as obey_rate_limit does
    assert project.path_with_namespace == "acme/ledger"
    assert len(fake.requests) == 2
    fake.rate_limit_next = 1
    limited = requests.get(f"{fake.url}/api/v4/projects/{project.id}", timeout=5)
    assert (limited.status_code, limited.headers["Retry-After"], limited.text) == (
        429, "0", "Retry later\n")
