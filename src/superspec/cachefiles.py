"""The user's cache directory and its signed files, shared by the enforce result cache and the
compiled-spec cache (stdlib only: both are read before anything heavy is imported).

* Location: ``$SUPERSPEC_CACHE_DIR``, else ``$XDG_CACHE_HOME/superspec/enforce``, else
  ``~/.cache/superspec/enforce``; never the project. A directory that resolves (after symlinks)
  into the project, ``$WORKSPACE`` or ``$CI_PROJECT_DIR``, that is not owned by the current user
  or that is writable by group or others is not used: the run is uncached, silently. A new
  directory is created 0700.
* Authentication: every file carries an HMAC-SHA256 over its format, its name and its payload,
  keyed by 32 random bytes in ``<cache dir>.key`` (a sibling of the directory), created 0600 on
  first store and published atomically (a hard link that fails if the name exists). A key file
  that is a symlink, not owned by the current user, or readable or writable by group or others
  disables the cache. A file that fails the check (hand-written, copied from another cache,
  truncated) is a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
from pathlib import Path

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms on the cached paths
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

KEY_BYTES = 32
MAC_BYTES = 32  # a raw HMAC-SHA256 in a binary file
WORKSPACE_ENV = ("WORKSPACE", "CI_PROJECT_DIR")  # Jenkins', GitLab's checkout: never trusted
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
    | getattr(os, "O_CLOEXEC", 0)


def cache_dir() -> Path | None:
    """The configured cache directory (absolute), before any trust check; None without a home."""
    configured = os.environ.get("SUPERSPEC_CACHE_DIR")
    if configured:
        return Path(os.path.abspath(configured))
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # a relative XDG_CACHE_HOME is invalid: ignored
        return Path(xdg) / "superspec" / "enforce"
    home = os.path.expanduser("~")
    if not os.path.isabs(home):
        return None
    return Path(home) / ".cache" / "superspec" / "enforce"


def key_file(directory: Path) -> Path:
    return directory.with_name(directory.name + ".key")


def trusted_dir(project_dir: Path, create: bool = False) -> Path | None:
    """The cache directory when it may be used for ``project_dir``, else None (no cache)."""
    directory = cache_dir()
    if directory is None:
        return None
    real, real_key = _resolved(directory)
    roots = untrusted_roots(project_dir)
    if inside(real, roots) or inside(real_key, roots):
        return None
    if create:
        try:
            os.makedirs(os.path.dirname(real), exist_ok=True)
            os.mkdir(real, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
    try:
        st = os.stat(real)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        return None
    return directory


_resolutions: dict[Path, tuple[str, str]] = {}


def _resolved(directory: Path) -> tuple[str, str]:
    """The cache directory and its key file after symlinks, resolved once per process (a fleet
    opens the cache once per project; where the user's cache lives does not change during a
    run, and the project, resolved on every call, is what a project team controls)."""
    found = _resolutions.get(directory)
    if found is None:
        found = (os.path.realpath(directory), os.path.realpath(key_file(directory)))
        if os.path.isdir(found[0]):  # a directory yet to be made may still become a link
            _resolutions[directory] = found
    return found


def untrusted_roots(project_dir: Path) -> list[str]:
    roots = [os.path.realpath(project_dir)]
    roots += [os.path.realpath(os.environ[name]) for name in WORKSPACE_ENV
              if os.environ.get(name)]
    return roots


def inside(path: str, roots: Iterable[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def machine_key(directory: Path, create: bool = False) -> bytes | None:
    """The secret that signs this cache's files; created on first use when ``create``."""
    path = key_file(directory)
    for _attempt in range(2):
        try:
            fd = os.open(path, os.O_RDONLY | NOFOLLOW)
        except FileNotFoundError:
            if not create or not _create_key(path):
                return None
            continue
        except OSError:  # a symlink (ELOOP), unreadable, ...
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
                return None
            data = os.read(fd, KEY_BYTES + 1)
        finally:
            os.close(fd)
        if len(data) == KEY_BYTES:
            return data
        # a key is only ever renamed or linked into place whole: a short one was left by a
        # writer of an older version killed mid-write; replaced, it would not stop the cache
        if not create or not _create_key(path, replace=True):
            return None
    return None


def _create_key(path: Path, replace: bool = False) -> bool:
    """Write a new key beside the cache directory: a private temp file (O_EXCL, 0600) linked to
    its name, which fails when another process got there first (its key is then used). The key
    is never visible half-written: a reader finding it short would run without the cache, and
    a writer killed in between would leave the cache off for good."""
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(os.urandom(KEY_BYTES))
        if replace:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:  # no hard links here: rename the whole key into place instead (a
            # key created meanwhile by another process is replaced: what it signed is a miss)
            if not os.path.lexists(path):
                os.rename(tmp, path)
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return True


def open_cache(project_dir: Path, create: bool = False) -> tuple[Path, bytes] | None:
    """The trusted cache directory for ``project_dir`` and its key, or None (no cache)."""
    directory = trusted_dir(project_dir, create=create)
    secret = None if directory is None else machine_key(directory, create=create)
    if directory is None or secret is None:
        return None
    return directory, secret


def mac(secret: bytes, fmt: int | str, name: str, payload: bytes) -> bytes:
    """HMAC-SHA256 over the format, the file's name and the payload (not copied: a layout
    entry's payload is a few MB)."""
    signer = hmac.new(secret, f"{fmt}\n{name}\n".encode(), hashlib.sha256)
    signer.update(payload)
    return signer.digest()


def authentic(secret: bytes, fmt: int | str, name: str, payload: bytes, given: bytes) -> bool:
    return hmac.compare_digest(given, mac(secret, fmt, name, payload))


def read_signed_bytes(directory: Path, secret: bytes, fmt: int | str, name: str) -> bytes | None:
    """The payload of the binary file ``name`` (its MAC, then the payload) when authentic."""
    try:
        fd = os.open(directory / name, os.O_RDONLY | NOFOLLOW)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            given, payload = handle.read(MAC_BYTES), handle.read()
    except OSError:
        return None
    if len(given) != MAC_BYTES or not authentic(secret, fmt, name, payload, given):
        return None
    return payload


def write_signed_bytes(directory: Path, secret: bytes, fmt: int | str, name: str,
                       payload: bytes) -> None:
    """Sign and write ``payload`` atomically: a private temp file (O_EXCL, 0600) renamed over
    the name, so a reader sees the old file or the new one. A read-only location is no error:
    it just cannot remember."""
    global _written
    _written += 1
    tmp = directory / f".{name}.{os.getpid()}.{_written}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o600)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(mac(secret, fmt, name, payload) + payload)
        os.replace(tmp, directory / name)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


_written = 0  # temp files written by this process (their names must differ)


def stats_unchanged(stamps: Iterable[Sequence[object]]) -> bool:
    """Whether every ``(path, size, mtime_ns)`` still describes its file (code and plugin files
    a cached answer was computed with: a reinstall or an edit changes them)."""
    for where, size, mtime in stamps:
        try:
            st = os.stat(str(where))
        except OSError:
            return False
        if st.st_size != size or st.st_mtime_ns != mtime:
            return False
    return True
