#!/bin/sh
# Runs the pinned superspec with the arguments given, passed through verbatim ("$@").
#
#   SUPERSPEC_BIN      use this superspec executable as is (nothing is installed or checked)
#   SUPERSPEC_VERSION  otherwise: the version to run (the shared library sets it)
#   SUPERSPEC_PREFIX   a root-owned install: run $SUPERSPEC_PREFIX/<version>/venv as is (nothing is
#                      installed), refused unless it, what its interpreter resolves to and every
#                      directory above them are owned by root and not writable by group or others
#   SUPERSPEC_CACHE    otherwise: where per-user virtualenvs live (default $HOME/.cache/superspec)
#   SUPERSPEC_PYTHON   interpreter for the virtualenv (default python3)
#   SUPERSPEC_PIP_SPEC what pip installs (default superspec==$SUPERSPEC_VERSION)
#   SUPERSPEC_PIP_ARGS extra pip options set by the agent's admin (e.g. --index-url URL)
#
# The per-user virtualenv $SUPERSPEC_CACHE/<version>/venv is created once per agent and version,
# under a lock (concurrent builds wait). Once pip succeeded, <version>/venv.sha256 records the
# sha256 of each of its files (for audits) and <version>/venv.manifest the state of each entry
# (type, mode, owner, size, inode, mtime, ctime, link target) and of the file its
# interpreter resolves to. Every run compares the virtualenv with venv.manifest first; when they
# differ it names what changed and installs again. A file cannot be modified without a new ctime,
# which only root can set back. This catches changes made between builds, but a build of the same
# account can rewrite venv.manifest too: it is no barrier between teams sharing an agent account
# (SUPERSPEC_PREFIX is). See "Trust model" in docs/jenkins-shared-library.md.
#
# superspec runs as `VENV/bin/python -I -B VENV/bin/superspec`: the checked interpreter, isolated
# from PYTHON* variables, the user's site-packages and the working directory, writing no bytecode.
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

say() {  # one line on stderr, control characters (e.g. from file names) shown as '?'
  printf 'superspec.sh: %s\n' "$*" | LC_ALL=C tr -c '[:print:]\n' '?' >&2
}

# Prints each path that is not owned by root, or that group or others may write to, among: $1,
# every link it resolves through, what it finally resolves to, and every directory above them
# (sticky ones such as /tmp may be world-writable: others cannot replace root's entries there).
root_only() {
  p=$1 hops=0
  set --
  while :; do
    d=$(cd -P "${p%/*}/" && pwd) || return 1
    a=$d
    while [ -n "$a" ]; do set -- "$@" "$a"; a=${a%/*}; done
    p=${d%/}/${p##*/}
    set -- "$@" "$p"
    [ -L "$p" ] || break
    hops=$((hops + 1))
    [ "$hops" -le 40 ] || return 1
    t=$(readlink "$p") || return 1
    case $t in /*) p=$t ;; *) p=${d%/}/$t ;; esac
  done
  find "$@" / -prune \( ! -user 0 -printf '%p is not owned by root\n' -o ! -type l \
    \( -perm -020 -o -perm -002 \) ! -perm -1000 -printf '%p is writable by group or others\n' \)
}

if [ -n "${SUPERSPEC_PREFIX:-}" ]; then
  case $SUPERSPEC_PREFIX in
    /*) ;;
    *) say "SUPERSPEC_PREFIX must be an absolute path (got '$SUPERSPEC_PREFIX')"; exit 2 ;;
  esac
  venv="$SUPERSPEC_PREFIX/$version/venv"
  if [ ! -d "$venv" ]; then
    say "superspec $version is not installed in SUPERSPEC_PREFIX: no $venv"
    exit 1
  fi
  venv=$(cd -P "$venv" && pwd)
  # Links in the venv are checked where they lead (-L); links to directories (lib64 -> lib) are
  # not descended into.
  if ! problems=$(root_only "$venv/bin/python" && find -L "$venv" \( ! -user 0 \
      -printf '%p is not owned by root\n' -o ! -type l \( -perm -020 -o -perm -002 \) \
      -printf '%p is writable by group or others\n' \) -o -xtype l -type d -prune); then
    problems="${problems:+$problems
}$venv could not be checked"
  fi
  if [ -n "$problems" ]; then
    say "refusing SUPERSPEC_PREFIX: $(printf '%s\n' "$problems" | sed -n 1p)"
    exit 1
  fi
  exec "$venv/bin/python" -I -B "$venv/bin/superspec" "$@"
fi

root="${SUPERSPEC_CACHE:-${HOME:?superspec.sh: HOME is not set}/.cache/superspec}/$version"
venv="$root/venv"
manifest="$root/venv.manifest"
fields='%y %m %U %G %s %i %T@ %C@ %l\n'

state() {  # one line per entry of the venv and one for its interpreter's file (unsorted)
  find "$venv" -mindepth 1 -printf "%P\\t$fields" &&
    find -L "$venv/bin/python" -prune -printf "<interpreter>\\t$fields"
}

verified() {
  [ -f "$manifest" ] && state 2>/dev/null | LC_ALL=C sort | cmp -s - "$manifest"
}

changes() {  # what differs from the manifest: "path (added|changed|removed), ..." (at most 5)
  state 2>/dev/null | LC_ALL=C awk -F '\t' '
    NR == FNR { old[$1] = $0; next }
    { new[$1] = 1 }
    !($1 in old) { print $1 "\tadded" }
    ($1 in old) && old[$1] != $0 { print $1 "\tchanged" }
    END { for (p in old) if (!(p in new)) print p "\tremoved" }' "$manifest" - |
    LC_ALL=C sort | awk -F '\t' '
    { n++; if (n <= 5) s = s (n > 1 ? ", " : "") $1 " (" $2 ")" }
    END { if (n > 5) s = s ", and " (n - 5) " more"; print s }'
}

if ! verified; then
  (umask 022 && mkdir -p "$root")
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
  if ! verified; then  # not installed yet, or changed since, and no other build installed it
    if [ -f "$manifest" ]; then
      changed=$(changes)
      say "warning: $venv differs from what was installed: ${changed:-its listing};" \
        "installing it again"
    fi
    echo "superspec.sh: installing superspec $version into $venv (once per agent)" >&2
    rm -rf "$venv" "$manifest" "$root/venv.sha256"
    (
      umask 022
      "${SUPERSPEC_PYTHON:-python3}" -I -m venv "$venv"
      # SUPERSPEC_PIP_ARGS is split into words on purpose: it holds pip options set by an admin.
      # shellcheck disable=SC2086
      "$venv/bin/python" -I -m pip install --quiet --disable-pip-version-check \
        ${SUPERSPEC_PIP_ARGS:-} "${SUPERSPEC_PIP_SPEC:-superspec==$version}"
    )
    (cd "$venv" && find . -type f -exec sha256sum {} +) > "$root/venv.sha256.new"
    LC_ALL=C sort -k 2 -o "$root/venv.sha256.new" "$root/venv.sha256.new"
    if ! state > "$manifest.new"; then
      say "cannot list $venv (this needs GNU find)"
      exit 1
    fi
    LC_ALL=C sort -o "$manifest.new" "$manifest.new"
    mv "$root/venv.sha256.new" "$root/venv.sha256"
    mv "$manifest.new" "$manifest"  # last: the manifest marks the install complete
  fi
  rmdir "$lock"
  trap - EXIT INT TERM
fi

exec "$venv/bin/python" -I -B "$venv/bin/superspec" "$@"
