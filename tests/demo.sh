#!/usr/bin/env bash
# The README's demo: start the bundled genesys-sim on loopback, seed it with the example org, and
# run validate → plan → apply → plan against it, printing each step.
set -euo pipefail

BIN="${1:?usage: demo.sh BIN_DIR}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXAMPLE="$ROOT/specs/example"
WORK="$ROOT/.demo"
rm -rf "$WORK"
mkdir -p "$WORK"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "starting genesys-sim on 127.0.0.1 (seeded with $EXAMPLE/sim-seed.json)"
"$BIN/genesys-sim" --host 127.0.0.1 --port 0 --port-file "$WORK/sim.port" \
  --seed "$EXAMPLE/sim-seed.json" --client demo-client:demo-secret >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
trap 'kill $SIM_PID 2>/dev/null || true; wait $SIM_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  [[ -s "$WORK/sim.port" ]] && break
  kill -0 $SIM_PID 2>/dev/null || { cat "$WORK/sim.log"; exit 1; }
  sleep 0.05
done
PORT="$(cat "$WORK/sim.port")"
echo "genesys-sim listening on http://127.0.0.1:$PORT"

# The example agent.yaml names the simulator's default address; point it at this one.
export SCIM_AGENT_TARGET_APIBASE="http://127.0.0.1:$PORT"
export SCIM_AGENT_TARGET_LOGINBASE="http://127.0.0.1:$PORT"
export SCIM_AGENT_STATE="$WORK/state.db"
# Secret files must be private (mode 0600); git checks files out 0644, so the demo uses a copy.
install -m 600 "$EXAMPLE/client-secret" "$WORK/client-secret"
export SCIM_AGENT_TARGET_CLIENTSECRETFILE="$WORK/client-secret"
AGENT=("$BIN/scim-agent")
CONFIG=(--config "$EXAMPLE/agent.yaml")

step "scim-agent validate"
"${AGENT[@]}" validate "${CONFIG[@]}"

step "scim-agent plan --out $WORK/plan.json"
"${AGENT[@]}" plan "${CONFIG[@]}" --out "$WORK/plan.json"

step "scim-agent apply $WORK/plan.json"
"${AGENT[@]}" apply "$WORK/plan.json" "${CONFIG[@]}"

step "scim-agent plan --detailed-exitcode (expect: No changes)"
set +e
"${AGENT[@]}" plan "${CONFIG[@]}" --detailed-exitcode
code=$?
set -e
if [[ $code -ne 0 ]]; then
  echo "demo: the second plan was not empty (exit $code)" >&2
  exit 1
fi

step "scim-agent history"
"${AGENT[@]}" history "${CONFIG[@]}"

step "scim-agent report discrepancy, and report compliance --format html"
"${AGENT[@]}" report discrepancy "${CONFIG[@]}"
"${AGENT[@]}" report compliance "${CONFIG[@]}" --format html --out "$WORK/compliance.html"
echo "compliance report: $WORK/compliance.html (open it in a browser; it needs no network)"

step "API calls made (genesys-sim counters)"
# The routes the runs used (the simulator lists every route it knows, most of them at 0).
# Route keys hold {id} placeholders: split on the JSON separators only ("," and ":{" before a key).
curl -s "http://127.0.0.1:$PORT/sim/counters" | sed -e 's/,"/\n"/g' -e 's/:{"/\n"/g' |
  grep -E '^"[A-Z]+ /' | tr -d '"' | sed 's/}*$//' | grep -v ':0$' | sed 's/^/  /'
echo
echo "Demo complete. State: $WORK/state.db"
echo "HTML report: $WORK/compliance.html"
