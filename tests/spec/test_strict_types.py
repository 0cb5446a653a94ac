"""Strict types: a value must have its field's type as YAML reads it, and the validator and the
published JSON Schema (`superspec schema`, checked here with check-jsonschema) agree on every
file: both accept it or both reject it.

The schema describes one layer (every key optional), while `validate` checks a chain; the
validator checks each layer's types on its own too, so a layer the schema rejects is rejected by
`validate` even where a lower layer replaces the bad value.

Every case below reads the same under YAML 1.1 (superspec's reader) and YAML 1.2 (editors and
check-jsonschema): strings are quoted, booleans are true/false. Unquoted yes/no/on/off, dates and
1:30 read differently under the two (see docs/spec-format.md).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from superspec.errors import SpecError
from superspec.spec import load_spec
from superspec.spec.layers import load_chain
from tests.conftest import EXAMPLES, ROOT
from tests.helpers import run_cli, write

CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
HEADER = "superspec: 1\nkind: project\nname: api\n"
REST = {"build": "build: {tool: maven}\n", "pipeline": "pipeline: {stages: {build: {}}}\n"}


def project(snippet: str) -> str:
    """A complete project: the header (lines 1-3), ``snippet`` from line 4, then build and
    pipeline unless the snippet has them."""
    text = HEADER + snippet
    for key, line in REST.items():
        if not re.search(rf"^{key}:", snippet, re.MULTILINE):
            text += line
    return text


# (snippet, what validate says) -- every one a wrong type (or a value out of the field's range)
BAD = [
    # booleans
    ('environments: {prod: {class: production, approval: {required: "no"}}}\n',
     "environments.prod.approval.required: Input should be a valid boolean (got 'no')"),
    ("environments: {prod: {class: production, isolated: 1}}\n",
     "environments.prod.isolated: Input should be a valid boolean (got 1)"),
    # integers
    ('environments: {prod: {class: production, approval: {timeoutMinutes: "15"}}}\n',
     "environments.prod.approval.timeoutMinutes: Input should be a valid integer (got '15')"),
    ('app: {port: "8080"}\n', "app.port: Input should be a valid integer (got '8080')"),
    ("app: {port: 8080.5}\n", "app.port: Input should be a valid integer (got 8080.5)"),
    ("app: {port: true}\n", "app.port: Input should be a valid integer (got True)"),
    ('app: {replicas: {prod: "4"}}\n',
     "app.replicas.prod: Input should be a valid integer (got '4')"),
    ('ci: {jenkins: {options: {keepBuilds: "30"}}}\n',
     "ci.jenkins.options.keepBuilds: Input should be a valid integer (got '30')"),
    ('environments: {prod: {class: production, release: {steps: [{weight: "10"}]}}}\n',
     "environments.prod.release.steps.0.weight: Input should be a valid integer (got '10')"),
    # values out of range
    ("app: {port: 0}\n", "app.port: Input should be greater than 0"),
    ("package: {secrets: [db-password]}\n",
     "package.secrets: secret names must be environment variable names, got ['db-password']"),
    # floats
    ('environments: {prod: {class: production, release: {gates: {maxErrorRate: "0.01"}}}}\n',
     "environments.prod.release.gates.maxErrorRate: Input should be a valid number (got "
     "'0.01')"),
    ("environments: {prod: {class: production, release: {gates: {maxP95Ms: true}}}}\n",
     "environments.prod.release.gates.maxP95Ms: Input should be a valid number (got True)"),
    # lists
    ("ci: {gitlab: {tags: linux}}\n",
     "ci.gitlab.tags: Input should be a valid list (got 'linux')"),
    ("package: {secrets: DB_PASSWORD}\n",
     "package.secrets: Input should be a valid list (got 'DB_PASSWORD')"),
    ('pipeline: {stages: {build: {}, smoke: {script: "./smoke.sh"}}}\n',
     "pipeline.stages.smoke.script: Input should be a valid list (got './smoke.sh')"),
    ("environments: {prod: {class: production, approval: {groups: {admins: 1}}}}\n",
     "environments.prod.approval.groups: Input should be a valid list (got {'admins': 1})"),
    # strings
    ("app: {version: 1.5}\n", "app.version: Input should be a valid string (got 1.5)"),
    ("app: {image: 123}\n", "app.image: Input should be a valid string (got 123)"),
    ("build: {tool: maven, image: true}\n",
     "build.image: Input should be a valid string (got True)"),
    ('ci: {gitlab: {tags: [linux, 2]}}\n',
     "ci.gitlab.tags.1: Input should be a valid string (got 2)"),
    ("pipeline: {stages: {build: {when: {branch: 1}}}}\n",
     "pipeline.stages.build.when.branch: Input should be a valid string or a valid list "
     "(got 1)"),
    ("pipeline: {stages: {build: {when: {branch: [main, 7]}}}}\n",
     "pipeline.stages.build.when.branch.1: Input should be a valid string (got 7)"),
    # mappings
    ('app: "registry.example/app"\n',
     "app: Input should be a valid dictionary or instance of App"),
    ("environments: {prod: {class: production, approval: []}}\n",
     "environments.prod.approval: Input should be a valid dictionary or instance of Approval"),
    ("package: {values: {default: [1]}}\n",
     "package.values.default: Input should be a valid dictionary"),
]

# accepted by both: an integer where a number is expected; a whole number written as a float
GOOD = [
    "environments: {prod: {class: production, release: {gates: {maxErrorRate: 0, "
    "maxP95Ms: 800}}}}\n",
    "app: {port: 8080.0, replicas: {prod: 4.0}}\n",
    'app: {version: "1.5"}\n',
    "pipeline: {stages: {build: {when: {branch: [main, 'release/*']}}}}\n",
]


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "superspec.schema.json"
    subprocess.run([sys.executable, "-m", "superspec", "schema", "--out", str(path)],
                   check=True, cwd=ROOT)
    return path


def schema_rejects(schema: Path, files: list[Path]) -> set[Path]:
    """The files check-jsonschema rejects (one run for all of them)."""
    run = subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile", str(schema), "-o", "json",
                          *map(str, files)], capture_output=True, text=True, check=False)
    report = json.loads(run.stdout)
    assert report.get("parse_errors", []) == []
    return {Path(error["filename"]) for error in report["errors"]}


def validate_lines(path: Path, layers: tuple[Path, ...] = ()) -> list[str]:
    try:
        load_spec(path, layers)
    except SpecError as exc:
        return exc.lines()
    return []


def test_the_validator_and_the_schema_agree_on_every_case(tmp_path: Path, schema: Path) -> None:
    bad = [write(tmp_path / f"bad{i}.yaml", project(snippet)) for i, (snippet, _) in enumerate(BAD)]
    good = [write(tmp_path / f"good{i}.yaml", project(snippet)) for i, snippet in enumerate(GOOD)]
    rejected = schema_rejects(schema, bad + good)
    assert [p.name for p in bad if p not in rejected] == []  # the schema rejects every bad case
    assert [p.name for p in good if p in rejected] == []
    assert [validate_lines(path) for path in good] == [[] for _ in good]
    assert [validate_lines(path) for path in bad] == [
        [f"{path}:4 [project api] {message}"] for path, (_, message) in zip(bad, BAD, strict=True)]


def test_every_example_layer_passes_both(schema: Path) -> None:
    from superspec.spec.validate import check_layer

    files = sorted([*EXAMPLES.glob("layers/**/superspec.yaml"),
                    *EXAMPLES.glob("projects/*/superspec.yaml")])
    assert len(files) >= 5
    assert schema_rejects(schema, files) == set()
    for spec in EXAMPLES.glob("projects/*/superspec.yaml"):
        chain = load_chain(spec, [EXAMPLES / "layers"])
        assert [check_layer(layer) for layer in chain] == [([], [])] * len(chain)
        assert validate_lines(spec, (EXAMPLES / "layers",)) == []


def test_a_wrong_type_in_a_layer_is_an_error_even_where_a_lower_layer_replaces_it(
        tmp_path: Path, schema: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the schema says of the company file on its own."""
    monkeypatch.chdir(tmp_path)
    company = write(tmp_path / "acme/superspec.yaml", """
        superspec: 1
        kind: company
        name: acme
        environments:
          prod: {class: production, approval: {required: "yes", timeoutMinutes: "60"}}
    """)
    spec = write(tmp_path / "api/superspec.yaml", project(
        "extends: ../acme/superspec.yaml\n"
        "environments: {prod: {approval: {required: true, timeoutMinutes: 60}}}\n"))
    assert schema_rejects(schema, [company, spec]) == {company}
    assert validate_lines(spec) == [
        "acme/superspec.yaml:5 [company acme] environments.prod.approval.required: Input should "
        "be a valid boolean (got 'yes')",
        "acme/superspec.yaml:5 [company acme] environments.prod.approval.timeoutMinutes: Input "
        "should be a valid integer (got '60')",
    ]


def test_validate_explain_and_generate_refuse_a_string_for_a_boolean(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No command reads "no" as a boolean or "15" as a number."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "superspec.yaml", project(
        'environments: {prod: {class: production, approval: {required: "no", '
        'timeoutMinutes: "15"}}}\n'
        "pipeline: {stages: {build: {}, deploy: {env: prod}}}\n"))
    expected = (
        "error: superspec.yaml:4 [project api] environments.prod.approval.required: Input should "
        "be a valid boolean (got 'no')\n"
        "error: superspec.yaml:4 [project api] environments.prod.approval.timeoutMinutes: Input "
        "should be a valid integer (got '15')\n")
    for command in (["validate"], ["explain", "environments.prod.approval"], ["generate"]):
        run = run_cli(capsys, *command)
        assert (run.code, run.out, run.err) == (1, "", expected), command
