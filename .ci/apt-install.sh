#!/usr/bin/env bash
# Installs Debian packages quietly with apt-get (as root, or through sudo): `bash .ci/apt-install.sh PACKAGE...`.
# Says what failed and exits non-zero when they cannot be installed.
set -euo pipefail

if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-install: apt-get is not available to install $*" >&2
  exit 1
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "apt-install: installing $* needs root (or sudo)" >&2
    exit 1
  fi
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { "${as_root[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "$@"; } >"$log" 2>&1; then
  echo "apt-install: apt-get failed for $*:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
