#!/usr/bin/env bash
# Rate benchmark (issue #3): apply UPDATES title changes with genesys-sim limiting each token to
# R requests/minute and the agent configured to the same R. Reports the sustained request rate
# over the apply as a share of R, and the share of requests answered 429.
#
#   tests/bench/rate.sh BIN_DIR [R [UPDATES]]      (./setup.sh bench-rate runs R=3000 and R=300)
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

BIN="${1:?usage: rate.sh BIN_DIR [R [UPDATES]]}"
RATE="${2:-3000}"
UPDATES="${3:-2000}"
WORK="$(mktemp -d /tmp/scim-agent-rate.XXXXXX)"
trap 'kill $SIM_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BIN/bench_gen" --users "$UPDATES" --drift 100 --churn 0 --out "$WORK" >/dev/null
start_sim "$BIN" "$WORK" --rate-limit "$RATE"
write_agent_yaml "$WORK" "$RATE"

"$BIN/scim-agent" plan --config "$WORK/agent.yaml" --out "$WORK/plan.json" >/dev/null
curl -s -X POST -d '' "$SIM/sim/counters/reset" >/dev/null
start=$(date +%s.%N)
"$BIN/scim-agent" apply "$WORK/plan.json" --config "$WORK/agent.yaml" --quiet | tail -1
end=$(date +%s.%N)
counters="$(curl -s "$SIM/sim/counters")"
total=$(echo "$counters" | grep -o '"total":[0-9]*' | head -1 | cut -d: -f2)
limited=$(echo "$counters" | grep -o '"429":[0-9]*' | head -1 | cut -d: -f2)
limited=${limited:-0}
secs=$(echo "$end - $start" | bc -l)
per_min=$(echo "$total * 60 / $secs" | bc -l)
printf 'R=%s/min, %s updates: %d requests in %.1f s = %.0f/min (%.1f%% of R), %d answered 429 (%.2f%%)\n' \
  "$RATE" "$UPDATES" "$total" "$secs" "$per_min" "$(echo "$per_min * 100 / $RATE" | bc -l)" \
  "$limited" "$(echo "$limited * 100 / $total" | bc -l)"
