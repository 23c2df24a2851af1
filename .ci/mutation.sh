#!/usr/bin/env bash
# Bounded mutation testing (ADR 0064): Stryker runs on the modules that have committed incremental results, so only
# mutants in changed code or covered by changed tests are tested again; then every module is held to the break
# threshold. Needs `npm run build` first (the score check is compiled with the project).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
results=reports/mutation/stryker-incremental.json
# Well inside the 20 minutes the step may take on 2 cores; a run that needs longer means the committed results are
# out of date: refresh them with `npm run build && npx stryker run` and commit the incremental file.
bound=12m

modules="$(node -e '
  const { existsSync, readFileSync } = require("node:fs");
  const files = Object.keys(JSON.parse(readFileSync(process.argv[1], "utf8")).files);
  process.stdout.write(files.filter((file) => existsSync(file)).join(","));
' "$results")"
if [ -z "$modules" ]; then
  echo "mutation testing: $results holds no results for an existing module" >&2
  exit 1
fi
echo "mutation testing (incremental, bound $bound): $modules"
# Stryker rewrites the report; without this a crashed run would leave the committed report to be checked.
rm -f reports/mutation/mutation.json
status=0
timeout --kill-after=30s "$bound" npx stryker run --mutate "$modules" || status=$?
if [ "$status" -eq 124 ]; then
  echo "mutation testing took longer than $bound: refresh $results (npm run build, then npx stryker run)" >&2
  exit 1
fi
# The per-module table also when Stryker failed on its overall threshold.
check=0
node dist/test/mutation/run.js || check=$?
[ "$status" -eq 0 ] && [ "$check" -eq 0 ]
