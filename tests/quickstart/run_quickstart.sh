#!/usr/bin/env bash
# Runs the README's "Quick start" as a newcomer would paste it: every fenced ```sh block between
# <!-- quickstart:begin --> and <!-- quickstart:end --> in README.md, in order, in one bash, from
# the repository root, with `set -euo pipefail` so any failing command fails the test. Then checks
# what the blocks did: the commands' key output and the simulated org (GET /sim/state).
#
#   run_quickstart.sh REPO_ROOT BIN_DIR
#
# The README's `export PATH="$PWD/build/bin:$PATH"` is pointed at BIN_DIR (the ASan build runs it
# too), PORT=0 makes genesys-sim take an ephemeral port (the README reads it from its port file),
# and TMPDIR puts the README's `mktemp -d` inside this test's own directory. The blocks run in
# their own process group, killed on exit, so the simulator never outlives the test.
set -euo pipefail

ROOT="${1:?usage: run_quickstart.sh REPO_ROOT BIN_DIR}"
BIN="${2:?usage: run_quickstart.sh REPO_ROOT BIN_DIR}"
README="$ROOT/README.md"

fail() { echo "readme_quickstart: $*" >&2; exit 1; }

[[ -x "$BIN/scim-agent" && -x "$BIN/genesys-sim" ]] ||
  fail "scim-agent and genesys-sim must be built in $BIN"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/readme-quickstart.XXXXXX")"
GROUP=""
WATCHDOG=""
cleanup() {
  local code=$?
  [[ -z "$WATCHDOG" ]] || kill "$WATCHDOG" 2>/dev/null || true
  # The whole group: the simulator outlives a script that stopped early.
  if [[ -n "$GROUP" ]]; then
    kill -TERM -- "-$GROUP" 2>/dev/null || true
    wait "$GROUP" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 -- "-$GROUP" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$GROUP" 2>/dev/null || true
  fi
  if [[ $code -ne 0 && -f "$WORK/out.log" ]]; then
    echo "---- output of the quick start ----" >&2
    cat "$WORK/out.log" >&2
    for log in "$WORK"/tmp/*/sim.log; do
      [[ -f "$log" ]] && { echo "---- $log ----" >&2; cat "$log" >&2; }
    done
  fi
  rm -rf "$WORK"
  exit $code
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- extract -------------------------------------------------------------------------------------
# Block i goes to $WORK/block.<i>; only ```sh fences between the markers count.
awk -v dir="$WORK" '
  /<!-- quickstart:begin -->/ { inside = 1; next }
  /<!-- quickstart:end -->/   { inside = 0; next }
  inside && !fence && /^```sh[[:space:]]*$/ { fence = 1; n++; next }
  inside && fence && /^```[[:space:]]*$/    { fence = 0; next }
  inside && fence { print > (dir "/block." n) }
  END { if (fence) exit 3; print n > (dir "/count") }
' "$README" || fail "README.md: a \`\`\`sh block in the quick start is not closed"
COUNT="$(cat "$WORK/count")"
[[ "$COUNT" =~ ^[0-9]+$ && "$COUNT" -ge 3 ]] ||
  fail "README.md: expected the quick start's \`\`\`sh blocks between <!-- quickstart:begin --> and <!-- quickstart:end -->, found ${COUNT:-none}"

ALL="$(cat "$WORK"/block.*)"
for needed in 'export PATH="$PWD/build/bin:$PATH"' 'genesys-sim ' 'scim-agent validate' \
              'scim-agent plan' 'scim-agent apply' 'kill "$SIM_PID"'; do
  grep -qF -- "$needed" <<<"$ALL" || fail "README.md: the quick start no longer has: $needed"
done

# --- assemble ------------------------------------------------------------------------------------
# All blocks but the last (which stops the simulator), then the checks against the running
# simulator, then the last block.
{
  echo 'set -euo pipefail'
  echo 'quickstart_check() {'
  echo '  curl -sf "http://127.0.0.1:$PORT/sim/state?stable=true" >"$QUICKSTART_WORK/state.json"'
  echo '}'
  for ((i = 1; i < COUNT; i++)); do
    printf '\n# ---- README block %d ----\n' "$i"
    sed "s#\$PWD/build/bin#$BIN#g" "$WORK/block.$i"
  done
  printf '\n# ---- checks (not in the README) ----\nquickstart_check\n'
  printf '\n# ---- README block %d ----\n' "$COUNT"
  cat "$WORK/block.$COUNT"
} >"$WORK/quickstart.sh"

# --- run -----------------------------------------------------------------------------------------
mkdir "$WORK/tmp"
cd "$ROOT"
# As on a newcomer's machine: no agent settings from the environment (they override agent.yaml).
while read -r name; do unset "$name"; done < <(compgen -e | grep '^SCIM_AGENT_' || true)
# setsid: the script leads its own process group, so cleanup() reaches the simulator it starts.
set +e
env PORT=0 TMPDIR="$WORK/tmp" QUICKSTART_WORK="$WORK" \
  setsid bash "$WORK/quickstart.sh" >"$WORK/out.log" 2>&1 </dev/null &
GROUP=$!
# Should this test be killed outright (a ctest timeout), the watchdog still ends the group.
(
  trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  sleep 150 &
  nap=$!
  wait "$nap"
  kill -KILL -- "-$GROUP" 2>/dev/null
) >/dev/null 2>&1 &
WATCHDOG=$!
wait "$GROUP"
code=$?
set -e
[[ $code -eq 0 ]] || fail "the quick start's commands failed (exit $code); their output follows"

# --- check ---------------------------------------------------------------------------------------
OUT="$WORK/out.log"
expect_out() { grep -qF -- "$1" "$OUT" || fail "the output lacks: $1"; }
expect_out "genesys-sim listening on http://127.0.0.1:"
# The first plan has the changes, the one after apply none.
[[ "$(grep -c 'No changes. Genesys Cloud matches the desired state.' "$OUT")" -eq 1 ]] ||
  fail "expected exactly one \"No changes\" (the plan after apply)"
grep -qF 'No changes. Genesys Cloud matches the desired state.' <<<"$(tail -n 5 "$OUT")" ||
  fail "the last plan did not say \"No changes\""

STATE="$WORK/state.json"
[[ -s "$STATE" ]] || fail "GET /sim/state returned nothing"
# One user object per line, to check attributes of the same user together.
USERS="$(sed -e 's/},{"schemas"/},\n{"schemas"/g' -e 's/],"groups":\[{"schemas"/],\n"groups":[{"schemas"/' \
  "$STATE")"
expect_user() {  # userName, then strings the same user's JSON must hold
  local name="$1"; shift
  local line
  line="$(grep -F "\"userName\":\"$name\"" <<<"$USERS")" || fail "/sim/state has no user $name"
  for s in "$@"; do
    grep -qF -- "$s" <<<"$line" || fail "/sim/state: $name lacks $s"
  done
}
expect_user sofia.rossi@example.com '"externalId":"EMP-1003"' '"active":true' \
  '"title":"Support Agent"' '"+15550103"' '"roles":[{"value":"agent"}]' '"display":"Support"}'
expect_user ann.lee@example.com '"title":"Support Team Lead"' \
  '"roles":[{"value":"agent"},{"value":"supervisor"}]' '"display":"Support Leads"}'
expect_user raj.patel@example.com '"title":"Support Agent"' '"roles":[{"value":"agent"}]' \
  '"meta":{"resourceType":"User","version":"\"1\""}'
expect_user admin@example.com '"title":"Administrator"' '"roles":[{"value":"admin"}]' \
  '"meta":{"resourceType":"User","version":"\"1\""}'
[[ "$(grep -c '"userName"' <<<"$USERS")" -eq 4 ]] || fail "/sim/state: expected 4 users"
cat "$OUT"
echo "readme_quickstart: ok ($COUNT blocks)"
