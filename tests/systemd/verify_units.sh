#!/usr/bin/env bash
# The systemd units as `cmake --install` lays them down: installs the build into a temporary
# prefix (nothing is written outside it, no root, no running systemd), then
#   1. checks what was installed: bin/scim-agent and nothing else in bin (no genesys-sim), the
#      seven units, the example agent.yaml; every unit starts the installed binary;
#   2. `systemd-analyze verify` on every unit and on one instance of each template: any message
#      about our units fails (verify exits 0 on unknown keys, so its output is read too); a broken
#      copy must be caught, so the check cannot pass by saying nothing;
#   3. `systemd-analyze security --offline=true` on every service: prints the exposure level and
#      fails above SCIM_AGENT_MAX_EXPOSURE (default 2.0; README: 1.1 measured, "OK" band);
#   4. the hardening block is the same in every service unit.
# A missing systemd-analyze is a failure that says so, never a skip.
#
#   tests/systemd/verify_units.sh BUILD_DIR
set -euo pipefail

BUILD="${1:?usage: verify_units.sh BUILD_DIR}"
MAX_EXPOSURE="${SCIM_AGENT_MAX_EXPOSURE:-2.0}"
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
pass() { printf 'ok: %s\n' "$*"; }

for tool in systemd-analyze cmake; do
  if ! command -v "$tool" >/dev/null; then
    printf 'FAIL: %s not found: the Debian package %s provides it (setup.sh installs it)\n' \
      "$tool" "$([[ $tool == cmake ]] && echo cmake || echo systemd)"
    exit 1
  fi
done
printf '%s\n' "$(systemd-analyze --version | head -n1)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/scim-agent-units.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
PREFIX="$WORK/prefix"
UNITDIR="$PREFIX/lib/systemd/system"
UNITS=(scim-agent.service scim-agent.timer scim-agent-serve.service scim-agent@.service
       scim-agent@.timer scim-agent-report.service scim-agent-report.timer)
SERVICES=(scim-agent.service scim-agent-serve.service scim-agent@acme.service
          scim-agent-report.service)

# ---- 1. cmake --install ---------------------------------------------------------------------
if ! cmake --install "$BUILD" --prefix "$PREFIX" >"$WORK/install.log" 2>&1; then
  cat "$WORK/install.log"
  fail "cmake --install $BUILD --prefix $PREFIX"
  exit 1
fi
[[ -x "$PREFIX/bin/scim-agent" ]] && pass "bin/scim-agent installed" || fail "bin/scim-agent not installed"
extra="$(find "$PREFIX/bin" -mindepth 1 ! -name scim-agent -printf '%f ' 2>/dev/null || true)"
[[ -z "$extra" ]] && pass "nothing else in bin/" || fail "bin/ holds more than scim-agent: $extra"
for unit in "${UNITS[@]}"; do
  [[ -f "$UNITDIR/$unit" ]] || fail "lib/systemd/system/$unit not installed"
done
[[ -f "$PREFIX/share/doc/scim-agent/agent.yaml.example" ]] &&
  pass "share/doc/scim-agent/agent.yaml.example installed" ||
  fail "share/doc/scim-agent/agent.yaml.example not installed"
outside="$(grep -v "^-- Install configuration\|$PREFIX" "$WORK/install.log" || true)"
[[ -z "$outside" ]] || fail "cmake --install wrote outside the prefix: $outside"
for unit in "${UNITS[@]}"; do
  [[ $unit == *.service ]] || continue
  exec_start="$(grep '^ExecStart=' "$UNITDIR/$unit" || true)"
  if [[ "$exec_start" == "ExecStart=$PREFIX/bin/scim-agent "* ]]; then
    pass "$unit: ${exec_start#ExecStart=$PREFIX/}"
  else
    fail "$unit does not start the installed binary: $exec_start"
  fi
done

# The report timer: every Monday at 06:00, a missed one caught up at boot; its service writes and
# sends the compliance report.
calendar="$(sed -n 's/^OnCalendar=//p' "$UNITDIR/scim-agent-report.timer")"
normalized="$(systemd-analyze calendar "$calendar" 2>/dev/null |
  sed -n 's/^ *Normalized form: //p')"
[[ "$normalized" == "Mon *-*-* 06:00:00" ]] &&
  pass "scim-agent-report.timer: OnCalendar=$calendar (Mondays 06:00)" ||
  fail "scim-agent-report.timer: OnCalendar=$calendar is not Mondays 06:00 ($normalized)"
grep -qx 'Persistent=true' "$UNITDIR/scim-agent-report.timer" &&
  pass "scim-agent-report.timer: Persistent=true" ||
  fail "scim-agent-report.timer: not Persistent=true"
grep -q '^ExecStart=.* report compliance --config /etc/scim-agent/agent.yaml --save --notify$' \
  "$UNITDIR/scim-agent-report.service" &&
  pass "scim-agent-report.service: report compliance --save --notify" ||
  fail "scim-agent-report.service does not run report compliance --save --notify"

# ---- 2. systemd-analyze verify --------------------------------------------------------------
# Runs verify on unit paths; prints the messages that name one of our units. Returns 1 when
# verify failed or said anything about them.
verify() {
  local out rc=0
  out="$(systemd-analyze verify "$@" 2>&1)" || rc=$?
  local ours
  ours="$(grep -i 'scim-agent' <<<"$out" || true)"
  [[ -n "$out" && -z "$ours" ]] && printf '  (about other units, ignored) %s\n' "$out"
  [[ -n "$ours" ]] && printf '  %s\n' "$ours"
  [[ $rc -eq 0 && -z "$ours" ]]
}
targets=()
for unit in "${UNITS[@]}"; do targets+=("$UNITDIR/$unit"); done
targets+=("$UNITDIR/scim-agent@acme.service" "$UNITDIR/scim-agent@acme.timer")
for t in "${targets[@]}"; do
  if verify "$t"; then pass "systemd-analyze verify ${t##*/}"; else fail "systemd-analyze verify ${t##*/}"; fi
done

# The same check must catch a broken unit: a misspelt key (verify exits 0 on it) and a missing
# binary (exits non-zero).
mkdir -p "$WORK/broken"
sed 's/^ProtectSystem=/ProtectSytsem=/' "$UNITDIR/scim-agent.service" >"$WORK/broken/scim-agent.service"
if verify "$WORK/broken/scim-agent.service" >/dev/null; then
  fail "verify did not notice a misspelt key (ProtectSytsem=)"
else
  pass "verify catches a misspelt key"
fi
sed "s#$PREFIX/bin/scim-agent#$WORK/no-such-binary#" "$UNITDIR/scim-agent-serve.service" \
  >"$WORK/broken/scim-agent-serve.service"
if verify "$WORK/broken/scim-agent-serve.service" >/dev/null; then
  fail "verify did not notice a missing ExecStart binary"
else
  pass "verify catches a missing ExecStart binary"
fi

# ---- 3. systemd-analyze security ------------------------------------------------------------
threshold_tenths="$(awk -v m="$MAX_EXPOSURE" 'BEGIN { printf "%d", m * 10 + 0.5 }')"
printf '\nexposure (systemd-analyze security --offline=true; 0 = locked down, 10 = unsafe; limit %s):\n' \
  "$MAX_EXPOSURE"
for svc in "${SERVICES[@]}"; do
  out="$(systemd-analyze security --offline=true --threshold="$threshold_tenths" \
           "$UNITDIR/$svc" 2>&1)" && rc=0 || rc=$?
  line="$(grep 'Overall exposure level' <<<"$out" || true)"
  level="$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' <<<"$line")"
  if [[ -z "$level" ]]; then
    printf '%s\n' "$out"
    fail "$svc: no exposure level in the output of systemd-analyze security (exit $rc)"
    continue
  fi
  printf '  %-28s %s\n' "$svc" "$level"
  if [[ $rc -ne 0 ]] || awk -v l="${level%% *}" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(l > m) }'; then
    grep '✗' <<<"$out" || true
    fail "$svc: exposure ${level} is above $MAX_EXPOSURE"
  fi
done

# ---- 4. one hardening block -----------------------------------------------------------------
hardening() { sed -n '/^# --- Hardening/,$p' "$UNITDIR/$1"; }
reference="$(hardening scim-agent.service)"
[[ -n "$reference" ]] || fail "scim-agent.service has no '# --- Hardening' block"
for svc in scim-agent-serve.service scim-agent@.service scim-agent-report.service; do
  if [[ "$(hardening "$svc")" == "$reference" ]]; then
    pass "$svc: same hardening block as scim-agent.service"
  else
    diff <(printf '%s\n' "$reference") <(hardening "$svc") || true
    fail "$svc: hardening block differs from scim-agent.service"
  fi
done

echo
if ((failures)); then
  echo "systemd units: $failures check(s) failed"
  exit 1
fi
echo "systemd units: all checks passed"
