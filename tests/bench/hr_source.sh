#!/usr/bin/env bash
# The HR-source benchmark (./setup.sh bench-hr [ROWS]): an N-row HR export (CSV, default
# 100,000 rows, 1% of them with a changed title) read through the mapping, against genesys-sim
# seeded with the same people.
#
# Measures, each with wall time and peak RSS (/usr/bin/time):
#   - `scim-agent validate`: fetch + parse + map + the desired-state checks, no Genesys;
#   - `scim-agent plan`: the same, plus the live read, snapshot and diff;
#   - a second read of the unchanged source in one process: `run --loop` cycles 1-3 (the first
#     parses the file and applies the drift; later ones find the file's digest unchanged), timed
#     from the service log's "run started" / "run finished" lines.
# The CSV's size is printed beside the RSS: memory should follow the mapped users, not the file.
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

BIN="${1:?usage: hr_source.sh BIN_DIR [ROWS]}"
ROWS="${2:-100000}"
WORK="$(mktemp -d /tmp/scim-agent-bench-hr.XXXXXX)"
SIM_PID=""
LOOP_PID=""
cleanup() {
  [[ -n "$LOOP_PID" ]] && kill "$LOOP_PID" 2>/dev/null || true
  [[ -n "$SIM_PID" ]] && kill "$SIM_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN/hr_gen" --rows "$ROWS" --drift 1 --out "$WORK"
start_sim "$BIN" "$WORK"
write_agent_yaml "$WORK" 600000
cat >>"$WORK/agent.yaml" <<YAML
sources:
  - type: csv
    location: hr.csv
    role: users
    mapping:
      externalId: "EMP-{employee_id}"
      userName: "{email | lower | trim}"
      displayName: "{first_name} {last_name}"
      title: "{job_title | trim}"
      department: "{dept_code | map(departments)}"
      employeeNumber: "{employee_number}"
      phoneNumbers:
        - { value: "{work_phone}", type: work }
      status:
        - when: 'status == "terminated"'
          value: terminated
        - when: 'status in ["leave", "suspended"]'
          value: suspended
        - value: active
    tables:
      departments: { "10": SUPPORT, "20": ENG, "30": SALES }
YAML

measure() {  # measure LABEL CMD...: wall time and peak RSS of one command (exit 0 or 2 expected)
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/$label.out" 2>"$WORK/$label.err" || {
    local code=$?
    [[ $code -eq 2 ]] || { echo "$label exited $code:"; tail -n 20 "$WORK/$label.err"; exit $code; }
  }
  read -r secs kb < <(tail -n 1 "$WORK/time")
  printf '%-24s wall %6.2f s   peak RSS %7.1f MiB\n' "$label" "$secs" "$(echo "$kb/1024" | bc -l)"
}

CSV_BYTES=$(stat -c %s "$WORK/hr.csv")
echo "== HR source: $ROWS CSV rows ($(echo "$CSV_BYTES/1048576" | bc -l | cut -c1-5) MiB), $ROWS live users (genesys-sim on $SIM) =="
measure "validate" "$BIN/scim-agent" validate --config "$WORK/agent.yaml"
grep -m1 '^source ' "$WORK/validate.out" | sed 's/^/    /' || true
measure "plan" "$BIN/scim-agent" plan --config "$WORK/agent.yaml" --detailed-exitcode
grep -m1 -E 'No changes|Plan:' "$WORK/plan.out" | sed 's/^/    /' || true

# One process, several cycles: the first parses the CSV (and applies the 1% drift), the next
# ones read the same bytes again.
"$BIN/scim-agent" run --loop --interval 1s --config "$WORK/agent.yaml" >"$WORK/loop.log" 2>"$WORK/loop.err" &
LOOP_PID=$!
for _ in $(seq 1 1200); do
  (( $(grep -c '"msg":"run finished"' "$WORK/loop.log" || true) >= 3 )) && break
  kill -0 "$LOOP_PID" 2>/dev/null || break
  sleep 0.25
done
kill -TERM "$LOOP_PID" 2>/dev/null || true
wait "$LOOP_PID" 2>/dev/null || true
LOOP_PID=""
python3 - "$WORK/loop.log" <<'PY'
import json, sys
from datetime import datetime
def ts(line):
    return datetime.strptime(line["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")
started, cycle, load = None, 0, None
for raw in open(sys.argv[1]):
    try:
        line = json.loads(raw)
    except ValueError:
        continue
    if line.get("msg") == "run started":
        started, load = ts(line), None
    elif line.get("msg") == "desired state loaded":
        load = line
    elif line.get("msg") == "run finished" and started is not None:
        cycle += 1
        secs = (ts(line) - started).total_seconds()
        extra = ""
        if load is not None:
            extra = "; desired state loaded in %.2f s (%s of %s sources unchanged, not parsed)" % (
                load.get("ms", 0) / 1000.0, load.get("sourcesUnchanged"), load.get("sources"))
        print("run --loop cycle %d       wall %6.2f s   outcome %s, %s done%s" %
              (cycle, secs, line.get("outcome"), line.get("done"), extra))
if cycle == 0:
    print("run --loop: no cycle finished (see the loop's stderr)")
PY
grep -m3 -i 'unchanged\|error' "$WORK/loop.err" | sed 's/^/    /' || true
