#!/usr/bin/env bash
# Starts Debian's PostgreSQL server on loopback for the suites that run products against a real server, and
# prints its URL (a role that may create databases and roles, as PRODUCT_DATABASE_URL needs). The package is
# installed only when missing; the cluster lives in a fresh folder and is stopped by `--stop FOLDER`. Many
# products at once (the concurrency suite) hold a pool each: max_connections is raised accordingly.
set -euo pipefail

if [ "${1:-}" = "--stop" ]; then
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  runuser -u postgres -- "$bin/pg_ctl" -D "$2" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$(dirname "$2")"
  exit 0
fi

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" postgresql >&2
fi
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
# A free loopback port, so a server already running on this machine is never in the way.
port="$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
data="$(mktemp -d /tmp/ci-postgres-XXXXXX)"
chown postgres:postgres "$data"
password="$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s' "$password" >"$data.pw"
chown postgres "$data.pw"
runuser -u postgres -- "$bin/initdb" -D "$data/cluster" -U factory --pwfile="$data.pw" -A scram-sha-256 >/dev/null
rm -f "$data.pw"
runuser -u postgres -- "$bin/pg_ctl" -D "$data/cluster" -l "$data/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data -c max_connections=500" start >/dev/null
echo "postgres://factory:$password@127.0.0.1:$port/postgres $data/cluster"
