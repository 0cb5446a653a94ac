"""Helpers for the enforce tests: spec text, the real CLI in a subprocess, report access."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SUPERSPEC = Path(sys.executable).parent / "superspec"


def spec_text(rules: dict[str, Any], tool: str = "python", level: str | None = None) -> str:
    enforce: dict[str, Any] = {"rules": rules}
    if level:
        enforce["level"] = level
    data = {"superspec": 1, "kind": "project", "name": "demo", "build": {"tool": tool},
            "pipeline": {"stages": {"enforce": {}}}, "enforce": enforce}
    return yaml.safe_dump(data, sort_keys=False)




def run_cli(*args: str | Path, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The console script (``superspec enforce PATH`` runs without click: enforce.fastpath)."""
    return _run([str(SUPERSPEC)], args, cwd, env)


def run_click_cli(*args: str | Path, cwd: Path | None = None,
                  env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The click CLI itself (``python -m superspec``), never a fast path."""
    return _run([sys.executable, "-m", "superspec"], args, cwd, env)


def _run(command: list[str], args: tuple[str | Path, ...], cwd: Path | None,
         env: dict[str, str] | None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("BRANCH_NAME", "CI_COMMIT_REF_NAME", "VIRTUAL_ENV")}
    full_env["SUPERSPEC_CACHE_DIR"] = str((cwd or Path.cwd()) / ".cache-test")
    full_env.update(env or {})
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=full_env, timeout=120)


def report_of(project_dir: Path, branch: str | None = "main") -> Any:
    """Run the rules in-process (no cache) and return the EnforceReport."""
    from superspec.enforce.runner import run_enforce
    from superspec.spec import load_spec

    effective = load_spec(project_dir / "superspec.yaml")
    return run_enforce(effective, project_dir, branch=branch, maven_repo=None, use_cache=False)


def texts(report: Any, rule: str) -> list[str]:
    """Every violation of ``rule`` as the text report shows it (message and 'via' lines)."""
    result = next(r for r in report.rule_results if r.id == rule)
    return [v.text() for v in result.violations]


def wheel(out: Path, name: str, version: str, files: dict[str, str],
          requires: tuple[str, ...] = (), entry_points: str = "") -> Path:
    """A minimal wheel in the documented format (PEP 427): files, METADATA, WHEEL, RECORD."""
    stem = name.replace("-", "_")
    info = f"{stem}-{version}.dist-info"
    members = dict(files)
    members[f"{info}/METADATA"] = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                   + "".join(f"Requires-Dist: {r}\n" for r in requires))
    if entry_points:
        members[f"{info}/entry_points.txt"] = entry_points
    members[f"{info}/WHEEL"] = ("Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
                                "Tag: py3-none-any\n")
    record = []
    for path, text in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    members[f"{info}/RECORD"] = "\n".join(record) + "\n"
    wheel = out / f"{stem}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in members.items():
            zf.writestr(path, text)
    return wheel


# `superspec enforce` through its fast path only: exit 99 when it would hand over to the CLI;
# stderr's last line names the heavy libraries the run imported
FAST = ("import sys\n"
        "from superspec.enforce.fastpath import main\n"
        "code = main(sys.argv[1:])\n"
        "heavy = sorted(m for m in ('click', 'pydantic', 'yaml', 'rich') if m in sys.modules)\n"
        "sys.stderr.write(f'imported: {heavy}\\n')\n"
        "sys.exit(99 if code is None else code)\n")
