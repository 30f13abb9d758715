#!/usr/bin/env bash
# The initial-import figure of issue 13 against genesys-sim on loopback:
#   tests/bench/initial_import.sh BIN_DIR [NEW_USERS] [DELETED_USERS] [RETURNING]
# An org with no live user and DELETED_USERS (default 5,000) deleted ones, RETURNING (default 50)
# of whom hold userNames of the NEW_USERS (default 10,000) desired users: one `plan`, with its
# wall time, peak memory, the API calls by route, and the plan's summary, cost and deleted-user
# lines. The test DeletedLookupTest.InitialImportOfTenThousand… asserts the call count; this
# prints the figures (and runs an older binary, for a before/after).
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

BIN="${1:?usage: initial_import.sh BIN_DIR [NEW_USERS] [DELETED_USERS] [RETURNING]}"
USERS="${2:-10000}"
DELETED="${3:-5000}"
RETURNING="${4:-50}"
WORK="$(mktemp -d /tmp/scim-agent-import.XXXXXX)"
trap 'kill $SIM_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

# Desired user n is user<n>@corp.example; every (USERS / RETURNING)-th of them is also deleted.
mkdir -p "$WORK/desired"
awk -v users="$USERS" -v deleted="$DELETED" -v returning="$RETURNING" 'BEGIN {
  step = int(users / returning)
  printf "{\"groups\":[{\"displayName\":\"Everyone\"}],\"users\":["
  for (i = 1; i <= deleted - returning; i++)
    printf "%s{\"userName\":\"gone%d@corp.example\",\"displayName\":\"Gone\",\"deleted\":true}", (i > 1 ? "," : ""), i
  for (i = 1; i <= returning; i++)
    printf ",{\"userName\":\"user%d@corp.example\",\"displayName\":\"Was Here\",\"deleted\":true}", i * step
  printf "]}\n"
}' >"$WORK/seed.json"
awk -v users="$USERS" 'BEGIN {
  print "apiVersion: scim-agent/v1\npolicy:\n  scope: { externalIdPattern: \"^EMP-\" }\nusers:"
  for (i = 1; i <= users; i++)
    printf "  - externalId: EMP-%d\n    userName: user%d@corp.example\n    displayName: User %d\n    groups: [Everyone]\n", i, i, i
}' >"$WORK/desired/users.yaml"

start_sim "$BIN" "$WORK"
write_agent_yaml "$WORK" 600000

echo "== initial import: $USERS new users, $DELETED deleted in the org, $RETURNING of them returning =="
curl -s -X POST -d '' "$SIM/sim/counters/reset" >/dev/null
/usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN/scim-agent" plan --config "$WORK/agent.yaml" \
  >"$WORK/plan.out" 2>"$WORK/plan.err" || { code=$?; [[ $code -eq 2 ]] || { cat "$WORK/plan.err"; exit $code; }; }
read -r secs kb < <(tail -n 1 "$WORK/time")
printf 'plan  wall %6.2f s   peak RSS %6.1f MiB\n' "$secs" "$(echo "$kb/1024" | bc -l)"
grep -E '^(Plan|Cost|Deleted users):' "$WORK/plan.out" | sed 's/^/    /'
echo "    restores planned: $(grep -c '^+ restore ' "$WORK/plan.out" || true)"
curl -s "$SIM/sim/counters" | grep -o '"total":[0-9]*' | tr -d '"' | sed 's/^/    calls /'
curl -s "$SIM/sim/counters" | grep -o '"[A-Z]* /[^"]*":[0-9]*' | grep -v ':0$' | tr -d '"' | sed 's/^/      /'
