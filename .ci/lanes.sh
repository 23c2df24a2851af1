#!/usr/bin/env bash
# Runs each argument as a shell command in its own lane, all lanes at once, and fails if any lane fails.
# Each lane's output goes to a file and is printed whole when the lane ends, so that logs stay readable; stopped
# (CI's time limit, Ctrl-C), it stops every lane and prints what each has written so far.
# Used for the suites that run one whole factory run at a time: such a run keeps about one core busy.
set -uo pipefail
set -m # each lane leads a process group of its own, so stopping it stops its whole tree
logs="$(mktemp -d)"
declare -a pids=() commands=() printed=()

print_lane() {
  echo "==== lane $(($1 + 1)) $2: ${commands[$1]}"
  cat "$logs/$1.log"
  echo "==== end of lane $(($1 + 1))"
  printed[$1]=1
}

stop_lanes() {
  for i in "${!pids[@]}"; do
    [[ -n "${printed[$i]:-}" ]] && continue
    kill -TERM -- "-${pids[$i]}" 2>/dev/null
    print_lane "$i" "stopped"
  done
  rm -rf "$logs"
  exit 1
}
trap stop_lanes TERM INT

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
  ended=
  wait -n -p ended
  status=$?
  for i in "${!pids[@]}"; do
    if [[ -z "${printed[$i]:-}" && ( "${pids[$i]}" == "${ended-}" || -z "${ended-}" ) ]]; then
      # Without a name (the job was already reaped), each lane not yet printed is waited for by its pid.
      if [[ -z "${ended-}" ]]; then
        wait "${pids[$i]}"
        status=$?
      fi
      print_lane "$i" "ended with status $status"
      remaining=$((remaining - 1))
      if ((status != 0)); then failed=1; fi
      [[ -n "${ended-}" ]] && break
    fi
  done
done
rm -rf "$logs"
if ((failed)); then
  echo "lanes: at least one lane failed (see above)" >&2
  exit 1
fi
