# shellcheck shell=bash
# The build budget (`scripts/bench.sh build`): times cold, warm and incremental builds of
# the `quorum` binary and of the tests in a target directory of their own, and the cost
# of each service crate, so the cost at 52 services can be projected. Sourced by
# scripts/bench.sh; QUORUM_BENCH_TARGET_DIR moves the scratch target directory.

BENCH_TARGET=${QUORUM_BENCH_TARGET_DIR:-.local/bench-target}

# seconds COMMAND...: runs COMMAND quietly and prints the wall time in seconds.
seconds() {
  local start end log
  log=$(mktemp)
  start=$(date +%s.%N)
  if ! "$@" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    echo "build benchmark: command failed: $*" >&2
    return 1
  fi
  end=$(date +%s.%N)
  rm -f "$log"
  python3 -c "print(f'{$end - $start:.1f}')"
}

# One row: cold, warm, then after a touch of libs/kit and of price-feed (each rebuilds
# that crate and everything depending on it).
build_row() {
  local label=$1 profile=$2
  shift 2
  local cold warm kit service
  cold=$(seconds "$@")
  warm=$(seconds "$@")
  touch libs/kit/src/lib.rs
  kit=$(seconds "$@")
  touch services/price-feed/src/lib.rs
  service=$(seconds "$@")
  printf '| %s | `%s` | %s | %s | %s | %s |\n' "$label" "$profile" "$cold" "$warm" "$kit" "$service"
}

# Per-crate compile seconds of the last build, from cargo's --timings report: the mean
# over service crates is the marginal cost of one more service.
service_crate_seconds() {
  local report=$1
  python3 - "$report" <<'PY'
import json, re, sys, tomllib
html = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);", html, re.S).group(1))
with open("services/catalog.toml", "rb") as handle:
    services = {s["name"] for s in tomllib.load(handle)["service"] if s.get("implemented")}
# Every unit of a service crate: its library, and in a test build its test binaries.
by_crate = {}
for unit in units:
    if unit["name"] in services:
        by_crate[unit["name"]] = by_crate.get(unit["name"], 0) + unit["duration"]
binary = sum(unit["duration"] for unit in units if unit["name"] == "quorum")
total = sum(by_crate.values())
print(f"service crates: {len(by_crate)}, {total:.1f} s of compile in all, "
      f"mean {total / max(len(by_crate), 1):.1f} s, largest "
      f"{max(by_crate.items(), key=lambda item: item[1]) if by_crate else None}")
print(f"quorum binary (compile and link): {binary:.1f} s")
PY
}

bench_build() {
  export CARGO_TARGET_DIR=$BENCH_TARGET
  export CARGO_TERM_COLOR=never
  cargo fetch --locked >/dev/null
  echo "scratch target directory: $CARGO_TARGET_DIR (removed first: every 'cold' is from nothing)"
  echo
  echo "| build | profile | cold s | warm s | after touching libs/kit s | after touching price-feed s |"
  echo "|---|---|---|---|---|---|"
  rm -rf "$CARGO_TARGET_DIR"
  build_row "quorum binary" release cargo build --locked --release -p quorum
  build_row "quorum binary" fast-release cargo build --locked --profile fast-release -p quorum
  build_row "every test binary" dev cargo nextest run --locked --workspace --no-run
  echo
  # Per-crate costs: a cold release build with cargo's timing report.
  rm -rf "$CARGO_TARGET_DIR/release"
  cargo build --locked --release -p quorum --timings >/dev/null 2>&1
  echo "release, cold, per crate (one core each; two run at once):"
  service_crate_seconds "$CARGO_TARGET_DIR/cargo-timings/cargo-timing.html"
  rm -rf "$CARGO_TARGET_DIR/debug"
  cargo test --locked --workspace --no-run --timings >/dev/null 2>&1
  echo "test binaries, cold, per service crate (library, unit tests, integration tests):"
  service_crate_seconds "$CARGO_TARGET_DIR/cargo-timings/cargo-timing.html"
}
