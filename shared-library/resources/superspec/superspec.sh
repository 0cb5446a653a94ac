#!/bin/sh
# Runs the pinned superspec with the arguments given, passed through verbatim ("$@").
#
#   SUPERSPEC_BIN      use this superspec executable as is (nothing is installed)
#   SUPERSPEC_VERSION  otherwise: the version to run (the shared library sets it)
#   SUPERSPEC_CACHE    where virtualenvs live (default $HOME/.cache/superspec)
#   SUPERSPEC_PYTHON   interpreter for the virtualenv (default python3)
#   SUPERSPEC_PIP_SPEC what pip installs (default superspec==$SUPERSPEC_VERSION)
#   SUPERSPEC_PIP_ARGS extra pip options set by the agent's admin (e.g. --index-url URL)
#
# The virtualenv $SUPERSPEC_CACHE/$SUPERSPEC_VERSION/venv is created once per agent and version,
# under a lock (concurrent builds wait), and marked ready only after pip succeeded.
set -eu

if [ -n "${SUPERSPEC_BIN:-}" ]; then
  exec "$SUPERSPEC_BIN" "$@"
fi

version="${SUPERSPEC_VERSION:-}"
case "$version" in
  '' | [!0-9A-Za-z]* | *[!0-9A-Za-z.+_-]*)
    echo "superspec.sh: SUPERSPEC_VERSION must be a version such as 0.1.0 (got '$version')" >&2
    exit 2 ;;
esac
root="${SUPERSPEC_CACHE:-${HOME:?superspec.sh: HOME is not set}/.cache/superspec}/$version"
venv="$root/venv"
ready="$venv/.superspec-ready"

if [ ! -f "$ready" ]; then
  mkdir -p "$root"
  lock="$root/.lock"
  waited=0
  until mkdir "$lock" 2>/dev/null; do
    if [ "$waited" -ge "${SUPERSPEC_LOCK_TIMEOUT:-600}" ]; then
      echo "superspec.sh: waited ${waited}s for $lock (remove it if no install is running)" >&2
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  trap 'rmdir "$lock" 2>/dev/null || true' EXIT
  trap 'exit 130' INT TERM
  if [ ! -f "$ready" ]; then
    echo "superspec.sh: installing superspec $version into $venv (once per agent)" >&2
    rm -rf "$venv"
    "${SUPERSPEC_PYTHON:-python3}" -m venv "$venv"
    # SUPERSPEC_PIP_ARGS is split into words on purpose: it holds pip options set by an admin.
    # shellcheck disable=SC2086
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      ${SUPERSPEC_PIP_ARGS:-} "${SUPERSPEC_PIP_SPEC:-superspec==$version}"
    touch "$ready"
  fi
  rmdir "$lock"
  trap - EXIT INT TERM
fi

exec "$venv/bin/superspec" "$@"
