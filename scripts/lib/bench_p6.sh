#!/usr/bin/env bash
# P6 through the compose stack: builds the image, starts the stack as its own compose
# project (trade-history closing 1 s candles too: scripts/lib/bench_p6.compose.yml), runs
# scripts/lib/bench_p6.py and tears the stack down. QUORUM_P6_ORDERS (default 1000) sets
# how many orders to measure; QUORUM_E2E_KEEP=1 leaves the stack running.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! docker info >/dev/null 2>&1; then
  echo "p6: needs a Docker engine" >&2
  exit 1
fi
source scripts/lib/tools.sh
source scripts/lib/e2e.sh
ensure_tools
choose_compose
export COMPOSE_PROJECT_NAME=quorum-bench-p6
export COMPOSE_FILE=compose/docker-compose.yml:scripts/lib/bench_p6.compose.yml
export QUORUM_BIND=127.0.0.1

cleanup() {
  [ "${QUORUM_E2E_KEEP:-0}" = 1 ] && return
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
}
trap cleanup EXIT

step "image"
build_stack_image
step "up"
"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
"${compose[@]}" up -d
wait_all_healthy 180
token=$(login admin "$(read_secret auth-manager /var/lib/quorum/secrets/admin-password)")
# Candle history for the strategies' lookback.
sleep 40
step "p6"
python3 scripts/lib/bench_p6.py "$token" --orders "${QUORUM_P6_ORDERS:-1000}"
