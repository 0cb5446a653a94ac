"""Which environments to package and where each output goes."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePath

from superspec.errors import InputError, Location, SpecError, UsageError
from superspec.package.artifact import split_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.spec import EffectiveSpec


def stage_envs(effective: EffectiveSpec) -> list[str]:
    """The environments of the pipeline's package stage(s), in pipeline order; each stage's
    follow ``superspec.spec.packaging.envs_packaged_by``."""
    from superspec.spec.packaging import envs_packaged_by

    model = effective.model
    stages = [s for s in model.pipeline.stages if model.stage_runner(s) == "package"]
    if not stages:
        raise SpecError("no pipeline stage runs 'package', so --all-envs has no environments",
                        location=effective.locate(("pipeline", "stages")))
    envs = list(dict.fromkeys(env for s in stages for env in envs_packaged_by(model, s)))
    if not envs:
        raise SpecError(f"stage '{stages[0]}' runs 'package' but names no environments and no "
                        "stage deploys to one: set 'envs: [...]'",
                        location=effective.locate(("pipeline", "stages", stages[0])))
    return envs


def check_envs(effective: EffectiveSpec, envs: list[str]) -> None:
    from superspec.package.specdata import package_spec

    defined = list(package_spec(effective).environments)
    if not envs:
        raise UsageError("name an environment with --env ENV, or use --all-envs")
    for env in envs:
        if env not in defined:
            from superspec.suggest import unknown_environment

            raise UsageError(unknown_environment(env, defined))


def artifact_path(effective: EffectiveSpec, artifact: Path | None) -> Path:
    if artifact is not None:
        return artifact
    from superspec.package.specdata import package_spec

    configured = package_spec(effective).artifact
    if configured is None:
        raise UsageError("no artifact: pass --artifact PATH or set package.artifact in the spec")
    project = Path(effective.path).parent
    path = project / configured
    # the spec names the project's own build output: after every link it must stay inside the
    # project (a command line's --artifact is the caller's choice)
    real, root = os.path.realpath(path), os.path.realpath(project)
    if os.path.commonpath([real, root]) != root:
        raise SpecError(f"package.artifact {configured!r} resolves to {real}, outside the "
                        f"project directory {root}", location=effective.locate(
                            ("package", "artifact")))
    return path


def artifact_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as an artifact ('no such file or directory', 'symlink loop',
    'not a regular file (a FIFO)'), or None. Nothing is opened: a FIFO would block the read."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return "no such file or directory"
        return "symlink loop" if exc.errno == errno.ELOOP else f"cannot read: {exc.strerror}"
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    from superspec.fileio import file_kind

    return f"not a regular file ({file_kind(mode)})"


def check_artifact(path: Path, display: str) -> None:
    """Refuse a base that exists but is neither a directory nor a regular file (a missing one
    is 'artifact not found' when it is opened)."""
    problem = artifact_problem(path)
    if problem is not None and problem != "no such file or directory":
        raise InputError(problem, location=Location(display))


def output_name(base: PurePath, env: str, is_dir: bool | None = None) -> PurePath:
    """The default output for ``env``, relative to the outputs' directory: ``<stem>-<env><suffix>``;
    a wheel's file name is part of its format, so it keeps it in a directory per environment.
    Pure when ``is_dir`` is given (the generated pipelines name the outputs from it)."""
    stem, suffix = split_name(base, is_dir)
    if suffix.lower() == ".whl":
        return PurePath(env, base.name)
    return PurePath(f"{stem}-{env}{suffix}")


def output_paths(base: Path, envs: list[str], out: Path | None) -> dict[str, Path]:
    """``output_name`` beside the base; ``--out`` is the output for one environment and the
    directory of the outputs for several."""
    if out is not None and len(envs) == 1:
        paths = {envs[0]: out}
    else:
        where = out if out is not None else base.parent
        paths = {env: where / output_name(base, env) for env in envs}
    for path in paths.values():
        if path.resolve() == base.resolve():
            raise UsageError(f"the output {path} would overwrite the base artifact")
        if base.is_dir() and path.resolve().is_relative_to(base.resolve()):
            raise UsageError(f"the output {path} lies inside the base directory {base}")
    return paths
