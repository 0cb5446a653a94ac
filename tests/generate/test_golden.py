"""Golden cases: spec layers -> the exact Jenkinsfile and .gitlab-ci.yml (--update-golden)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.generate.tools import golden_cases, render_case


@pytest.mark.parametrize("case", golden_cases(), ids=lambda p: p.name)
def test_golden(case: Path, update_golden: bool) -> None:
    generated = render_case(case)
    expected_dir = case / "expected"
    if update_golden:
        expected_dir.mkdir(exist_ok=True)
        for name, text in generated.items():
            (expected_dir / name).write_text(text)
        for stale in set(_files(expected_dir)) - set(generated):
            (expected_dir / stale).unlink()
    for name, text in generated.items():
        expected = expected_dir / name
        assert expected.is_file(), f"{expected} missing: run pytest --update-golden"
        assert text == expected.read_text(), f"{expected} differs: review, then --update-golden"
    stale = sorted(set(_files(expected_dir)) - set(generated))
    assert not stale, f"{expected_dir} holds files nothing generates: {stale}"


def _files(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.is_file()] if directory.is_dir() else []


def test_cases_cover_every_strategy_and_feature() -> None:
    """The golden set must keep covering what the acceptance list names."""
    texts = {c.name: (c / "superspec.yaml").read_text() + "".join(
        p.read_text() for p in c.glob("*.yaml")) for c in golden_cases()}
    joined = "\n".join(texts.values())
    for strategy in ("trunk", "gitflow", "github-flow", "gitlab-flow"):
        assert f"strategy: {strategy}" in joined, strategy
    for feature in ("approval:", "after:", ": null", "when:", "templates:", "library: none"):
        assert feature in joined, feature
