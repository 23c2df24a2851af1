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

bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" chromium fonts-liberation

find_chromium || {
  echo "install-chromium: chromium was installed but no executable was found" >&2
  exit 1
}
