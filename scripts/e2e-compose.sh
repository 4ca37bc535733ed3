#!/usr/bin/env bash
# The compose system test: builds the image, starts the stack with compose, and drives
# it with grpcurl as a user would: auth, audit and the registry; the venue connectors on
# the simulated market feeding price-feed, orderbook-manager and trade-history; a crash of
# a service while audit events flow, with no audit record lost; and the decision loop: a
# strategy whose orders are decided by the three signal voters in consensus, checked from
# the decision to the portfolio, with the risk checks, the kill switch and the audit
# chain (scripts/lib/e2e_trading.py); and every service README's grpcurl examples, run
# as a reader would paste them (scripts/lib/e2e_readme.py). Then it tears everything
# down.
#
# Without a Docker engine it says so and exits 0. On a machine without an image
# registry (no pulls possible) it makes local base images first (scripts/local-images.sh)
# and builds the one image of every service from the `quorum` binary built here.
#
# Environment: QUORUM_E2E_KEEP=1 leaves the stack running; QUORUM_E2E_USE_REGISTRY=1
# builds with the default public base images instead of local ones;
# QUORUM_BUILD_PROFILE=release tests the binary that ships (thin LTO) instead of
# fast-release.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! docker info >/dev/null 2>&1; then
  echo "e2e-compose: no Docker engine reachable; skipping the compose system test"
  exit 0
fi

source scripts/lib/tools.sh
source scripts/lib/e2e.sh
source scripts/lib/e2e_market.sh
ensure_tools

export COMPOSE_PROJECT_NAME=quorum-e2e
export COMPOSE_FILE=compose/docker-compose.yml
export QUORUM_BIND=127.0.0.1
choose_compose

cleanup() {
  if [ "${QUORUM_E2E_KEEP:-0}" = 1 ]; then
    echo "stack left running (QUORUM_E2E_KEEP=1); stop it with: COMPOSE_PROJECT_NAME=$COMPOSE_PROJECT_NAME ${compose[*]} down -v"
    return
  fi
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  # Images the rebuilds left untagged: old build stages and old service images.
  docker image prune -f --filter label=quorum.stage=build >/dev/null 2>&1 || true
  docker image prune -f --filter label=org.opencontainers.image.title=quorum >/dev/null 2>&1 || true
}
trap cleanup EXIT

step "image"
build_stack_image

step "up"
"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
started_up=$(date +%s)
"${compose[@]}" up -d
wait_all_healthy 180
echo "all containers healthy $(( $(date +%s) - started_up )) s after up"

step "every implemented service: reflection and health"
for entry in $(implemented_services); do
  name=${entry%%:*}; port=${entry#*:}
  listed=$(grpcurl -plaintext "127.0.0.1:$port" list)
  for declared in $(declared_services "$name"); do
    grep -qx "$declared" <<<"$listed" || fail "$name: reflection does not list $declared"
  done
  health=$(grpcurl -plaintext -d '{"service": ""}' "127.0.0.1:$port" grpc.health.v1.Health/Check)
  grep -q '"SERVING"' <<<"$health" || fail "$name: health is $health"
  echo "ok  $name on $port: reflection lists its services, health SERVING"
done

step "login with the generated bootstrap password"
admin_password=$(read_secret auth-manager /var/lib/quorum/secrets/admin-password)
token=$(login admin "$admin_password")
[ -n "$token" ] || fail "login returned no token"
echo "ok  admin logged in"

step "a call without a token is refused"
if out=$(grpcurl -plaintext -d '{}' 127.0.0.1:50142 quorum.audit.v1.AuditService/VerifyChain 2>&1); then
  fail "VerifyChain without a token succeeded: $out"
fi
grep -q "Unauthenticated" <<<"$out" || fail "expected Unauthenticated, got: $out"
echo "ok  Unauthenticated without a token"

step "an authenticated call writes an audit record"
call 50137 quorum.auth.v1.AuthService/CreateUser \
  '{"username": "e2e-trader", "password": "e2e trader password", "roles": ["trader"]}' >/dev/null
wait_audit_count auth.create_user 1 60
echo "ok  auth.create_user reached audit-logger"
verify_chain_valid

step "health-checker sees every implemented service SERVING"
wait_health_checker_all_serving 90
echo "ok  health-checker reports every implemented service SERVING"

step "market data plane on the simulated market"
check_connectors_synced 60
check_quotes_from_every_venue 60
echo "ok  price-feed streams BTC-USDT quotes from all four venues"
check_aggregated_book
check_paper_order

step "crash audit-logger while audit events flow; nothing may be lost"
for i in $(seq 1 10); do
  call 50137 quorum.auth.v1.AuthService/CreateUser \
    "{\"username\": \"e2e-user-$i\", \"password\": \"e2e password number $i\", \"roles\": [\"viewer\"]}" >/dev/null &
  if [ "$i" = 4 ]; then crash_container audit-logger; fi
done
wait
wait_container_restarted audit-logger 120
wait_all_healthy 120
wait_audit_count auth.create_user 11 120
verify_chain_valid
echo "ok  audit-logger came back; all 11 user creations are in the audit log, chain valid"

step "one-service change: rebuild the image, restart price-feed alone"
if [ "${QUORUM_E2E_USE_REGISTRY:-0}" != 1 ]; then
  started_change=$(date +%s)
  # The touch recompiles price-feed and relinks the binary as an edit would; a new build
  # id makes the binary differ as an edit would (same code gives the same bytes, and
  # Docker would reuse the old image).
  touch services/price-feed/src/lib.rs
  QUORUM_BUILD_ID="e2e-$started_change" cargo build --profile "$profile" --locked -p quorum --bin quorum
  bash scripts/local-images.sh --binaries "$target_dir/$profile" >/dev/null
  untouched=$(container_of market-data)
  replaced=$(container_of price-feed)
  # --no-deps: the services price-feed depends on run the same image, and would be
  # recreated too.
  "${compose[@]}" up -d --build --no-deps price-feed
  wait_all_healthy 120
  [ "$(container_of price-feed)" != "$replaced" ] || fail "price-feed was not recreated"
  [ "$(container_of market-data)" = "$untouched" ] || fail "market-data was recreated too"
  docker exec "$(container_of price-feed)" /usr/local/bin/quorum --version | grep -q "build e2e-$started_change" ||
    fail "price-feed does not run the rebuilt binary"
  check_quotes_from_every_venue 60
  echo "ok  price-feed rebuilt, restarted alone and quoting all four venues $(( $(date +%s) - started_change )) s after the change"
fi

step "trade-history candles against the stored trades"
wait_for_complete_minute "$started_up" 30
check_candles_match_trades

step "the decision loop: a paper trade decided by consensus"
python3 scripts/lib/e2e_trading.py "$token" || fail "the decision loop (above)"

step "every service README's grpcurl examples"
python3 scripts/lib/e2e_readme.py "$token" "$admin_password" || fail "README examples (above)"

step "footprint"
report_footprint

echo
echo "e2e-compose: all checks passed"
