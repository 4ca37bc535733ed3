#!/usr/bin/env bash
# Runs one benchmark of docs/performance.md and prints its table. Benchmarks measure and
# print; they never fail on a slow machine.
#
#   scripts/bench.sh p2     order book deltas/s against a BTreeMap book; parse + apply per message
#   scripts/bench.sh p3     indicators over 1 M bars against TA-Lib (Python wheel), values checked
#   scripts/bench.sh p8     trade-history ingest: batched writes against single-row inserts
#   scripts/bench.sh consensus  Decide over 12 loopback voters against their bare round trips
#   scripts/bench.sh p6     closed candle to order accepted, through the compose stack
#   scripts/bench.sh build  build budget: cold, warm, a library change, a service change
#   scripts/bench.sh all    p2, p3 and p8 (build takes about half an hour on 2 cores)
#   QUORUM_BENCH_PROFILE=fast-release runs the consensus benchmark without LTO (faster build)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
}

p2() {
  cargo run --quiet --release --locked -p quorum-venues --example book_bench
}

p3() {
  source scripts/lib/talib.sh
  ensure_talib
  local data
  data=$(mktemp -d)
  # The Rust example writes the bars, its outputs and timings; the Python side times
  # TA-Lib on the same bars in rounds alternating with the Rust side, checks every value
  # and prints the table.
  cargo run --quiet --release --locked -p quorum-quant --example indicator_bench -- "$data"
  python3 libs/quant/fixtures/talib_bench.py "$data" || { rm -rf "$data"; return 1; }
  rm -rf "$data"
}

p8() {
  source scripts/lib/servers.sh
  ensure_postgres
  # ensure_postgres exports QUORUM_TEST_DATABASE_URL, which the benchmark reads.
  cargo run --quiet --release --locked -p trade-history --example ingest_bench
}

consensus() {
  source scripts/lib/servers.sh
  ensure_postgres
  # The benchmark starts its own redis-server, so only the binary is needed.
  ensure_redis
  cargo run --quiet --profile "${QUORUM_BENCH_PROFILE:-release}" --locked -p consensus-engine --example consensus_bench
}

source scripts/lib/bench_build.sh

printf 'machine: %s cores, %s\n' "$(nproc)" "$(date -u +%Y-%m-%d)"
case "${1:-}" in
  p2) p2 ;;
  p3) p3 ;;
  p8) p8 ;;
  consensus) consensus ;;
  p6) bash scripts/lib/bench_p6.sh ;;
  build) bench_build ;;
  all) p2; p3; p8 ;;
  *) usage ;;
esac
