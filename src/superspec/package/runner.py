"""Package one base artifact for one or more environments: render, plan, write, rename.

Everything that can fail (templates, entry checks) is done for every environment before the
first byte is written; outputs and their side manifests go to temp files beside their targets and
are all renamed at the end. A run is all or nothing: a failure, even during the renames, removes
what the run wrote and restores what it replaced.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Callable, Iterator
from itertools import compress, repeat
from operator import eq
from pathlib import Path

from superspec.errors import InputError, Location
from superspec.fileio import flocked
from superspec.package import artifact as kinds
from superspec.package import digestcache
from superspec.package import wheel as wheels
from superspec.package.lazydata import Data
from superspec.package.links import canonical
from superspec.package.manifest import MANIFEST_ENTRY, ChangedEntry, Manifest
from superspec.package.plan import artifact_path, check_artifact, check_envs, output_paths
from superspec.package.rendered import Rendered, check_secret_style
from superspec.package.result import PackageResult, source_epoch
from superspec.paths import display_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.spec import EffectiveSpec

Progress = Callable[[str], None]


def package_artifact(effective: EffectiveSpec, envs: list[str], artifact: Path | None,
                 out: Path | None, *, image: str | None = None, version: str | None = None,
                 progress: Progress | None = None, cache: bool = True) -> list[PackageResult]:
    """Package ``artifact`` (default: package.artifact) or the image ``image`` for ``envs``.
    ``cache=False``: hash the base afresh, neither using nor writing a remembered digest."""
    envs = list(dict.fromkeys(envs))  # --env prod --env prod packages prod once
    check_envs(effective, envs)
    rendered = render_envs(effective, envs, version, cache)
    say = progress or (lambda _: None)
    if image is not None:
        from superspec.package.image import package_image

        return package_image(effective, image, rendered, version, say)
    base = artifact_path(effective, artifact)
    display = display_path(base)
    check_artifact(base, display)
    targets = output_paths(base, envs, out)
    sides = {env: side_manifest_path(targets[env]) for env in envs}
    project_dir = Path(effective.path).parent if cache else None
    early = _file_digest(base, project_dir)
    kind, archive = kinds.open_artifact(base, display, check=False, project_dir=project_dir)
    run = _Run()
    try:
        existing = kinds.entry_kinds(archive)
        _check_base(kind, existing, display)
        wheel = kind == "zip" and kinds.split_name(base)[1].lower() == ".whl"
        manifest_at = wheels.manifest_name(existing, display, wheel)
        if wheel:
            rendered = _with_record(archive, existing, display, rendered, manifest_at)
        digest = early or _Digest(lambda: kinds.base_sha256(archive))
        linked, links = kinds.hard_link_targets(archive), _canonical_links(existing)
        manifests = {env: _manifest(effective, env, version, kind, base,
                                    _changes(existing, links, linked, rendered[env], display,
                                             manifest_at), digest, manifest_at)
                     for env in envs}
        try:
            jobs = {env: _job(run, targets[env], kind, rendered[env], existing, manifests[env],
                              base, manifest_at) for env in envs}
            kinds.write_outputs(kind, archive, list(jobs.values()), source_epoch())
            for env in envs:
                run.stage(_write_temp(run, sides[env], manifests[env]().encode()), sides[env])
            run.commit()
        except BaseException as exc:
            run.rollback()
            if isinstance(exc, OSError):
                where = run.target_of(exc.filename) if exc.filename else targets[envs[0]]
                raise InputError(f"cannot write the packaged artifact: {exc.strerror or exc}",
                                 location=Location(display_path(where))) from None
            raise
        if project_dir is not None:
            kinds.remember(archive, project_dir)
    finally:
        kinds.close(archive)
    results = []
    for env in envs:
        say(f"packaged {env}: {display_path(targets[env])} "
            f"({len(rendered[env])} file(s) rendered)")
        results.append(PackageResult(env, kind, display, digest.value(), display_path(targets[env]),
                                     display_path(sides[env]), manifests[env]().entries))
    return results


def side_manifest_path(target: Path) -> Path:
    """The manifest written beside an output: ``<output>.superspec-package.json``."""
    return target.with_name(target.name + "." + MANIFEST_ENTRY)


class _Run:
    """Everything one run writes: temp files, staged beside their targets and renamed over them
    together at the end. A failure anywhere takes back what the run already renamed (restoring
    what it replaced), removes its temp files and the directories it created."""

    def __init__(self) -> None:
        self._created: list[Path] = []  # directories this run created, outermost first
        self._staged: list[tuple[Path, Path]] = []  # (temp, target), in rename order
        self._installed: list[Path] = []  # targets renamed into place
        self._kept: list[tuple[Path, Path]] = []  # (target, copy of what it held before)
        self._rolled_back = False

    def make_dirs(self, path: Path) -> None:
        missing = [p for p in (path, *path.parents) if not p.exists()]
        path.mkdir(parents=True, exist_ok=True)
        self._created.extend(reversed(missing))

    def stage(self, tmp: Path, target: Path) -> None:
        self._staged.append((tmp, target))

    def target_of(self, filename: str | bytes | os.PathLike[str]) -> Path:
        """The target a temp file (or kept copy) of this run stands for; else the name itself."""
        name = os.fsdecode(filename)
        for tmp, target in self._staged:
            if name == str(tmp):
                return target
        for target, kept in self._kept:
            if name == str(kept):
                return target
        return Path(name)

    def commit(self) -> None:
        """Rename every staged file over its target, holding each target folder's flock: runs
        writing the same outputs at once commit one after the other (an output never beside
        another run's side manifest, a rollback never undoing another run's outputs)."""
        with _folders_locked({target.parent for _, target in self._staged}):
            try:
                for tmp, target in self._staged:
                    self._keep(tmp, target)
                    os.replace(tmp, target)
                    self._installed.append(target)
            except BaseException:
                self.rollback()
                raise
        for _, kept in self._kept:
            _remove(kept)
        self._kept.clear()

    def _keep(self, tmp: Path, target: Path) -> None:
        """Keep what ``target`` holds, to restore it if a later rename fails. A file stays in
        place (a hard link keeps it, the rename replaces it atomically); a directory, which a
        rename cannot replace, moves aside."""
        if not os.path.lexists(target):
            return
        kept = target.with_name(f".{target.name}.{os.urandom(4).hex()}.old")
        if tmp.is_dir() and target.is_dir() and not target.is_symlink():
            os.replace(target, kept)
        else:
            try:
                os.link(target, kept, follow_symlinks=False)
            except OSError:  # a file system without hard links
                if target.is_symlink():
                    os.symlink(os.readlink(target), kept)
                elif target.is_file():
                    import shutil

                    shutil.copy2(target, kept)
                else:
                    return  # a directory where a file goes: the rename below fails
        self._kept.append((target, kept))

    def rollback(self) -> None:
        """Take back what the run did (once: a failed commit rolls back under its locks)."""
        if self._rolled_back:
            return
        self._rolled_back = True
        for target in reversed(self._installed):
            _remove(target)
        for target, kept in reversed(self._kept):
            with contextlib.suppress(OSError):
                _remove(target)
                os.replace(kept, target)
        for tmp, _ in self._staged:
            _remove(tmp)
        for directory in reversed(self._created):
            with contextlib.suppress(OSError):
                directory.rmdir()


@contextlib.contextmanager
def _folders_locked(folders: set[Path]) -> Iterator[None]:
    """An exclusive flock on each folder, taken in one order (no two runs wait on each other)."""
    with contextlib.ExitStack() as stack:
        for folder in sorted(folders):
            stack.enter_context(flocked(folder, strict=False))
        yield


_SIGNATURES = tuple(e for end in (".SF", ".RSA", ".DSA", ".EC") for e in (end, end.lower()))


def _check_base(kind: str, existing: dict[str, str], display: str) -> None:
    # one C-level pass first: a base has tens of thousands of entries and rarely any of these
    found = list(compress(existing, map(str.endswith, existing,
                                        repeat((MANIFEST_ENTRY, *_SIGNATURES)))))
    packaged = [n for n in found if n.endswith(MANIFEST_ENTRY) and wheels.is_manifest(n)]
    if packaged:
        raise InputError(f"the base already holds {packaged[0]}: it is a packaged artifact; "
                         "package from the build output", location=Location(display))
    signed = sorted(n for n in found if n.endswith(_SIGNATURES) and n[:9].upper() == "META-INF/")
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
    from superspec.package.scan import read_entry

    record = read_entry(archive, record_at)
    return {env: files + [Rendered(record_at, "(wheel RECORD)", wheels.updated_record(
                record, {f.path: f.data for f in files}, manifest_at))]
            for env, files in rendered.items()}


def _canonical_links(existing: dict[str, str]) -> set[str]:
    """The links by the path the kernel sees: a link stored as 'a/./b' is in the way of
    'a/b/c' (one C-level pass: a base has tens of thousands of entries and few links)."""
    return {canonical(name)
            for name in compress(existing, map(eq, existing.values(), repeat("link")))}


def _changes(existing: dict[str, str], links: set[str], linked: dict[str, str],
             files: list[Rendered], display: str, manifest_at: str) -> list[ChangedEntry]:
    changes, seen = [], set()

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


def _file_digest(base: Path, project_dir: Path | None) -> _Digest | None:
    """A file base's sha256: remembered from an earlier run while the file is unchanged (see
    digestcache), else computed on another core while the base is parsed and copied. None for a
    directory (its digest needs the opened tree)."""
    if not base.is_file():
        return None
    known = digestcache.lookup(base, project_dir) if project_dir is not None else None
    if known is not None:
        return _Digest(None, known)
    return _Digest(lambda: digestcache.compute(base, project_dir))


class _Digest:
    """The base's sha256: known already, or computed on another core while the outputs are
    being written."""

    def __init__(self, compute: Callable[[], str] | None, value: str | None = None) -> None:
        self._value: str | None = value
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if compute is not None:
            self._thread = threading.Thread(target=self._run, args=(compute,), daemon=True)
            self._thread.start()

    def _run(self, compute: Callable[[], str]) -> None:
        try:
            self._value = compute()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            self._error = exc

    def value(self) -> str:
        if self._thread is not None:
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


def _job(run: _Run, target: Path, kind: str, files: list[Rendered], existing: dict[str, str],
         manifest: Callable[[], Manifest], base: Path, manifest_at: str) -> kinds.Job:
    run.make_dirs(target.parent)
    if kind == "dir":
        import tempfile

        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
        run.stage(tmp, target)
        tmp.rmdir()  # copytree creates it
    else:
        fd, tmp = _temp_file(target)
        os.close(fd)
        run.stage(tmp, target)
        os.chmod(tmp, stat.S_IMODE(os.stat(base).st_mode))
    replaced = {f.path: f.data for f in files if f.path in existing}
    added: list[tuple[str, Data]] = [
        (f.path, f.data) for f in files if f.path not in existing]
    added.append((manifest_at, lambda: manifest().encode()))
    return kinds.Job(tmp, replaced, added)


def _write_temp(run: _Run, path: Path, data: bytes) -> Path:
    """``data`` in a temp file beside ``path`` (mode 0644), to be renamed over it on commit."""
    run.make_dirs(path.parent)
    fd, tmp = _temp_file(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
    except BaseException:
        _remove(tmp)
        raise
    return tmp


def _temp_file(target: Path) -> tuple[int, Path]:
    """A new private file ``.<name>.<random>.tmp`` beside ``target``, opened for writing (what
    tempfile.mkstemp does, without importing tempfile and random on the fast path)."""
    while True:
        tmp = target.with_name(f".{target.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, _TEMP_FLAGS, 0o600), tmp
        except FileExistsError:
            continue


_TEMP_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        import shutil

        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def render_envs(effective: EffectiveSpec, envs: list[str], version: str | None,
                cache: bool = True) -> dict[str, list[Rendered]]:
    """Each environment's rendered files, in spec order: remembered from an earlier run while
    everything they came from is unchanged (see rendercache; not with ``cache=False``), else
    rendered (and remembered). The checks are those of ``render.Renderer`` (secretStyle, then
    each environment's values) whether or not there is a template to render."""
    from superspec.package.specdata import env_values, package_spec

    spec = package_spec(effective)
    if spec.files:
        from superspec.package import rendercache

        remembered = rendercache.lookup(effective, envs, version) if cache else None
        if remembered is not None:
            return remembered
        from superspec.package.render import Renderer

        renderer = Renderer(effective)
        rendered = {env: renderer.render(env, version) for env in envs}
        if cache and not renderer.jinja.random_used:
            rendercache.store(effective, version, rendered, renderer.jinja.project_loader.read)
        return rendered
    check_secret_style(effective, spec.secret_style)
    for env in envs:
        env_values(effective, env)
    return {env: [] for env in envs}
