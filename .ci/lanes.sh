#!/usr/bin/env bash
# Runs each argument as a shell command in its own lane, all lanes at once, and fails if any lane fails.
# Each lane's output goes to a file and is printed whole when the lane ends, so that logs stay readable.
# Used for the suites that run one whole factory run at a time: such a run keeps about one core busy.
set -uo pipefail
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
declare -a pids=() commands=()
for command in "$@"; do
  i=${#pids[@]}
  bash -c "set -euo pipefail; $command" >"$logs/$i.log" 2>&1 &
  pids+=("$!")
  commands+=("$command")
done
failed=0
remaining=${#pids[@]}
while ((remaining > 0)); do
  # wait -n -p names the lane that ended (bash 5.1); its status is wait's own. The lanes are the only jobs.
  wait -n -p ended
  status=$?
  for i in "${!pids[@]}"; do
    [[ "${pids[$i]}" == "$ended" ]] || continue
    remaining=$((remaining - 1))
    echo "==== lane $((i + 1)) ended with status $status: ${commands[$i]}"
    cat "$logs/$i.log"
    echo "==== end of lane $((i + 1))"
    if ((status != 0)); then failed=1; fi
  done
done
if ((failed)); then
  echo "lanes: at least one lane failed (see above)" >&2
  exit 1
fi
