#!/usr/bin/env bash
# Provides bubblewrap, which isolates the code the factory generates (user, PID, network and mount namespaces):
# Debian's `bubblewrap` package, installed with apt-get only when bwrap is missing. Idempotent and quiet.
set -euo pipefail

if command -v bwrap >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-bubblewrap: bwrap is missing and apt-get is not available; install bubblewrap" >&2
  exit 1
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "install-bubblewrap: installing bubblewrap needs root (or sudo)" >&2
    exit 1
  fi
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { "${as_root[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends bubblewrap; } >"$log" 2>&1; then
  echo "install-bubblewrap: apt-get failed:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
command -v bwrap >/dev/null
