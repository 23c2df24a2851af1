#!/usr/bin/env bash
# Provides bubblewrap, which isolates the code the factory generates (user, PID, network and mount namespaces):
# Debian's `bubblewrap` package, installed only when bwrap is missing. Idempotent and quiet.
set -euo pipefail

command -v bwrap >/dev/null 2>&1 && exit 0
bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" bubblewrap
command -v bwrap >/dev/null
