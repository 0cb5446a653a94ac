"""Package one base artifact for one or more environments: render, plan, write, rename.

Everything that can fail (templates, entry checks) is done for every environment before the
first byte is written; outputs go to temp files beside their targets and are renamed at the end,
so a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from superspec.errors import InputError, Location
from superspec.fileio import write_atomic
from superspec.package import artifact as kinds
from superspec.package import wheel as wheels
from superspec.package.lazydata import Data
from superspec.package.links import canonical
from superspec.package.manifest import MANIFEST_ENTRY, ChangedEntry, Manifest
from superspec.package.plan import artifact_path, check_envs, output_paths
from superspec.package.render import Rendered, Renderer
from superspec.package.result import PackageResult, source_epoch
from superspec.package.scan import read_entry
from superspec.spec.layers import display_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.spec import EffectiveSpec

Progress = Callable[[str], None]


def package_artifact(effective: EffectiveSpec, envs: list[str], artifact: Path | None,
                 out: Path | None, *, image: str | None = None, version: str | None = None,
                 progress: Progress | None = None) -> list[PackageResult]:
    """Package ``artifact`` (default: package.artifact) or the image ``image`` for ``envs``."""
    check_envs(effective, envs)
    renderer = Renderer(effective)
    rendered = {env: renderer.render(env, version) for env in envs}
    say = progress or (lambda _: None)
    if image is not None:
        from superspec.package.image import package_image

        return package_image(effective, image, rendered, version, say)
    base = artifact_path(effective, artifact)
    display = display_path(base)
    targets = output_paths(base, envs, out)
    # a file's digest is computed on another core while the base is parsed and copied
    early = _Digest(lambda: kinds.file_sha256(base)) if base.is_file() else None
    kind, archive = kinds.open_artifact(base, display, check=False)
    try:
        existing = kinds.entry_kinds(archive)
        _check_base(kind, existing, display)
        wheel = kind == "zip" and kinds.split_name(base)[1].lower() == ".whl"
        manifest_at = wheels.manifest_name(existing, display, wheel)
        if wheel:
            rendered = _with_record(archive, existing, display, rendered, manifest_at)
        digest = early or _Digest(lambda: kinds.base_sha256(archive))
        linked = kinds.hard_link_targets(archive)
        manifests = {env: _manifest(effective, env, version, kind, base,
                                    _changes(existing, linked, rendered[env], display,
                                             manifest_at), digest, manifest_at)
                     for env in envs}
        jobs: dict[str, kinds.Job] = {}
        try:
            for env in envs:
                jobs[env] = _job(targets[env], kind, rendered[env], existing, manifests[env], base,
                                 manifest_at)
            kinds.write_outputs(kind, archive, list(jobs.values()), source_epoch())
            for env in envs:
                _install(jobs[env].tmp, targets[env])
                say(f"packaged {env}: {display_path(targets[env])} "
                    f"({len(rendered[env])} file(s) rendered)")
        except BaseException as exc:
            for job in jobs.values():
                _remove(job.tmp)
            if isinstance(exc, OSError):
                where = exc.filename or targets[envs[0]]
                raise InputError(f"cannot write the packaged artifact: {exc.strerror or exc}",
                                 location=Location(display_path(where))) from None
            raise
    finally:
        kinds.close(archive)
    results = []
    for env in envs:
        side = targets[env].with_name(targets[env].name + "." + MANIFEST_ENTRY)
        write_atomic(side, manifests[env]().encode())
        results.append(PackageResult(env, kind, display, digest.value(), display_path(targets[env]),
                                     display_path(side), manifests[env]().entries))
    return results


def _check_base(kind: str, existing: dict[str, str], display: str) -> None:
    packaged = [n for n in existing if wheels.is_manifest(n)]
    if packaged:
        raise InputError(f"the base already holds {packaged[0]}: it is a packaged artifact; "
                         "package from the build output", location=Location(display))
    endings = tuple(e for end in (".SF", ".RSA", ".DSA", ".EC") for e in (end, end.lower()))
    signed = sorted(n for n in existing if n.endswith(endings) and n[:9].upper() == "META-INF/")
    if kind == "zip" and signed:
        raise InputError(f"the base is a signed jar ({signed[0]}); changing any entry would "
                         "invalidate its signature: package before signing",
                         location=Location(display))


def _with_record(archive: kinds.Archive, existing: dict[str, str], display: str,
                 rendered: dict[str, list[Rendered]],
                 manifest_at: str) -> dict[str, list[Rendered]]:
    """Add each environment's rewritten wheel RECORD to its files."""
    record_at = f"{wheels.dist_info(existing, display)}/RECORD"
    if existing.get(record_at) != "file":
        raise InputError(f"the wheel has no {record_at}", location=Location(display))
    record = read_entry(archive, record_at)
    return {env: files + [Rendered(record_at, "(wheel RECORD)", wheels.updated_record(
                record, {f.path: f.data for f in files}, manifest_at))]
            for env, files in rendered.items()}


def _changes(existing: dict[str, str], linked: dict[str, str], files: list[Rendered],
             display: str, manifest_at: str) -> list[ChangedEntry]:
    changes, seen = [], set()
    # links by the path the kernel sees: a link stored as 'a/./b' is in the way of 'a/b/c'
    links = {canonical(name) for name, kind in existing.items() if kind == "link"}

    def kind_of(path: str) -> str | None:
        return "link" if path in links else existing.get(path)

    for item in files:
        if item.path in seen or item.path == manifest_at:
            raise InputError(f"package.files writes {item.path!r} twice (or over the manifest)",
                             location=Location(display))
        seen.add(item.path)
        parts = item.path.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if kind_of(parent) not in (None, "dir"):
                raise InputError(f"cannot write {item.path!r}: {parent!r} is a "
                                 f"{kind_of(parent)} in the base", location=Location(display))
        found = kind_of(item.path)
        if found not in (None, "file"):
            raise InputError(f"cannot replace {item.path!r}: it is a {found} in the base, not a "
                             "file", location=Location(display))
        if item.path in linked:
            raise InputError(f"cannot replace {item.path!r}: the hard link {linked[item.path]!r} "
                             "points at it", location=Location(display))
        action = "replaced" if found else "added"
        changes.append(ChangedEntry(item.path, action, item.template, item.sha256, len(item.data)))
    return changes


class _Digest:
    """The base's sha256, computed on another core while the outputs are being written."""

    def __init__(self, compute: Callable[[], str]) -> None:
        self._value: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(compute,), daemon=True)
        self._thread.start()

    def _run(self, compute: Callable[[], str]) -> None:
        try:
            self._value = compute()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            self._error = exc

    def value(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


def _manifest(effective: EffectiveSpec, env: str, version: str | None, kind: str, base: Path,
              changed: list[ChangedEntry], digest: _Digest,
              manifest_at: str) -> Callable[[], Manifest]:
    """The manifest, built once and only when first needed (the base digest may still be
    computing on another core)."""
    made: list[Manifest] = []

    def build() -> Manifest:
        if not made:
            made.append(Manifest.for_env(
                effective, env, version, base_kind=kind, base_name=base.name,
                base_sha256=digest.value(), entries=changed, manifest_entry=manifest_at))
        return made[0]

    return build


def _job(target: Path, kind: str, files: list[Rendered], existing: dict[str, str],
         manifest: Callable[[], Manifest], base: Path, manifest_at: str) -> kinds.Job:
    target.parent.mkdir(parents=True, exist_ok=True)
    if kind == "dir":
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
        tmp.rmdir()  # copytree creates it
    else:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        tmp = Path(name)
        shutil.copymode(base, tmp)
    replaced = {f.path: f.data for f in files if f.path in existing}
    added: list[tuple[str, Data]] = [
        (f.path, f.data) for f in files if f.path not in existing]
    added.append((manifest_at, lambda: manifest().encode()))
    return kinds.Job(tmp, replaced, added)


def _install(tmp: Path, target: Path) -> None:
    if tmp.is_dir() and target.is_dir():
        old = target.with_name(f".{target.name}.old")
        _remove(old)
        os.replace(target, old)
        os.replace(tmp, target)
        _remove(old)
    else:
        os.replace(tmp, target)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
