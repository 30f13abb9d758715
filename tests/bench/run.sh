#!/usr/bin/env bash
# Benchmarks against genesys-sim on loopback (./setup.sh bench [USERS]).
#
# For USERS live users (default 10,000) with 1% drift: the whole `plan` (load, read, snapshot,
# diff) and the `apply` of that plan, each with wall time, peak memory and the API calls by
# route, then a second, unchanged plan with the bytes it added to the state DB per user.
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

BIN="${1:?usage: run.sh BIN_DIR [USERS]}"
USERS="${2:-10000}"
WORK="$(mktemp -d /tmp/scim-agent-bench.XXXXXX)"
trap 'kill $SIM_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BIN/bench_gen" --users "$USERS" --drift 1 --out "$WORK"
start_sim "$BIN" "$WORK"
write_agent_yaml "$WORK" 600000

measure() {  # measure LABEL CMD...: wall time and peak RSS of one command
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/$label.out" 2>"$WORK/$label.err" || {
    local code=$?
    [[ $code -eq 2 ]] || { cat "$WORK/$label.err"; exit $code; }
  }
  read -r secs kb < <(tail -n 1 "$WORK/time")
  printf '%-22s wall %6.2f s   peak RSS %6.1f MiB\n' "$label" "$secs" "$(echo "$kb/1024" | bc -l)"
}
counters() {  # the non-zero routes of the simulator's counters, then reset them
  curl -s "$SIM/sim/counters" | grep -o '"[A-Z]* /[^"]*":[0-9]*' | grep -v ':0$' | tr -d '"' | sed 's/^/    /'
  curl -s -X POST "$SIM/sim/counters/reset" >/dev/null
}
dbsize() {
  sqlite3 "$WORK/state.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
  stat -c %s "$WORK/state.db"
}

echo "== $USERS live users, 1% drift (genesys-sim on $SIM) =="
curl -s -X POST "$SIM/sim/counters/reset" >/dev/null
measure "plan" "$BIN/scim-agent" plan --config "$WORK/agent.yaml" --out "$WORK/plan.json" --detailed-exitcode
tail -2 "$WORK/plan.out" | sed 's/^/    /'
counters
measure "apply plan.json" "$BIN/scim-agent" apply "$WORK/plan.json" --config "$WORK/agent.yaml" --quiet
counters
measure "plan (no changes)" "$BIN/scim-agent" plan --config "$WORK/agent.yaml" --detailed-exitcode
grep -m1 -E 'No changes|Plan:' "$WORK/plan (no changes).out" | sed 's/^/    /'
counters
# A run in which nothing changed since the last one (same live and desired users).
before=$(dbsize)
"$BIN/scim-agent" plan --config "$WORK/agent.yaml" >/dev/null
after=$(dbsize)
echo "state DB growth of the unchanged run: $((after - before)) bytes ($(echo "($after - $before) / $USERS" | bc -l | cut -c1-5) bytes/user)"
