#!/usr/bin/env bash
# scim-agent setup: installs what the build needs (Debian bookworm packages), builds, and runs
# the demo or the tests.
#
#   ./setup.sh demo    build, start genesys-sim on loopback, validate → plan → apply → plan
#   ./setup.sh test    build with warnings as errors and run every test (ctest)
#   ./setup.sh build   build only
#   ./setup.sh bench [USERS]  plan/apply benchmark at USERS users (default 10,000)
#   ./setup.sh bench-rate     sustained rate against a rate-limited simulator (R=3000, R=300)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="${SCIM_AGENT_BUILD_DIR:-$ROOT/build}"
JOBS="${JOBS:-2}"
PACKAGES=(build-essential cmake pkg-config libpoco-dev libyaml-cpp-dev libsqlite3-dev sqlite3
          googletest libgtest-dev libgmock-dev libssl-dev curl time bc
          systemd)  # systemd: systemd-analyze verify/security on the units (tests/systemd)

log() { printf '\n==> %s\n' "$*"; }

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

build() {
  install_packages
  log "configuring ($BUILD)"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCIM_AGENT_WERROR=ON >/dev/null
  log "building (-j$JOBS)"
  cmake --build "$BUILD" -j"$JOBS"
}

cmd_test() {
  build
  log "running every test (ctest)"
  cd "$BUILD"
  ctest --output-on-failure --timeout 600 -j"$JOBS"
}

cmd_demo() {
  build
  "$ROOT/tests/demo.sh" "$BUILD/bin"
}

cmd_bench() {
  build
  "$ROOT/tests/bench/run.sh" "$BUILD/bin" "${@}"
}

cmd_bench_rate() {
  build
  "$ROOT/tests/bench/rate.sh" "$BUILD/bin" 3000 2000
  "$ROOT/tests/bench/rate.sh" "$BUILD/bin" 300 2000
}

case "${1:-}" in
  test) cmd_test ;;
  demo) cmd_demo ;;
  build) build ;;
  bench) shift; cmd_bench "$@" ;;
  bench-rate) cmd_bench_rate ;;
  *) echo "usage: $0 demo|test|build|bench [USERS]|bench-rate" >&2; exit 64 ;;
esac
