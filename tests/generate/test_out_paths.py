"""Files a job keeps or reports on (GitLab artifacts and JUnit reports, Jenkins junit and stash)
are named relative to the project root, the spec's directory, wherever --out writes the
generated files: a job runs in the project's checkout, and GitLab refuses paths leaving it."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from superspec.render.generate import Options, generate
from tests.generate.tools import GOLDEN

CASE = GOLDEN / "trunk-approvals"


def _generated(tmp_path: Path, out: Path | None) -> dict[str, str]:
    project = tmp_path / "work" / "orders"
    shutil.copytree(CASE, project, ignore=shutil.ignore_patterns("expected"))
    [result] = generate([project / "superspec.yaml"], Options(out=out))
    assert result.error is None, result.error
    where = out or project
    return {name: (where / name).read_text() for name in ("Jenkinsfile", ".gitlab-ci.yml")}


def _gitlab_paths(text: str) -> dict[str, object]:
    document = yaml.safe_load(text)
    return {name: job.get("artifacts") for name, job in document.items()
            if isinstance(job, dict) and "artifacts" in job}


def test_out_outside_the_project_keeps_artifact_and_report_paths(tmp_path: Path) -> None:
    beside = _generated(tmp_path / "a", None)
    elsewhere = _generated(tmp_path / "b", tmp_path / "b" / "elsewhere" / "ci")
    paths = _gitlab_paths(elsewhere[".gitlab-ci.yml"])
    assert paths == _gitlab_paths(beside[".gitlab-ci.yml"])
    assert paths["build"] == {"paths": ["dist/orders.whl"]}
    assert paths["package"] == {"paths": ["dist/dev/orders.whl", "dist/staging/orders.whl",
                                          "dist/prod/orders.whl"]}
    assert paths["test"] == {"when": "always", "reports": {"junit": "reports/junit.xml"}}
    assert paths["enforce"] == {"when": "always",
                                "reports": {"junit": "superspec-enforce.xml"}}
    jenkins = elsewhere["Jenkinsfile"]
    assert "testResults: 'reports/junit.xml'" in jenkins
    assert "testResults: 'superspec-enforce.xml'" in jenkins
    # only the spec itself is named from where the files are (header, --spec)
    assert "../" not in jenkins.replace("../../work/orders/superspec.yaml", "")
    jobs = {name: job for name, job in yaml.safe_load(elsewhere[".gitlab-ci.yml"]).items()
            if isinstance(job, dict) and "stage" in job}
    assert "../" not in str(jobs).replace("../../work/orders/superspec.yaml", "")
