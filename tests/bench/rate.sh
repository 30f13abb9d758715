#!/usr/bin/env bash
# Rate benchmark (issue #3): apply UPDATES title changes with genesys-sim limiting each token to
# R requests/minute and the agent configured to the same R. Reports the sustained request rate
# over the apply as a share of R, and the share of requests answered 429.
#
#   tests/bench/rate.sh BIN_DIR [R [UPDATES]]      (./setup.sh bench-rate runs R=3000 and R=300)
set -euo pipefail

BIN="${1:?usage: rate.sh BIN_DIR [R [UPDATES]]}"
RATE="${2:-3000}"
UPDATES="${3:-2000}"
WORK="$(mktemp -d /tmp/scim-agent-rate.XXXXXX)"
trap 'kill $SIM_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BIN/bench_gen" --users "$UPDATES" --drift 100 --churn 0 --out "$WORK" >/dev/null
"$BIN/genesys-sim" --host 127.0.0.1 --port 0 --port-file "$WORK/port" --seed "$WORK/seed.json" \
  --client bench:bench-secret --rate-limit "$RATE" >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 600); do [[ -s "$WORK/port" ]] && break; sleep 0.05; done
SIM="http://127.0.0.1:$(cat "$WORK/port")"
(umask 077 && echo "bench-secret" >"$WORK/secret")  # secret files must be 0600
cat >"$WORK/agent.yaml" <<YAML
target:
  apiBase: $SIM
  loginBase: $SIM
  clientId: bench
  clientSecretFile: $WORK/secret
  rateLimit: { requestsPerMinute: $RATE, concurrency: 4 }
desired: $WORK/desired
state: $WORK/state.db
YAML

"$BIN/scim-agent" plan --config "$WORK/agent.yaml" --out "$WORK/plan.json" >/dev/null
curl -s -X POST "$SIM/sim/counters/reset" >/dev/null
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
