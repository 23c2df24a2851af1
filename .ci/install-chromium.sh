#!/usr/bin/env bash
# Provides a headless Chromium for the run report's browser test: Debian's `chromium` package, installed with
# apt-get only when no Chromium is on the machine yet. Idempotent and quiet; prints the executable's path.
set -euo pipefail

find_chromium() {
  local candidate
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

if find_chromium; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no Chromium found and apt-get is not available; set CHROMIUM_PATH" >&2
  exit 1
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "install-chromium: installing chromium needs root (or sudo)" >&2
    exit 1
  fi
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { "${as_root[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-liberation; } >"$log" 2>&1; then
  echo "install-chromium: apt-get failed:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi

find_chromium || {
  echo "install-chromium: chromium was installed but no executable was found" >&2
  exit 1
}
