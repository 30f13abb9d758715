#!/usr/bin/env bash
# Serve latency benchmark (issue #5): genesys-sim with USERS users, `scim-agent serve` on
# loopback (no periodic cycle), and N termination events posted one at a time, each timed from
# the POST until the sim has answered the suspending PATCH of that user. Prints p50 and p99
# (target: p99 under 1 s), and those of GET /healthz and of the 202.
# SLOW (default 0) slow clients hold connections all along (issue 10: 40 partial POSTs
# trickling a byte every 2 s, cut at serve.requestTimeout and reconnecting).
#
#   tests/bench/serve_latency.sh BIN_DIR [N [USERS [SLOW]]]
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

BIN="${1:?usage: serve_latency.sh BIN_DIR [N [USERS [SLOW]]]}"
N="${2:-200}"
USERS="${3:-1000}"
SLOW="${4:-0}"
WORK="$(mktemp -d /tmp/scim-agent-serve.XXXXXX)"
cleanup() {
  [[ -n "${SERVE_PID:-}" ]] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
  [[ -n "${SIM_PID:-}" ]] && kill "$SIM_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN/bench_gen" --users "$USERS" --drift 0 --churn 0 --out "$WORK" >/dev/null
start_sim "$BIN" "$WORK"
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/event-secret")
write_agent_yaml "$WORK" 6000
echo "serve: { listen: 127.0.0.1:0, eventSecretFile: $WORK/event-secret }" >>"$WORK/agent.yaml"

"$BIN/scim-agent" serve --config "$WORK/agent.yaml" --interval 0 --port-file "$WORK/serve.port" \
  >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
wait_for_file "$WORK/serve.port" || { echo "scim-agent serve did not start:"; cat "$WORK/serve.log"; exit 1; }
"$BIN/serve_poster" "$SIM" "$(cat "$WORK/serve.port")" "$WORK/event-secret" "$N" "$SLOW"
