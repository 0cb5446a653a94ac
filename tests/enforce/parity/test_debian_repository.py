"""The whole of Debian's Maven repository as one project: every jar artifact of
/usr/share/maven-repo that has a ``debian`` version is a direct dependency. The reader's tree must
equal ``mvn dependency:tree -Dverbose`` line for line (parents, BOMs, relocations, classifiers,
missing POMs, conflicts; about 1,200 lines on a machine with the suite's packages), and
``superspec enforce`` must reach Maven Enforcer's verdicts and name the same packages."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import yaml

from superspec.enforce.maven import read_maven_project
from tests.enforce.parity import harness
from tests.enforce.parity.test_tree_oracle import maven_tree, our_tree

SUPERSPEC = Path(sys.executable).with_name("superspec")
RULES = {"dependencyConvergence": {}, "requireUpperBoundDeps": {}, "requireReleaseDeps": {},
         "bannedDependencies": {"excludes": ["*:*:[0,1)", "org.ow2.asm:*"]}}


def debian_artifacts() -> list[tuple[str, str]]:
    out = []
    for pom in sorted(harness.DEBIAN_REPO.glob("**/debian/*-debian.pom")):
        artifact_dir = pom.parent.parent
        if pom.name != f"{artifact_dir.name}-debian.pom":
            continue
        if re.search(r"<packaging>\s*pom\s*</packaging>", pom.read_text(errors="replace")):
            continue
        group = ".".join(artifact_dir.parent.relative_to(harness.DEBIAN_REPO).parts)
        out.append((group, artifact_dir.name))
    return out


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    harness.require_maven()
    artifacts = debian_artifacts()
    assert len(artifacts) > 50
    deps = "".join(f"<dependency><groupId>{escape(g)}</groupId><artifactId>{escape(a)}"
                   "</artifactId><version>debian</version></dependency>" for g, a in artifacts)
    root = tmp_path_factory.mktemp("debian") / "all"
    root.mkdir()
    elements, mapping = harness.enforcer_rules(RULES)
    (root / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>debian</groupId><artifactId>all</artifactId><version>1</version>"
        f"<dependencies>{deps}</dependencies>" + harness._plugin_xml(elements) + "</project>\n")
    spec = {"superspec": 1, "kind": "project", "name": "all", "build": {"tool": "maven"},
            "pipeline": {"stages": {"enforce": {}}}, "enforce": {"rules": RULES}}
    (root / "superspec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    work = harness.Work(root.parent, harness.DEBIAN_REPO, ["all"], {"all": mapping})
    tree_work = harness.Work(root, harness.DEBIAN_REPO, [], {})
    with ThreadPoolExecutor(2) as pool:
        tree = pool.submit(harness.mvn, tree_work, harness.TREE, "-Dverbose")
        enforcer = pool.submit(harness.mvn, tree_work, f"{harness.ENFORCER}:enforce")
        ours = harness.superspec_verdicts(work, "all", SUPERSPEC)
        yield {"root": root, "artifacts": artifacts, "work": work,
               "tree": harness.sections(tree.result(), "maven-dependency-plugin")["all"],
               "enforcer_log": enforcer.result(), "ours": ours}


@pytest.mark.slow
def test_every_debian_artifact_resolves_as_maven_resolves_it(everything: dict) -> None:
    expected = maven_tree(everything["tree"])
    assert len(expected) > len(everything["artifacts"])
    assert our_tree(read_maven_project(everything["root"], harness.DEBIAN_REPO)) == expected


@pytest.mark.slow
def test_every_debian_artifact_gets_enforcers_verdicts(everything: dict) -> None:
    work, log = everything["work"], everything["enforcer_log"]
    failed = {int(m) for m in re.findall(r"^\[ERROR\] Rule (\d+): ", log, re.M)}
    expected = {rule: not (set(idx) & failed) for rule, idx in work.mapping["all"].items()}
    verdicts, report = everything["ours"]
    assert verdicts == expected
    for rule in ("dependencyConvergence", "requireUpperBoundDeps"):
        assert harness.superspec_conflict_keys(report, rule) == \
            harness.enforcer_conflict_keys(log, "all", rule), rule
    for rule in ("bannedDependencies", "requireReleaseDeps"):
        assert harness.superspec_offenders(report, rule) == \
            harness.enforcer_offenders(work, log, "all", rule), rule
