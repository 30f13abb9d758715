#!/usr/bin/env bash
# Benchmarks against genesys-sim on loopback (./setup.sh bench [USERS...]).
#
# For each size (default 10,000): USERS live users, the desired state with 1% drift (bench_gen:
# 1% of titles changed, USERS/1000 new users, USERS/1000 removed). Three rounds per size, each
# on a fresh simulator and state DB: the whole `plan` (load, read, snapshot, diff: wall, CPU,
# peak RSS), its API calls by route, `apply plan.json` (wall, CPU, peak RSS), a second, unchanged
# plan and the bytes a further unchanged run adds to the state DB; then the planner alone (planner_bench) and
# saveSnapshot alone (snapshot_bench). Prints the median of the three rounds.
set -euo pipefail
trap 'echo "run.sh: line $LINENO: exit $?" >&2' ERR
source "$(dirname "$0")/bench_lib.sh"

BIN="${1:?usage: run.sh BIN_DIR [USERS...]}"
shift
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(10000)
ROUNDS="${BENCH_ROUNDS:-3}"
WORK="$(mktemp -d /tmp/scim-agent-bench.XXXXXX)"
SIM_PID=""
trap '[[ -n $SIM_PID ]] && kill $SIM_PID 2>/dev/null; rm -rf "$WORK"' EXIT

# measure LABEL CMD...: runs CMD, keeping its wall, CPU (user + system) seconds and peak RSS
# (KiB) in $WORK/LABEL.time; exit 2 (plan --detailed-exitcode: changes) is success.
measure() {
  local label="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/$label.time" "$@" >"$WORK/$label.out" 2>"$WORK/$label.err" || {
    local code=$?
    [[ $code -eq 2 ]] || { echo "$label failed (exit $code):"; tail -5 "$WORK/$label.err"; exit $code; }
  }
}
field() { tail -n 1 "$WORK/$1.time" | awk -v f="$2" '{ print $f }'; }
cpu() { tail -n 1 "$WORK/$1.time" | awk '{ printf "%.2f", $2 + $3 }'; }
# The simulator's non-zero route counters as "N ROUTE" lines, then zeroes them. `-d ''`: a
# bodiless POST makes curl wait for a 100-continue that never comes (30 s).
counters() {
  curl -s "$SIM/sim/counters" | grep -o '"[A-Z]* /[^"]*":[0-9]*' | grep -v ':0$' | tr -d '"' |
    awk -F: '{ printf "%s %s\n", $NF, substr($0, 1, length($0) - length($NF) - 1) }'
  curl -s -X POST -d '' "$SIM/sim/counters/reset" >/dev/null
}
dbsize() {
  sqlite3 "$WORK/state.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
  stat -c %s "$WORK/state.db"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for USERS in "${SIZES[@]}"; do
  "$BIN/bench_gen" --users "$USERS" --drift 1 --out "$WORK" >/dev/null
  : >"$WORK/rounds"
  for round in $(seq 1 "$ROUNDS"); do
    rm -f "$WORK"/state.db*
    start_sim "$BIN" "$WORK"
    write_agent_yaml "$WORK" 600000
    curl -s -X POST -d '' "$SIM/sim/counters/reset" >/dev/null
    measure plan "$BIN/scim-agent" plan --config "$WORK/agent.yaml" --out "$WORK/plan.json" \
      --detailed-exitcode --quiet
    counters >"$WORK/plan.calls"
    measure apply "$BIN/scim-agent" apply "$WORK/plan.json" --config "$WORK/agent.yaml" --quiet
    counters >"$WORK/apply.calls"
    measure again "$BIN/scim-agent" plan --config "$WORK/agent.yaml" --detailed-exitcode --quiet
    counters >"$WORK/again.calls"
    before=$(dbsize)
    "$BIN/scim-agent" plan --config "$WORK/agent.yaml" --quiet >/dev/null
    after=$(dbsize)
    echo "$(field plan 1) $(cpu plan) $(field plan 4) $(field apply 1) $(field again 1) $((after - before))" \
      "$(cpu apply) $(field apply 4)" \
      >>"$WORK/rounds"
    kill $SIM_PID 2>/dev/null || true
    wait $SIM_PID 2>/dev/null || true
    SIM_PID=""
  done
  col() { awk -v c="$1" '{ print $c }' "$WORK/rounds" | median; }
  planner="$("$BIN/planner_bench" --users "$USERS" --runs 3)"
  snapshot="$("$BIN/snapshot_bench" --users "$USERS" --runs 3 --dir "$WORK")"
  echo "== $USERS live users, 1% drift: median of $ROUNDS rounds (genesys-sim on loopback) =="
  printf '  plan               wall %6.2f s   CPU %6.2f s   peak RSS %6.0f MiB\n' \
    "$(col 1)" "$(col 2)" "$(echo "$(col 3) / 1024" | bc -l)"
  sed 's/^/    /' "$WORK/plan.calls"
  grep -m1 -E 'No changes|Plan:' "$WORK/plan.out" | sed 's/^/    /' || true
  printf '  apply plan.json    wall %6.2f s   CPU %6.2f s   peak RSS %6.0f MiB\n' \
    "$(col 4)" "$(col 7)" "$(echo "$(col 8) / 1024" | bc -l)"
  sed 's/^/    /' "$WORK/apply.calls"
  printf '  plan (no changes)  wall %6.2f s\n' "$(col 5)"
  printf '  unchanged run adds %s bytes to the state DB (%s bytes/user)\n' "$(col 6)" \
    "$(echo "$(col 6) / $USERS" | bc -l | cut -c1-5)"
  echo "  $planner"
  echo "  $snapshot"
done
