#!/usr/bin/env bash
# Installs the real tools the tests run against: Groovy 2.4 (Jenkins' language level), Maven with
# Maven Enforcer 3.1.0 and the dependency plugin (the enforce oracles), the JDK's jar tool, a
# Docker engine with a busybox rootfs for base images, HAProxy (the environments' router, built
# into a local image), wrk (load during traffic switches), nginx (the release benchmark's
# reload-based switch), PostgreSQL 15 (environment databases), git, rsync and gitlab-ci-local.
# Idempotent: does nothing when everything is already there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

packages=(groovy maven maven-debian-helper libmaven-enforcer-plugin-java
          libmaven-dependency-plugin-java liblog4j1.2-java default-jdk-headless docker.io
          busybox-static haproxy wrk nginx-light postgresql docker-compose rsync zip unzip git)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x "$here/node_modules/.bin/gitlab-ci-local" ]; then
  echo "installing gitlab-ci-local (npm)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
