"""`superspec gitlab plan | publish | audit` as a library call over a fleet of projects.

For each target (a spec mapped to a project) the generated files are compared with the files
committed on the project's default branch. ``publish`` lints the new .gitlab-ci.yml with the
project's CI lint API, then proposes the files on one branch (``superspec/update-ci``) with one
commit and one merge request, reusing both on the next run; then it sets the process mode of
each resource group the jobs use (YAML cannot say it). ``plan`` says what publish would do;
``audit`` only compares. One project's failure does not stop the others, unless it concerns
the server or the token (``GitlabError.fatal``) or ``fail_fast`` asks for it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import yaml

from superspec import __version__
from superspec.integrations.gitlab import GitlabApi
from superspec.integrations.gitlab_model import GitlabError, MergeRequest, RemoteProject
from superspec.integrations.gitlab_targets import Target

UPDATE_BRANCH = "superspec/update-ci"
MR_TITLE = "superspec: update the generated CI files"
GITLAB_CI = ".gitlab-ci.yml"
COMMANDS = ("plan", "publish", "audit")

# project statuses
CURRENT, DRIFTED, MISSING = "up to date", "drifted", "missing"
LINT_FAILED, ERROR, NOT_CHECKED = "lint failed", "error", "not checked"


@dataclass(frozen=True)
class FileCheck:
    path: str  # in the repository root
    status: str  # current | differs | missing (on the default branch)
    diff: str = ""


@dataclass(frozen=True)
class GroupCheck:
    key: str
    env: str
    wanted: str
    current: str | None  # None: the resource group does not exist yet
    outcome: str  # current | set | would set | differs (audit) | pending (no job used it yet)


@dataclass(frozen=True)
class LintProblem:
    line: int | None  # in the generated .gitlab-ci.yml
    message: str


@dataclass
class Outcome:
    spec: str
    project: str | None
    name: str | None = None
    web_url: str = ""
    default_branch: str | None = None
    files: list[FileCheck] = field(default_factory=list)
    resource_groups: list[GroupCheck] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # done (publish) or planned (would ...)
    merge_request: MergeRequest | None = None
    lint: list[LintProblem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: str | None = None  # why the project was not checked

    @property
    def status(self) -> str:
        if self.errors:
            return ERROR
        if self.skipped is not None:
            return NOT_CHECKED
        if self.lint:
            return LINT_FAILED
        if any(f.status == "missing" for f in self.files):
            return MISSING
        if any(f.status == "differs" for f in self.files) or any(
                g.outcome == "differs" for g in self.resource_groups):
            return DRIFTED
        return CURRENT

    @property
    def failed(self) -> bool:
        return self.status in (ERROR, LINT_FAILED, NOT_CHECKED)

    @property
    def drift(self) -> bool:
        return self.status in (DRIFTED, MISSING)


@dataclass
class Report:
    command: str
    group: str | None
    dry_run: bool = False
    projects: list[Outcome] = field(default_factory=list)  # one per spec, by project path
    unmanaged: list[str] = field(default_factory=list)  # projects of the group without a spec
    fatal: str | None = None  # an error that concerns the whole run (listing the group)
    stopped: str | None = None  # why the projects marked "not checked" were not

    @property
    def ok(self) -> bool:
        if self.fatal is not None or any(p.failed for p in self.projects):
            return False
        return self.command != "audit" or not any(p.drift for p in self.projects)


def run_fleet(api: GitlabApi, targets: list[Target], command: str, group: str | None,
              dry_run: bool = False, fail_fast: bool = False) -> Report:
    report = Report(command, group, dry_run)
    ordered = sorted(targets, key=lambda t: ((t.project or "").lower(), t.spec))
    listing: dict[str, RemoteProject] = {}
    if group is not None:
        try:
            listing = {p.path.lower(): p for p in api.group_projects(group)}
        except GitlabError as exc:
            report.fatal = str(exc)
            report.stopped = f"the projects of group {group} could not be listed"
            report.projects = [_skipped(t, report.stopped) for t in ordered]
            return report
    for target in ordered:
        if report.stopped is not None:
            report.projects.append(_skipped(target, report.stopped))
            continue
        outcome = Outcome(spec=target.spec, project=target.project, name=target.name)
        report.projects.append(outcome)
        try:
            _one(api, target, outcome, listing, command, dry_run)
        except GitlabError as exc:
            outcome.errors.append(str(exc))
            if exc.fatal:
                report.stopped = f"GitLab could not be used (see the error of {target.project})"
        if report.stopped is None and fail_fast and outcome.failed:
            failed = target.project or target.spec
            report.stopped = f"--fail-fast: stopped after the failure of {failed}"
    claimed = {t.project.lower() for t in targets if t.project is not None}
    report.unmanaged = sorted(p.path for key, p in listing.items() if key not in claimed)
    return report


def _skipped(target: Target, reason: str) -> Outcome:
    return Outcome(spec=target.spec, project=target.project, name=target.name, skipped=reason)


def _one(api: GitlabApi, target: Target, outcome: Outcome, listing: dict[str, RemoteProject],
         command: str, dry_run: bool) -> None:
    if target.error is not None:
        outcome.errors.extend(target.error.lines())
        return
    assert target.project is not None
    remote = listing.get(target.project.lower()) or api.project(target.project)
    outcome.project, outcome.web_url = remote.path, remote.web_url
    outcome.default_branch = remote.default_branch
    branch = remote.default_branch
    committed = {name: api.read_file(remote, name, branch) if branch else None
                 for name, _ in target.files}
    outcome.files = [_compare(remote, name, text, committed[name]) for name, text in target.files]
    if command == "audit":
        _resource_groups(api, remote, target, outcome, "audit")
        return
    write = command == "publish" and not dry_run
    if command == "publish" and _needs(outcome, GITLAB_CI):
        outcome.lint = _lint(api, remote, dict(target.files)[GITLAB_CI])
        if outcome.lint:
            return  # nothing is pushed for a file GitLab would refuse
    if any(f.status != "current" for f in outcome.files):
        _propose(api, remote, target, outcome, committed, write)
    _resource_groups(api, remote, target, outcome, "publish" if write else "plan")


def _compare(remote: RemoteProject, name: str, text: str, committed: bytes | None) -> FileCheck:
    wanted = text.encode("utf-8")
    if committed == wanted:
        return FileCheck(name, "current")
    old = "" if committed is None else committed.decode("utf-8", errors="replace")
    diff = "".join(difflib.unified_diff(
        old.splitlines(keepends=True), text.splitlines(keepends=True),
        fromfile="/dev/null" if committed is None
        else f"{remote.path}/{name} ({remote.default_branch})",
        tofile=f"{remote.path}/{name} (generated)"))
    return FileCheck(name, "missing" if committed is None else "differs", diff)


def _needs(outcome: Outcome, name: str) -> bool:
    return any(f.path == name and f.status != "current" for f in outcome.files)


def _propose(api: GitlabApi, remote: RemoteProject, target: Target, outcome: Outcome,
             committed: dict[str, bytes | None], write: bool) -> None:
    """One branch, one commit, one merge request; a second run reuses them."""
    if remote.archived:
        raise GitlabError(f"project {remote.path} is archived (read-only): nothing can be "
                          f"published to it")
    base = remote.default_branch
    if base is None:
        raise GitlabError(f"project {remote.path} has an empty repository (no default "
                          f"branch): push a first commit, then publish")
    exists = api.branch_exists(remote, UPDATE_BRANCH)
    on_branch = ({name: api.read_file(remote, name, UPDATE_BRANCH) for name, _ in target.files}
                 if exists else committed)
    actions = [("create" if on_branch[name] is None else "update", name, text)
               for name, text in target.files if on_branch[name] != text.encode("utf-8")]
    merge_request = api.open_merge_request(remote, UPDATE_BRANCH)
    title, description = MR_TITLE, _description(target, outcome)
    changes = ", ".join(f"{action} {name}" for action, name, _ in actions)
    if not write:
        if not exists:
            outcome.actions.append(f"would create branch {UPDATE_BRANCH} from {base}")
        outcome.actions.append(f"would commit to {UPDATE_BRANCH}: {changes}" if actions
                               else f"branch {UPDATE_BRANCH} already holds the generated files")
        outcome.merge_request = merge_request
        if merge_request is None:
            outcome.actions.append("would open a merge request")
        elif (merge_request.title, merge_request.description) != (title, description):
            outcome.actions.append(f"would update merge request !{merge_request.iid}")
        else:
            outcome.actions.append(f"merge request !{merge_request.iid} is up to date")
        return
    if not exists:
        api.create_branch(remote, UPDATE_BRANCH, base)
        outcome.actions.append(f"created branch {UPDATE_BRANCH} from {base}")
    if actions:
        sha = api.commit(remote, UPDATE_BRANCH, _commit_message(target, actions), actions)
        outcome.actions.append(f"committed {sha} to {UPDATE_BRANCH}: {changes}")
    else:
        outcome.actions.append(f"branch {UPDATE_BRANCH} already holds the generated files")
    if merge_request is None:
        try:
            merge_request = api.create_merge_request(remote, UPDATE_BRANCH, base, title,
                                                     description)
            outcome.actions.append(f"opened merge request !{merge_request.iid}")
        except GitlabError as exc:
            merge_request = api.open_merge_request(remote, UPDATE_BRANCH)
            if exc.status != 409 or merge_request is None:
                raise
    if (merge_request.title, merge_request.description) != (title, description):
        merge_request = api.update_merge_request(remote, merge_request.iid, title, description)
        outcome.actions.append(f"updated merge request !{merge_request.iid}")
    elif not any(a.startswith("opened merge request") for a in outcome.actions):
        outcome.actions.append(f"merge request !{merge_request.iid} is up to date")
    outcome.merge_request = merge_request


def _commit_message(target: Target, actions: list[tuple[str, str, str]]) -> str:
    names = ", ".join(name for _, name, _ in actions)
    return (f"superspec: update {names}\n\nGenerated by superspec {__version__} from "
            f"{_spec_name(target)} (effective spec {target.digest}).\n")


def _description(target: Target, outcome: Outcome) -> str:
    where = outcome.default_branch
    lines = [f"The CI files generated from `{_spec_name(target)}` (project "
             f"`{target.name}`) by superspec {__version__}:", ""]
    lines += [f"- `{f.path}`: {'missing on' if f.status == 'missing' else 'differs from'} "
              f"`{where}`" for f in outcome.files if f.status != "current"]
    lines += ["", f"Effective spec digest: `{target.digest}`.", "",
              "Opened and kept up to date by `superspec gitlab publish`: each run updates this "
              f"branch (`{UPDATE_BRANCH}`) and this merge request. Locally, `superspec generate` "
              "writes the same files and `superspec generate --check` checks them."]
    return "\n".join(lines) + "\n"


def _spec_name(target: Target) -> str:
    return target.spec.replace("\\", "/").rsplit("/", 1)[-1]


def _lint(api: GitlabApi, remote: RemoteProject, text: str) -> list[LintProblem]:
    result = api.lint(remote, text)
    if result.valid:
        return []
    keys = _top_level_lines(text)
    found = [LintProblem(_locate(message, keys), message) for message in result.errors]
    return found or [LintProblem(None, "the CI lint API found the file invalid (no message)")]


def _top_level_lines(text: str) -> dict[str, int]:
    """Line (1-based) of each top-level key of the YAML (the jobs)."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): key.start_mark.line + 1 for key, _ in node.value
            if isinstance(key, yaml.ScalarNode)}


def _locate(message: str, keys: dict[str, int]) -> int | None:
    """GitLab names a line ("at line 3 column 1") or a job ("jobs:build config ...",
    "build job: ...")."""
    line = re.search(r"\bline (\d+)", message)
    if line:
        return int(line.group(1))
    named = [key for key in keys if message.startswith((f"jobs:{key} ", f"jobs:{key}:",
                                                        f"{key} job:"))]
    return keys[max(named, key=len)] if named else None


def _resource_groups(api: GitlabApi, remote: RemoteProject, target: Target, outcome: Outcome,
                     mode: str) -> None:
    """audit: compare; plan (and publish --dry-run): say what would change; publish: set."""
    for group in target.resource_groups:
        current = api.resource_group_mode(remote, group.key)
        if current is None:
            result = "pending"
        elif current == group.process_mode:
            result = "current"
        elif mode == "audit":
            result = "differs"
        elif mode == "publish":
            answer = api.set_resource_group_mode(remote, group.key, group.process_mode)
            result = "pending" if answer is None else "set"
        else:
            result = "would set"
        outcome.resource_groups.append(
            GroupCheck(group.key, group.env, group.process_mode, current, result))
