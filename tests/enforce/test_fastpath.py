"""``superspec enforce`` without click (``enforce.fastpath``): a run the result cache does not
answer prints, writes and exits exactly as the click CLI (``python -m superspec``) does, errors
included; while the rules memo holds, the built-in rules run without importing pydantic."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.enforce.helpers import FAST, run_cli, run_click_cli

RULES = {  # a failure, a pass, an onlyWhen skip and a warn-level failure
    "requireFilesExist": {"files": ["package.json", "README.md"]},
    "requireOS": {"family": "unix"},
    "requireReleaseDeps": {"onlyWhen": {"branch": ["release/*"]}},
    "dependencyConvergence": {"level": "warn"},
}

def _env(cache: Path) -> dict[str, str]:
    return {"SUPERSPEC_CACHE_DIR": str(cache / "enforce"), "WORKSPACE": "", "CI_PROJECT_DIR": ""}


def _fast(cwd: Path, cache: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """The fast path alone, in a fresh interpreter, from a directory nothing writes to (the
    memos hold while every ``sys.path`` directory, the current one too, is unchanged)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("BRANCH_NAME", "CI_COMMIT_REF_NAME", "VIRTUAL_ENV")}
    env.update(_env(cache))
    return subprocess.run([sys.executable, "-c", FAST, *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


def _outcome(proc: subprocess.CompletedProcess[str], junit: Path | None = None
             ) -> tuple[int, str, str, bytes | None]:
    return (proc.returncode, proc.stdout, proc.stderr,
            junit.read_bytes() if junit is not None and junit.exists() else None)


@pytest.mark.parametrize("output_format", ["text", "json"])
@pytest.mark.parametrize("no_cache", [False, True])
def test_a_miss_prints_and_writes_what_the_click_cli_does(
        project: Callable[..., Path], tmp_path: Path, output_format: str, no_cache: bool) -> None:
    d = project(RULES, tool="npm", fixture="npm/v3")
    args = ["enforce", "--branch", "main", "--format", output_format,
            *(["--no-cache"] if no_cache else [])]
    for attempt in range(2):  # the second: the spec from its cache, the options from the memo
        click_junit = tmp_path / f"click-{attempt}.xml"
        fast_junit = tmp_path / f"fast-{attempt}.xml"
        click = run_click_cli(*args, "--report-junit", click_junit, cwd=d,
                              env=_env(tmp_path / "click-cache"))
        fast = run_cli(*args, "--report-junit", fast_junit, cwd=d,
                       env=_env(tmp_path / "fast-cache"))
        assert _outcome(fast, fast_junit) == _outcome(click, click_junit)
        assert fast.returncode == 1 and fast_junit.exists()
        assert "cached" not in fast.stdout.splitlines()[-1]  # the rules ran
        os.utime(d / "package-lock.json")  # the next run misses the result cache


@pytest.mark.parametrize("rules", [
    {"requireOs": {}},                                      # unknown rule, did-you-mean
    {"requireFilesExist": {"files": "README.md"}},          # an option of the wrong type
    {"requireOS": {"family": "beos"}},                      # a validator's message
    {"bannedDependencies": {"excludes": ["org.x:y:[1.0"]}},  # a malformed pattern
])
def test_spec_and_option_errors_are_reported_as_the_click_cli_reports_them(
        project: Callable[..., Path], tmp_path: Path, rules: dict[str, object]) -> None:
    d = project(rules)
    for no_cache in ([], ["--no-cache"]):
        click = run_click_cli("enforce", *no_cache, cwd=d, env=_env(tmp_path / "click-cache"))
        fast = run_cli("enforce", *no_cache, cwd=d, env=_env(tmp_path / "fast-cache"))
        assert _outcome(fast) == _outcome(click)
        assert fast.returncode == 1 and fast.stderr.startswith("error: superspec.yaml:")


def test_an_unreadable_spec_is_reported_as_the_click_cli_reports_it(tmp_path: Path) -> None:
    (tmp_path / "superspec.yaml").write_text("superspec: 1\nkind: [project\n")
    for args in (("enforce",), ("enforce", "--spec", "missing.yaml"), ("enforce", "nowhere")):
        click = run_click_cli(*args, cwd=tmp_path, env=_env(tmp_path / "click-cache"))
        fast = run_cli(*args, cwd=tmp_path, env=_env(tmp_path / "fast-cache"))
        assert _outcome(fast) == _outcome(click), args
        assert fast.returncode != 0 and fast.stderr.startswith("error: ")


def test_with_the_rules_memo_the_built_in_rules_run_without_pydantic(
        project: Callable[..., Path], tmp_path: Path) -> None:
    d = project({"requireFilesExist": {"files": ["missing.txt"]},
                 "bannedDependencies": {"excludes": ["left-pad"]}}, tool="npm", fixture="npm/v3")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    first = _fast(elsewhere, tmp_path, "enforce", d, "--branch", "main", "--format", "json")
    assert first.returncode == 1  # nothing cached: the spec loads in full, the options validate
    assert first.stderr == ("error: enforce failed: requireFilesExist, bannedDependencies\n"
                            "imported: ['pydantic', 'yaml']\n")
    (d / "missing.txt").write_text("")  # the result cache misses, the spec cache answers
    again = _fast(elsewhere, tmp_path, "enforce", d, "--branch", "main", "--format", "json")
    assert again.stderr == "error: enforce failed: bannedDependencies\nimported: []\n"
    assert '"cached": false' in again.stdout
    spec = d / "superspec.yaml"  # other options: validated again, and located when wrong
    spec.write_text(spec.read_text().replace("- left-pad", "- 'left-pad@^^1'"))
    wrong = _fast(elsewhere, tmp_path, "enforce", d, "--branch", "main")
    assert wrong.returncode == 1 and wrong.stdout == ""
    assert wrong.stderr.startswith("error: ") and "superspec.yaml:" in wrong.stderr
    assert "bannedDependencies.excludes: rule bannedDependencies: pattern 'left-pad@^^1'" \
        in wrong.stderr


def test_built_in_options_read_the_same_as_their_models() -> None:
    from superspec.enforce.registry import entry_points, load_rule
    from superspec.plainvalues import PlainValues, as_dict, model_name, values_of

    samples = {"requireToolVersion": {"java": "[11,)"}, "requireOS": {"family": "unix"},
               "requireFilesExist": {"files": ["a"]}, "bannedDependencies": {"excludes": ["x"]}}
    built_in = {name: ep for name, ep in entry_points().items()
                if ep.value.startswith("superspec.enforce.rules.")}
    assert len(built_in) == 8
    for rule_id, ep in built_in.items():
        model = load_rule(rule_id, ep).Options.model_validate(samples.get(rule_id, {}))
        values = values_of(model)
        assert isinstance(values, PlainValues), rule_id
        assert as_dict(values) == model.model_dump()
        assert model_name(values) == f"superspec.enforce.rules.options:{type(model).__name__}"
        for field in type(model).model_fields:
            assert getattr(values, field) == getattr(model, field)
        with pytest.raises(AttributeError):
            values.nothing  # noqa: B018 - reading an option the model does not have
        with pytest.raises(AttributeError):
            values.message = "x"  # type: ignore[misc]


def test_options_that_are_not_plain_values_keep_their_model() -> None:
    from pathlib import PurePosixPath

    from superspec.enforce.rule import RuleOptions
    from superspec.plainvalues import values_of

    class Plugin(RuleOptions):  # a company rule's model: the rule may use anything of it
        owners: list[str] = []

    class Typed(RuleOptions):
        plain = True
        where: PurePosixPath = PurePosixPath("a")  # JSON cannot hold it
        pair: tuple[int, int] = (1, 2)  # JSON makes a list of it

    assert values_of(Plugin()) is None
    assert values_of(Typed()) is None
    assert values_of(Typed.model_validate({"where": "b"})) is None
