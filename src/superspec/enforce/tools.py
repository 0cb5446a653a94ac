"""Installed tool versions for requireToolVersion: run each tool once, in parallel threads.

A probe result is cached in ``tools.json`` beside the result cache, keyed by the tool binary's
real path, size and mtime, so an unchanged toolchain is never re-run (``java -version`` costs
~100 ms, ``mvn -v`` ~400 ms, ``gradle --version`` seconds). Java is the JVM Maven would run:
``$JAVA_HOME/bin/java`` when JAVA_HOME is set, else ``java`` on PATH, as Maven Enforcer's
requireJavaVersion sees it."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

TOOLS: dict[str, tuple[str, ...]] = {
    "java": ("java", "-version"),
    "maven": ("mvn", "-B", "-v"),
    "gradle": ("gradle", "--version", "--quiet"),
    "python": ("python3", "--version"),
    "node": ("node", "--version"),
    "npm": ("npm", "--version"),
    "go": ("go", "version"),
}
_PATTERNS = {
    "java": re.compile(r'version "([^"]+)"'),
    "maven": re.compile(r"Apache Maven (\S+)"),
    "gradle": re.compile(r"Gradle (\S+)"),
    "python": re.compile(r"Python (\S+)"),
    "node": re.compile(r"v?(\d\S*)"),
    "npm": re.compile(r"(\d\S*)"),
    "go": re.compile(r"go version go(\S+)"),
}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TIMEOUT = 120.0


class ToolVersion:
    """``version`` None: not installed (``detail`` says why). A plain class: the cached path
    imports this module and must not pay for dataclasses or typing."""

    __slots__ = ("tool", "version", "path", "detail")

    def __init__(self, tool: str, version: str | None, path: str | None,
                 detail: str = "") -> None:
        self.tool, self.version, self.path, self.detail = tool, version, path, detail

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ToolVersion) and (self.tool, self.version, self.path,
                                                   self.detail) == (other.tool, other.version,
                                                                    other.path, other.detail)

    def __repr__(self) -> str:
        return f"ToolVersion({self.tool!r}, {self.version!r}, {self.path!r}, {self.detail!r})"


def binary(tool: str) -> str | None:
    """Where the tool's command resolves (JAVA_HOME first for java)."""
    command = TOOLS[tool][0]
    if tool == "java" and os.environ.get("JAVA_HOME"):
        candidate = Path(os.environ["JAVA_HOME"]) / "bin" / "java"
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(command)


def fingerprint(path: str) -> list[object] | None:
    """[real path, size, mtime_ns] of a binary; what the tool cache is keyed by."""
    try:
        real = os.path.realpath(path)
        st = os.stat(real)
    except OSError:
        return None
    return [real, st.st_size, st.st_mtime_ns]


def parse_version(tool: str, output: str) -> str | None:
    m = _PATTERNS[tool].search(_ANSI.sub("", output))
    if not m:
        return None
    version = m.group(1)
    return version.replace("_", "-") if tool == "java" else version  # 1.8.0_292 -> 1.8.0-292


def probe(tool: str, path: str) -> ToolVersion:
    import subprocess

    argv = [path, *TOOLS[tool][1:]]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL, errors="replace")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return ToolVersion(tool, None, path, f"{' '.join(argv)} failed: {exc}")
    version = parse_version(tool, done.stdout + "\n" + done.stderr)
    if version is None:
        first = (done.stdout + done.stderr).strip().splitlines()[:1]
        return ToolVersion(tool, None, path, f"{' '.join(argv)} printed no version "
                           f"(exit {done.returncode}: {first[0] if first else 'no output'})")
    return ToolVersion(tool, version, path)


# (tool, binary fingerprint) -> version, shared by the projects of one multi-project run
_SHARED_RUN: dict[str, ToolVersion] | None = None


class shared_versions:  # noqa: N801 - used as a context manager, like contextlib's
    """Within the block, every project of the run shares the tool versions probed (the same
    binary answers the same version), as one Maven run probes its JVM once."""

    def __enter__(self) -> None:
        global _SHARED_RUN
        self._outer = _SHARED_RUN
        _SHARED_RUN = {} if _SHARED_RUN is None else _SHARED_RUN

    def __exit__(self, *_exc: object) -> None:
        global _SHARED_RUN
        _SHARED_RUN = self._outer


class ToolProbe:
    """Tool versions for one run, from ``cache_file`` when the binary is unchanged."""

    def __init__(self, cache_file: Path | None) -> None:
        self.cache_file = cache_file
        self.probed: list[str] = []  # tools actually run this time (tests and --verbose read it)
        self._known: dict[str, ToolVersion] = {}

    def versions(self, tools: list[str]) -> dict[str, ToolVersion]:
        wanted = [t for t in tools if t not in self._known]
        if wanted:
            cache = self._load()
            todo: list[tuple[str, str, str]] = []
            for tool in wanted:
                path = binary(tool)
                if path is None:
                    self._known[tool] = ToolVersion(tool, None, None,
                                                    f"'{TOOLS[tool][0]}' not found on PATH")
                    continue
                key = json.dumps([tool, fingerprint(path)])
                if _SHARED_RUN is not None and key in _SHARED_RUN:
                    self._known[tool] = _SHARED_RUN[key]
                    continue
                hit = cache.get(key)
                if hit is not None:
                    self._known[tool] = ToolVersion(tool, hit, path)
                else:
                    todo.append((tool, path, key))
            if todo:
                from concurrent.futures import ThreadPoolExecutor

                with ThreadPoolExecutor(max_workers=len(todo)) as pool:
                    results = list(pool.map(lambda t: probe(t[0], t[1]), todo))
                for (tool, _path, key), result in zip(todo, results, strict=True):
                    self.probed.append(tool)
                    self._known[tool] = result
                    if _SHARED_RUN is not None:
                        _SHARED_RUN[key] = result
                    if result.version is not None:
                        cache[key] = result.version
                self._save(cache)
        return {t: self._known[t] for t in tools}

    def _load(self) -> dict[str, str]:
        if self.cache_file is None:
            return {}
        try:
            data = json.loads(self.cache_file.read_text())
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _save(self, cache: dict[str, str]) -> None:
        if self.cache_file is None:
            return
        try:
            from superspec.fileio import write_atomic

            write_atomic(self.cache_file, json.dumps(cache, sort_keys=True).encode())
        except OSError:
            pass  # the cache is an optimisation; a read-only disk must not fail the run
