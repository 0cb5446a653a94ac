"""Which branch is being built, and whether a rule's ``onlyWhen.branch`` patterns select it.

Patterns mean what ``superspec.spec.branches`` says, as in the pipeline's stage conditions:
``*`` stays within one path segment, ``**`` crosses ``/``, there are no character classes.

Order: ``--branch``, then Jenkins' ``BRANCH_NAME``, then GitLab's ``CI_COMMIT_REF_NAME``, then the
git checkout of the project (``.git/HEAD`` is read directly, as ``git rev-parse --abbrev-ref HEAD``
would answer; a detached HEAD gives ``HEAD``). Stdlib only: the cached path uses it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

BRANCH_VARIABLES = ("BRANCH_NAME", "CI_COMMIT_REF_NAME")


def current_branch(project_dir: Path, explicit: str | None = None,
                   environ: Mapping[str, str] | None = None) -> str | None:
    if explicit:
        return explicit
    env = os.environ if environ is None else environ
    for name in BRANCH_VARIABLES:
        if env.get(name):
            return env[name]
    return git_branch(project_dir)


def git_branch(project_dir: Path) -> str | None:
    """The checked-out branch of the git work tree holding ``project_dir`` (None outside git)."""
    here = Path(os.path.abspath(project_dir))
    for folder in (here, *here.parents):
        dot_git = folder / ".git"
        try:
            if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
                text = dot_git.read_text().strip()
                if not text.startswith("gitdir:"):
                    return None
                git_dir = (folder / text[len("gitdir:"):].strip()).resolve()
            elif dot_git.is_dir():
                git_dir = dot_git
            else:
                continue
            head = (git_dir / "HEAD").read_text().strip()
        except OSError:
            return None
        if head.startswith("ref:"):
            ref = head[len("ref:"):].strip()
            return ref[len("refs/heads/"):] if ref.startswith("refs/heads/") else ref
        return "HEAD"
    return None


def selected(branch: str | None, globs: Sequence[str] | None) -> bool:
    """True when a rule with ``onlyWhen.branch: globs`` runs on ``branch``."""
    if globs is None:
        return True
    if branch is None:
        return False
    from superspec.spec.branches import branch_matches

    return any(branch_matches(g, branch) for g in globs)


def skip_reason(branch: str | None, globs: Sequence[str]) -> str:
    wanted = ", ".join(globs)
    if branch is None:
        return (f"onlyWhen branch [{wanted}]: branch unknown (no --branch, BRANCH_NAME, "
                "CI_COMMIT_REF_NAME or git checkout)")
    return f"onlyWhen branch [{wanted}] does not match '{branch}'"
