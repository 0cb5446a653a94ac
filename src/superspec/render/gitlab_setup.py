"""The hidden `.superspec` job of a .gitlab-ci.yml: the pinned superspec (and the company layers)
for every job that calls superspec. The GitLab twin of the shared library's superspec.sh.

Its `before_script` runs, in the job's shell (bash or sh, under GitLab's `set -e`):

1. `superspec` on PATH reporting the pinned version (the CI image carries it): used as is;
2. else the virtualenv in the job's cache (`.superspec/cache/venv`, cache key
   `superspec-$SUPERSPEC_VERSION`), used when its files still have the sha256 recorded at
   install (`venv.sha256`) and it reports the pinned version;
3. else it is installed again: `python3 -m venv` and `pip install superspec==VERSION`
   (`SUPERSPEC_PYTHON`, `SUPERSPEC_PIP_SPEC`, `SUPERSPEC_PIP_ARGS`, e.g. group CI/CD variables).

Only a `superspec` command is put on PATH (`.superspec/bin/superspec`), never the virtualenv's
`python` or `pip`, so the job's own commands do not run in superspec's environment. superspec
runs as `VENV/bin/python -I -B VENV/bin/superspec`: isolated from PYTHON* variables and the user's
site-packages, writing no bytecode, and independent of the absolute path the cache is restored
to. With `ci.gitlab.layers`, the layers project is fetched at its ref into `.superspec/layers`
and `SUPERSPEC_LAYERS` points at it, unless a CI/CD variable already sets `SUPERSPEC_LAYERS`.
"""

from __future__ import annotations

from typing import Any

from superspec.render.plan import GitlabLayers

CACHE_DIR = ".superspec/cache/"

# Each entry is one line of the job log; every command that can fail ends the job on failure
# (`|| exit`), because `set -e` does not see a failure inside an `if` body or an `&&` list.
SETUP = (
    'superspec_dir="$CI_PROJECT_DIR/.superspec"',
    'case "$SUPERSPEC_VERSION" in "" | [!0-9A-Za-z]* | *[!0-9A-Za-z.+_-]*) '
    'echo "superspec: SUPERSPEC_VERSION must be a version such as 0.1.0'
    ' (got \'$SUPERSPEC_VERSION\')" >&2; exit 2;; esac',
    'superspec_pinned() { [ "$("$@" --version 2>/dev/null)" = '
    '"superspec, version $SUPERSPEC_VERSION" ]; }',
    'superspec_listing() { (cd "$superspec_venv" && find . -type f -exec sha256sum {} + '
    '| LC_ALL=C sort -k 2); }',
    'superspec_ready() { [ -f "$superspec_venv.sha256" ] && superspec_listing '
    '| cmp -s - "$superspec_venv.sha256" && superspec_pinned "$superspec_venv/bin/python" -I -B '
    '"$superspec_venv/bin/superspec"; }',
    'superspec_install() { rm -rf "$superspec_venv" "$superspec_venv.sha256" '
    '&& "${SUPERSPEC_PYTHON:-python3}" -I -m venv "$superspec_venv" '
    '&& "$superspec_venv/bin/python" -I -m pip install --quiet --disable-pip-version-check '
    '${SUPERSPEC_PIP_ARGS:-} "${SUPERSPEC_PIP_SPEC:-superspec==$SUPERSPEC_VERSION}" '
    '&& superspec_listing > "$superspec_venv.sha256.new" '
    '&& mv "$superspec_venv.sha256.new" "$superspec_venv.sha256"; }',
    'if superspec_pinned superspec; then echo "superspec $SUPERSPEC_VERSION: $(command -v '
    'superspec)"; else superspec_venv="$superspec_dir/cache/venv"; fi',
    'if [ -n "${superspec_venv:-}" ] && ! superspec_ready; then '
    'if [ -f "$superspec_venv.sha256" ]; then echo "superspec: warning: $superspec_venv differs '
    'from what was installed, or does not run here; installing it again" >&2; fi; '
    'echo "superspec: installing superspec $SUPERSPEC_VERSION into $superspec_venv" >&2; '
    'superspec_install && superspec_ready '
    '|| { echo "superspec: could not install superspec $SUPERSPEC_VERSION" >&2; exit 1; }; fi',
    'if [ -n "${superspec_venv:-}" ]; then mkdir -p "$superspec_dir/bin" '
    "&& printf '%s\\n' '#!/bin/sh' "
    "'venv=$(cd \"$(dirname \"$0\")/../cache/venv\" && pwd) || exit 1' "
    "'exec \"$venv/bin/python\" -I -B \"$venv/bin/superspec\" \"$@\"' "
    '> "$superspec_dir/bin/superspec" && chmod 755 "$superspec_dir/bin/superspec" '
    '&& export PATH="$superspec_dir/bin:$PATH" || exit 1; fi',
)

LAYERS = (
    'if [ -z "${SUPERSPEC_LAYERS:-}" ]; then rm -rf "$superspec_dir/layers" '
    '&& git init --quiet "$superspec_dir/layers" '
    '&& git -C "$superspec_dir/layers" fetch --quiet --depth 1 '
    '"${SUPERSPEC_LAYERS_GIT:-$CI_SERVER_PROTOCOL://gitlab-ci-token:$CI_JOB_TOKEN@'
    '$CI_SERVER_HOST:$CI_SERVER_PORT}/$SUPERSPEC_LAYERS_PROJECT.git" "$SUPERSPEC_LAYERS_REF" '
    '&& git -C "$superspec_dir/layers" checkout --quiet FETCH_HEAD '
    '&& export SUPERSPEC_LAYERS="$superspec_dir/layers" '
    '|| { echo "superspec: could not fetch the layers $SUPERSPEC_LAYERS_PROJECT at '
    '$SUPERSPEC_LAYERS_REF" >&2; exit 1; }; fi',
)


def base_job(version: str, layers: GitlabLayers | None) -> dict[str, Any]:
    """The hidden job (see the module docstring). YAML variables are the defaults: project and
    group CI/CD variables of the same name override them."""
    variables: dict[str, Any] = {"SUPERSPEC_VERSION": version}
    script = list(SETUP)
    if layers is not None:
        # data, never expanded by GitLab; the shell reads them inside double quotes
        variables["SUPERSPEC_LAYERS_PROJECT"] = {"value": layers.project, "expand": False}
        variables["SUPERSPEC_LAYERS_REF"] = {"value": layers.ref, "expand": False}
        script += LAYERS
    return {
        "variables": variables,
        "cache": {"key": "superspec-$SUPERSPEC_VERSION", "paths": [CACHE_DIR]},
        "before_script": script,
    }
