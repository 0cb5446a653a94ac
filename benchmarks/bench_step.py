"""What a Jenkins stage pays for the step contract and the pinned superspec.

* enforce / package stage: the shared library's fixed command (`sh .superspec/superspec.sh step
  NAME --params-file ...`: wrapper script, params JSON in, result JSON out) beside the plain CLI
  call a pipeline without the library runs (`superspec enforce ...` / `superspec package ...`).
* superspec on the agent: the wrapper with its cached virtualenv (created once) beside what a
  pipeline that installs superspec in every stage pays at least: `python -m venv` plus a pip
  install of a one-file wheel, no dependencies, from a local file (a lower bound: a real install
  also downloads and installs superspec's dependencies).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from benchmarks.common import Row, record, time_command

ROOT = Path(__file__).resolve().parent.parent
WRAPPER = ROOT / "shared-library" / "resources" / "superspec" / "superspec.sh"
SUPERSPEC = str(Path(sys.executable).with_name("superspec"))
POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.acme.payments</groupId><artifactId>payments-api</artifactId>
  <version>1.4.2</version><packaging>jar</packaging>
</project>
"""


def workspace(root: Path) -> Path:
    """payments-api as checked out in a Jenkins workspace: spec, layers, pom, a built jar."""
    shutil.copytree(ROOT / "examples" / "projects" / "payments-api", root)
    shutil.copytree(ROOT / "examples" / "layers", root / "ci" / "layers")
    (root / "pom.xml").write_text(POM)
    jar = root / "target" / "payments-api.jar"
    jar.parent.mkdir()
    with zipfile.ZipFile(jar, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(2000):
            archive.writestr(f"BOOT-INF/classes/com/acme/C{i}.class", os.urandom(2048))
    (root / ".superspec").mkdir()
    shutil.copy(WRAPPER, root / ".superspec" / "superspec.sh")
    params = {
        "enforce": {"contract": 1, "step": "enforce", "stage": "enforce", "branch": "main",
                    "layers": ["ci/layers"], "junit": "superspec-enforce.xml"},
        "enforce-nocache": {"contract": 1, "step": "enforce", "stage": "enforce",
                            "branch": "main", "layers": ["ci/layers"], "cache": False},
        "package": {"contract": 1, "step": "package", "stage": "package",
                    "layers": ["ci/layers"], "out": "target/packages"},
    }
    for step, data in params.items():
        (root / ".superspec" / f"step-{step}.json").write_text(json.dumps(data, indent=4))
    return root


def fake_wheel(directory: Path) -> Path:
    wheel = directory / "fakess-9.9-py3-none-any.whl"
    files = {
        "fakess/__init__.py": "def main():\n    pass\n",
        "fakess-9.9.dist-info/METADATA": "Metadata-Version: 2.1\nName: fakess\nVersion: 9.9\n",
        "fakess-9.9.dist-info/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"
                                      "Tag: py3-none-any\n",
        "fakess-9.9.dist-info/entry_points.txt": "[console_scripts]\nsuperspec = fakess:main\n",
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr("fakess-9.9.dist-info/RECORD",
                         "".join(f"{n},,\n" for n in [*files, "fakess-9.9.dist-info/RECORD"]))
    return wheel


def main() -> None:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-step-") as tmp:
        ws = workspace(Path(tmp) / "ws")
        env = {**os.environ, "SUPERSPEC_BIN": SUPERSPEC, "SUPERSPEC_VERSION": "0.1.0",
               "SUPERSPEC_CACHE_DIR": str(Path(tmp) / "user-cache" / "enforce")}
        for name in ("SUPERSPEC_LAYERS", "SUPERSPEC_NO_SPEC_CACHE", "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)  # bytecode is cached, as for an installed superspec
        layers = ["--layers", "ci/layers"]
        for params, case, runs, note, plain in (
            ("enforce", "enforce stage, result cache warm", 15,
             "params from the params memo, spec from the compiled-spec cache, stage checked "
             "against its facts; enforce result cache warm",
             [SUPERSPEC, "enforce", *layers, "--branch", "main",
              "--report-junit", "superspec-enforce.xml"]),
            ("enforce-nocache", "enforce stage, no cache (6 rules, java/mvn probes)", 5,
             "\"cache\": false: params validated, spec loaded in full, stage checked",
             [SUPERSPEC, "enforce", *layers, "--branch", "main", "--no-cache"]),
            ("package", "package stage (3 envs, 4 MB jar)", 15,
             "params from the memo, spec from the cache; the stage's envs from the model",
             [SUPERSPEC, "package", *layers, "--all-envs", "--out", "target/packages"]),
        ):
            step = params.split("-")[0]
            library = ["sh", ".superspec/superspec.sh", "step", step, "--params-file",
                       f".superspec/step-{params}.json"]
            rows.append(Row(case, "superspec", time_command(library, runs=runs, cwd=ws, env=env),
                            runs, f"library command (wrapper, JSON in/out); {note}"))
            rows.append(Row(case, "plain CLI (library: none)",
                            time_command(plain, runs=runs, cwd=ws, env=env), runs))

        cache = Path(tmp) / "cache"
        wheel = fake_wheel(Path(tmp))
        agent = {**os.environ, "SUPERSPEC_VERSION": "9.9", "SUPERSPEC_CACHE": str(cache),
                 "SUPERSPEC_PYTHON": sys.executable, "SUPERSPEC_PIP_SPEC": str(wheel),
                 "SUPERSPEC_PIP_ARGS": "--no-index"}
        agent.pop("SUPERSPEC_BIN", None)
        wrapper = ["sh", str(WRAPPER), "--version"]
        case = "superspec on the agent, per stage"
        rows.append(Row(case, "superspec", time_command(wrapper, runs=9, env=agent), 9,
                        "cached venv (created by the warm-up run)"))
        venv = Path(tmp) / "venv"
        reinstall = ["sh", "-c", 'rm -rf "$1" && "$2" -m venv "$1" && "$1/bin/python" -m pip '
                     'install -q --disable-pip-version-check --no-index "$3"', "sh", str(venv),
                     sys.executable, str(wheel)]
        rows.append(Row(case, "reinstall per stage (lower bound)",
                        time_command(reinstall, runs=3, env=agent), 3,
                        "venv + pip install of a 1-file wheel"))
    record("step", rows)


if __name__ == "__main__":
    main()
