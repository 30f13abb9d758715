#!/usr/bin/env bash
# scim-agent setup: installs what the build needs (Debian bookworm packages), builds, and runs
# the demo or the tests.
#
#   ./setup.sh demo    build, start genesys-sim on loopback, validate → plan → apply → plan
#   ./setup.sh test    build with warnings as errors and run every test (ctest)
#   ./setup.sh build   build only
#   ./setup.sh bench [USERS...]  plan/apply benchmark per size, median of 3 (default 10,000)
#   ./setup.sh bench-rate     sustained rate against a rate-limited simulator (R=3000, R=300)
#   ./setup.sh bench-hr [ROWS]  HR-source benchmark: validate and plan from a ROWS-row CSV (100,000)
#   ./setup.sh fuzz [SECONDS] [TARGET...]  run each libFuzzer target (tests/fuzz) SECONDS (60),
#                  two at a time; new corpus entries and crashes go to tests/fuzz/findings/<target>/
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="${SCIM_AGENT_BUILD_DIR:-$ROOT/build}"
JOBS="${JOBS:-2}"
PACKAGES=(build-essential cmake pkg-config libpoco-dev libyaml-cpp-dev libsqlite3-dev sqlite3
          googletest libgtest-dev libgmock-dev libssl-dev curl time bc ccache
          libcsv-dev libsimdjson-dev  # HR exports: CSV (RFC 4180) and JSON records
          systemd)  # systemd: systemd-analyze verify/security on the units (tests/systemd)
# Only `./setup.sh test` installs these: headless Chromium renders each HTML report to its DOM
# and a PNG (tests/integration/html_report_test.cpp, tests/support/chromium.h).
TEST_PACKAGES=(chromium)

FUZZ_TARGETS=(desired config scim_page user_codec patch_op plan_json event_body csv_reader json_reader
              mapping)

# ccache, when installed, for every build (CI reuses the machine; ccache is in PACKAGES).
LAUNCHER=()
if command -v ccache >/dev/null 2>&1; then
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
  # CI clones into a new folder each run: leave the build dir out of the hash (only the debug
  # info's compile directory may then name an older clone).
  export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
fi

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
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCIM_AGENT_WERROR=ON "${LAUNCHER[@]}" >/dev/null
  log "building (-j$JOBS)"
  cmake --build "$BUILD" -j"$JOBS"
}

# The npm packages of the S3 integration tests (tests/s3: s3rver and AWS's SigV4 signer for the
# verifying front), from the committed package-lock, with the npm that comes with the machine's
# nodejs (Debian's npm package conflicts with it). Reinstalled only when the lock changed.
install_node_test_deps() {
  local dir="$ROOT/tests/s3"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "setup.sh: node and npm are needed for the S3 tests (tests/s3); install nodejs" >&2
    return 1
  fi
  if [[ -f "$dir/node_modules/.package-lock.json" && \
        "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]]; then
    return 0
  fi
  log "installing the npm test packages (tests/s3, npm ci)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

cmd_test() {
  PACKAGES+=("${TEST_PACKAGES[@]}")
  build
  install_node_test_deps
  log "running every test (ctest)"
  (cd "$BUILD" && ctest --output-on-failure --timeout 600 -j"$JOBS")
  test_sanitized
}

# The same tests (unit, integration, sim, fuzz replays) once more in an AddressSanitizer +
# UndefinedBehaviorSanitizer build (gcc, -O1; its own build dir). Any report stops the process
# that made it (exit 86, see tests/fuzz/sanitizer_defaults.cpp), so the test fails. Warnings are
# the normal build's job: -O1 with the sanitizers gives gcc false positives, so no -Werror here.
test_sanitized() {
  local abuild="${SCIM_AGENT_ASAN_BUILD_DIR:-$ROOT/build-asan}"
  log "configuring the sanitizer build ($abuild)"
  cmake -S "$ROOT" -B "$abuild" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCIM_AGENT_SANITIZE=ON \
    "${LAUNCHER[@]}" >/dev/null
  log "building with -fsanitize=address,undefined (-j$JOBS)"
  cmake --build "$abuild" -j"$JOBS"
  log "running every test under ASan + UBSan (ctest)"
  export ASAN_OPTIONS="halt_on_error=1:exitcode=86:detect_leaks=1:detect_stack_use_after_return=0"
  export UBSAN_OPTIONS="halt_on_error=1:exitcode=86:print_stacktrace=1"
  # Every test, ChaosTest included (76 s under the sanitizers, measured: no slower than normal).
  (cd "$abuild" && ctest --output-on-failure --timeout 900 -j"$JOBS")
}

cmd_demo() {
  build
  "$ROOT/tests/demo.sh" "$BUILD/bin"
}

cmd_bench() {
  build
  "$ROOT/tests/bench/run.sh" "$BUILD/bin" "${@}"
}

cmd_bench_hr() {
  build
  "$ROOT/tests/bench/hr_source.sh" "$BUILD/bin" "${@}"
}

cmd_bench_rate() {
  build
  "$ROOT/tests/bench/rate.sh" "$BUILD/bin" 3000 2000
  "$ROOT/tests/bench/rate.sh" "$BUILD/bin" 300 2000
}

# libFuzzer (clang 14, -fsanitize=fuzzer,address,undefined) in its own build dir. Each target
# starts from tests/fuzz/corpus/<target> and regressions/<target>; what it adds to the corpus and
# any crash-*/timeout-*/oom-* input land in tests/fuzz/findings/<target>/ (not committed: minimise
# a crash with -minimize_crash=1 and keep it in regressions/<target>/, which ctest replays).
cmd_fuzz() {
  local seconds="${1:-60}"
  shift || true
  local targets=("$@")
  ((${#targets[@]})) || targets=("${FUZZ_TARGETS[@]}")
  PACKAGES+=(clang-14 libclang-rt-14-dev)
  install_packages
  local fbuild="${SCIM_AGENT_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
  log "configuring the fuzz build ($fbuild)"
  cmake -S "$ROOT" -B "$fbuild" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
    -DSCIM_AGENT_TESTS=OFF -DSCIM_AGENT_FUZZ=ON "${LAUNCHER[@]}" >/dev/null
  log "building ${targets[*]} (-j$JOBS)"
  cmake --build "$fbuild" -j"$JOBS" --target "${targets[@]/#/fuzz_}"
  local fuzz="$ROOT/tests/fuzz" running=0 failed=()
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  for t in "${targets[@]}"; do
    local out="$fuzz/findings/$t"
    mkdir -p "$out/corpus"
    local dirs=("$out/corpus" "$fuzz/corpus/$t")
    [[ -d "$fuzz/regressions/$t" ]] && dirs+=("$fuzz/regressions/$t")
    log "fuzz_$t for ${seconds}s (log: $out/fuzz.log)"
    (cd "$out" && "$fbuild/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -max_len=16384 -print_final_stats=1 -artifact_prefix="$out/" "${dirs[@]}" >"$out/fuzz.log" 2>&1) &
    running=$((running + 1))
    if ((running >= 2)); then wait -n || true; running=$((running - 1)); fi
  done
  wait || true
  for t in "${targets[@]}"; do
    local out="$fuzz/findings/$t" crashes
    crashes=$(find "$out" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
    printf '%-12s %6s runs, corpus +%s, %s finding(s)\n' "$t" \
      "$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/fuzz.log" | grep -o '[0-9]*$' | tail -1)" \
      "$(find "$out/corpus" -type f | wc -l)" "$crashes"
    ((crashes == 0)) || failed+=("$t")
  done
  if ((${#failed[@]})); then
    echo "fuzz findings in: ${failed[*]} (see tests/fuzz/findings/<target>/)" >&2
    return 1
  fi
}

case "${1:-}" in
  test) cmd_test ;;
  demo) cmd_demo ;;
  build) build ;;
  bench) shift; cmd_bench "$@" ;;
  bench-rate) cmd_bench_rate ;;
  bench-hr) shift; cmd_bench_hr "$@" ;;
  fuzz) shift; cmd_fuzz "$@" ;;
  *) echo "usage: $0 demo|test|build|bench [USERS...]|bench-rate|bench-hr [ROWS]|fuzz [SECONDS] [TARGET...]" >&2; exit 64 ;;
esac
