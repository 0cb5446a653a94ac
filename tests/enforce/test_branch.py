"""Which branch onlyWhen sees: --branch, BRANCH_NAME, CI_COMMIT_REF_NAME, then git itself."""

from __future__ import annotations

import subprocess
from pathlib import Path

from superspec.enforce.branch import current_branch, selected, skip_reason


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                          cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_order_of_sources(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q", "-b", "trunk")
    env = {"BRANCH_NAME": "release/1.0", "CI_COMMIT_REF_NAME": "gitlab-branch"}
    assert current_branch(tmp_path, "cli", env) == "cli"
    assert current_branch(tmp_path, None, env) == "release/1.0"
    assert current_branch(tmp_path, None, {"CI_COMMIT_REF_NAME": "gl"}) == "gl"
    assert current_branch(tmp_path, None, {}) == "trunk"


def test_reads_what_git_reports(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "sub").mkdir()
    (repo / "f").write_text("x")
    _git(repo, "add", "f")
    _git(repo, "commit", "-q", "-m", "c")
    _git(repo, "checkout", "-q", "-b", "feature/a")
    for where in (repo, repo / "sub"):
        assert current_branch(where, None, {}) == _git(repo, "rev-parse", "--abbrev-ref", "HEAD")
    _git(repo, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "release/9")
    assert current_branch(tmp_path / "wt", None, {}) == "release/9"
    _git(repo, "checkout", "-q", "--detach")
    assert current_branch(repo, None, {}) == "HEAD" == _git(repo, "rev-parse", "--abbrev-ref",
                                                            "HEAD")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert current_branch(outside, None, {}) is None


def test_globs() -> None:
    assert selected("release/1.2", ("main", "release/*"))
    assert not selected("feature/x", ("main", "release/*"))
    # as in the pipeline's stage conditions: '*' stays within one segment, '**' crosses '/'
    assert not selected("release/1/hotfix", ("release/*",))
    assert selected("release/1/hotfix", ("release/**",))
    assert not selected("main\n", ("main",))
    assert selected(None, None) and not selected(None, ("main",))
    assert skip_reason(None, ("main",)) == (
        "onlyWhen branch [main]: branch unknown (no --branch, BRANCH_NAME, CI_COMMIT_REF_NAME or "
        "git checkout)")
