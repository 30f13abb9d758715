# Shared by the benchmark scripts (tests/bench/*.sh), which source it: genesys-sim on loopback.

# wait_for_file PATH: waits up to 60 s for PATH to exist and not be empty; false if it does not.
wait_for_file() {
  for _ in $(seq 1 1200); do [[ -s "$1" ]] && return 0; sleep 0.05; done
  return 1
}

# start_sim BIN WORK [SIM_ARGS...]: starts BIN/genesys-sim on a free loopback port, seeded with
# WORK/seed.json and knowing the client bench:bench-secret (log: WORK/sim.log), and writes that
# secret to WORK/secret for the agent. Sets SIM_PID and SIM (the sim's base URL); exits with the
# log when the sim does not start.
start_sim() {
  local bin="$1" work="$2"
  shift 2
  rm -f "$work/sim.port"  # a port file left by an earlier simulator would be read at once
  "$bin/genesys-sim" --host 127.0.0.1 --port 0 --port-file "$work/sim.port" \
    --seed "$work/seed.json" --client bench:bench-secret "$@" >"$work/sim.log" 2>&1 &
  SIM_PID=$!
  wait_for_file "$work/sim.port" || { echo "genesys-sim did not start:"; cat "$work/sim.log"; exit 1; }
  SIM="http://127.0.0.1:$(cat "$work/sim.port")"
  # The port file can appear a moment before the first request is answered: wait for health.
  for _ in $(seq 1 600); do curl -sf "$SIM/sim/health" >/dev/null 2>&1 && break; sleep 0.05; done
  (umask 077 && echo "bench-secret" >"$work/secret")  # secret files must be 0600
}

# write_agent_yaml WORK RPM: writes WORK/agent.yaml with genesys-sim as the target (start_sim's
# $SIM and client, at most RPM requests a minute), WORK/desired and WORK/state.db. Scripts append
# their own sections (cat >>).
write_agent_yaml() {
  local work="$1" rpm="$2"
  cat >"$work/agent.yaml" <<YAML
target:
  kind: genesys
  apiBase: $SIM
  loginBase: $SIM
  clientId: bench
  clientSecretFile: $work/secret
  rateLimit: { requestsPerMinute: $rpm, concurrency: 4 }
desired: $work/desired
state: $work/state.db
YAML
}
