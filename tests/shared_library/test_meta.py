"""Meta: every vars/ step documents itself, and every step the generated Jenkinsfiles call exists
in vars/ and takes the parameters it is given."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from superspec.step.contract import params_model, step_names
from tests.shared_library.conftest import LIBRARY, ROOT

pytestmark = pytest.mark.slow  # parses every generated Jenkinsfile in a JVM

VARS = LIBRARY / "vars"
STEP_VARS = {f"superspec{name.capitalize()}": name for name in step_names()}
CALL = re.compile(r"\b(superspec[A-Z]\w*)\s*\(")


def test_every_var_has_its_help_page_and_every_help_page_its_var() -> None:
    groovy = {p.stem for p in VARS.glob("*.groovy")}
    txt = {p.stem for p in VARS.glob("*.txt")}
    assert groovy == txt
    assert groovy == set(STEP_VARS) | {"superspecStep"}
    for name in groovy:
        assert len((VARS / f"{name}.txt").read_text().split()) > 30, f"{name}.txt says too little"


def test_vars_stay_thin() -> None:
    for path in VARS.glob("*.groovy"):
        code = [line for line in path.read_text().splitlines()
                if line.strip() and not line.strip().startswith("//")]
        assert len(code) <= 4, f"{path.name}: logic belongs in src/io/superspec/StepExecutor"
        assert "new io.superspec.StepExecutor(this).run(" in path.read_text()


def generated_jenkinsfiles(out: Path) -> list[Path]:
    """Jenkinsfiles of every example project (superspec generate) and every golden case."""
    files = sorted((ROOT / "tests" / "golden").rglob("Jenkinsfile"))
    for project in sorted((ROOT / "examples" / "projects").iterdir()):
        target = out / project.name
        proc = subprocess.run(
            [sys.executable, "-m", "superspec", "generate", "--target", "jenkins", "--out",
             str(target), "--spec", str(project / "superspec.yaml"), "--layers",
             str(ROOT / "examples" / "layers")], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        files.append(target / "Jenkinsfile")
    return files


def step_calls(text: str) -> list[tuple[str, list[str]]]:
    """Each `superspecX(key: value, ...)` call: the step and its top-level keys.

    Groovy strings ('...', "...") are skipped, so a value can never pose as a key."""
    calls = []
    for match in CALL.finditer(text):
        keys, depth, i, token = [], 1, match.end(), ""
        while depth:
            ch = text[i]
            if ch in "'\"":
                end = i + 1
                while text[end] != ch:
                    end += 2 if text[end] == "\\" else 1
                i, token = end + 1, ""
                continue
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
            elif ch == ":" and depth == 1 and token.strip():
                keys.append(token.strip())
            token = token + ch if (ch.isalnum() or ch == "_") else ""
            i += 1
        calls.append((match.group(1), keys))
    return calls


def test_generated_jenkinsfiles_only_call_steps_that_exist(tmp_path: Path) -> None:
    files = generated_jenkinsfiles(tmp_path)
    assert len(files) >= 3
    seen = set()
    for path in files:
        text = path.read_text()
        for step, keys in step_calls(text):
            assert (VARS / f"{step}.groovy").is_file(), f"{path}: {step} is not in vars/"
            seen.add(step)
            name = STEP_VARS.get(step)
            if name is not None:
                allowed = {f.alias or k for k, f in params_model(name).model_fields.items()}
                unknown = set(keys) - allowed
                assert not unknown, f"{path}: {step} does not take {sorted(unknown)}"
    assert "superspecEnforce" in seen  # the company layer requires an enforce stage


@pytest.mark.parametrize(("text", "expected"), [
    ("superspecEnforce(stage: 'a: b', spec: \"x\")", [("superspecEnforce", ["stage", "spec"])]),
    ("superspecPackage(envs: ['x', 'y:z'], out: 'o')", [("superspecPackage", ["envs", "out"])]),
    ("superspecStep('enforce', [stage: 'e'])", [("superspecStep", [])]),
])
def test_step_call_reader(text: str, expected: list) -> None:
    assert step_calls(text) == expected
