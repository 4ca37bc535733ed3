#!/usr/bin/env bash
# Helpers for scripts/e2e-compose.sh: reading the catalog, calling services with
# grpcurl, waiting on containers. Expects `compose` (an array) to be set.

# Sets `compose` to the Compose command this machine has.
choose_compose() {
  if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
  else
    compose=(docker-compose)
    # docker-compose 1.x builds through the docker CLI so build args reach FROM lines.
    export COMPOSE_DOCKER_CLI_BUILD=1
  fi
}

# Builds the one image of every service. The binary is built here with the fast-release
# profile (no LTO: minutes faster, same code paths) unless QUORUM_BUILD_PROFILE says
# otherwise; images that ship use release. Without an image registry the base images are
# made locally (scripts/local-images.sh). Sets `profile` and `target_dir`.
build_stack_image() {
  profile=${QUORUM_BUILD_PROFILE:-fast-release}
  export QUORUM_BUILD_PROFILE=$profile
  if [ "${QUORUM_E2E_USE_REGISTRY:-0}" != 1 ]; then
    target_dir=${CARGO_TARGET_DIR:-target}
    started_build=$(date +%s)
    cargo build --profile "$profile" --locked -p quorum --bin quorum
    echo "quorum binary ($profile) built in $(( $(date +%s) - started_build )) s"
    env_file=$(mktemp)
    bash scripts/local-images.sh --binaries "$target_dir/$profile" --env-file "$env_file"
    set -a; source "$env_file"; set +a
    rm -f "$env_file"
  fi
  started_build=$(date +%s)
  # Every compose service names the same image, so building it for one builds it for all.
  first_service=$(implemented_services | head -n 1)
  "${compose[@]}" build "${first_service%%:*}"
  echo "image built in $(( $(date +%s) - started_build )) s"
}

step() { printf '\n==> %s\n' "$*"; }

fail() {
  echo "e2e-compose FAILED: $*" >&2
  "${compose[@]}" ps >&2 || true
  "${compose[@]}" logs --tail 40 >&2 || true
  exit 1
}

# name:grpc_port of every implemented catalog service.
implemented_services() {
  python3 - <<'PY'
import tomllib
with open("services/catalog.toml", "rb") as handle:
    catalog = tomllib.load(handle)
for service in catalog["service"]:
    if service.get("implemented"):
        print(f'{service["name"]}:{service["grpc_port"]}')
PY
}

declared_services() {
  python3 - "$1" <<'PY'
import sys, tomllib
with open("services/catalog.toml", "rb") as handle:
    catalog = tomllib.load(handle)
for service in catalog["service"]:
    if service["name"] == sys.argv[1]:
        print("\n".join(service["grpc_services"]))
PY
}

container_of() { "${compose[@]}" ps -q "$1"; }

health_of() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1"; }

wait_all_healthy() {
  local limit=$1 deadline=$(( $(date +%s) + $1 )) pending
  while :; do
    pending=""
    for id in $("${compose[@]}" ps -q); do
      [ "$(health_of "$id")" = healthy ] || pending="$pending $(docker inspect -f '{{.Name}}' "$id")"
    done
    [ -z "$pending" ] && return 0
    [ "$(date +%s)" -lt "$deadline" ] || fail "not healthy within $limit s:$pending"
    sleep 1
  done
}

# Copies a file out of a service's container (the image has no shell to cat it).
read_secret() {
  local dir
  dir=$(mktemp -d)
  docker cp "$(container_of "$1"):$2" "$dir/secret" >/dev/null
  tr -d '\n' <"$dir/secret"
  rm -rf "$dir"
}

login() {
  grpcurl -plaintext -d "{\"username\": \"$1\", \"password\": \"$2\"}" \
    127.0.0.1:50137 quorum.auth.v1.AuthService/Login |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"]["accessToken"])'
}

# call PORT METHOD JSON: an authenticated call with the admin token.
call() {
  grpcurl -plaintext -H "authorization: Bearer $token" -d "$3" "127.0.0.1:$1" "$2"
}

audit_count() {
  call 50142 quorum.audit.v1.AuditService/Query "{\"action\": \"$1\", \"page_size\": 1000}" |
    python3 -c 'import json,sys; print(len({r["event"]["resource"] for r in json.load(sys.stdin).get("records", [])}))'
}

wait_audit_count() {
  local action=$1 want=$2 limit=$3 deadline=$(( $(date +%s) + $3 )) have=0
  while :; do
    have=$(audit_count "$action" 2>/dev/null || echo 0)
    [ "$have" -ge "$want" ] && break
    [ "$(date +%s)" -lt "$deadline" ] || fail "$action: $have distinct records after $limit s, want $want"
    sleep 1
  done
  # Exactly once: no record may be duplicated either.
  local total
  total=$(call 50142 quorum.audit.v1.AuditService/Query "{\"action\": \"$action\", \"page_size\": 1000}" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("records", [])))')
  [ "$total" = "$want" ] || fail "$action: $total records for $want events"
}

verify_chain_valid() {
  local out
  out=$(call 50142 quorum.audit.v1.AuditService/VerifyChain '{}')
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d.get("valid") else 1)' "$out" ||
    fail "VerifyChain: $out"
  echo "ok  VerifyChain valid: $(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d.get("checkedRecords"), "records")' "$out")"
}

wait_health_checker_all_serving() {
  local limit=$1 deadline=$(( $(date +%s) + $1 )) out
  while :; do
    out=$(call 50152 quorum.health.v1.HealthCheckerService/ListServices '{"implemented_only": true}' 2>/dev/null || true)
    if python3 -c '
import json, sys
services = json.loads(sys.argv[1]).get("services", [])
sys.exit(0 if services and all(s.get("state") == "SERVICE_STATE_SERVING" for s in services) else 1)
' "${out:-{\}}" 2>/dev/null; then
      return 0
    fi
    [ "$(date +%s)" -lt "$deadline" ] || fail "health-checker after $limit s: $out"
    sleep 1
  done
}

# Kills a container's main process from the host, as a crash would (docker kill or
# stop would count as a deliberate stop and disable the restart policy).
crash_container() {
  local id pid
  id=$(container_of "$1")
  pid=$(docker inspect -f '{{.State.Pid}}' "$id")
  docker inspect -f '{{.RestartCount}}' "$id" >"/tmp/quorum-e2e-restarts-$1"
  kill -9 "$pid"
  echo "killed $1 (pid $pid)"
}

wait_container_restarted() {
  local id before limit=$2 deadline=$(( $(date +%s) + $2 ))
  id=$(container_of "$1")
  before=$(cat "/tmp/quorum-e2e-restarts-$1")
  while [ "$(docker inspect -f '{{.RestartCount}}' "$id")" -le "$before" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$1 was not restarted within $limit s"
    sleep 1
  done
  echo "ok  $1 restarted by its restart policy"
}

report_footprint() {
  local image
  image=$(docker inspect -f '{{.Image}}' "$(container_of auth-manager)")
  printf 'one image for every service: %.1f MB\n' "$(python3 -c "print($(docker image inspect -f '{{.Size}}' "$image")/1e6)")"
  printf '%-18s %12s\n' service "idle memory"
  for entry in $(implemented_services); do
    local name=${entry%%:*} memory
    memory=$(docker stats --no-stream --format '{{.MemUsage}}' "$(container_of "$name")" | cut -d/ -f1)
    printf '%-18s %12s\n' "$name" "$memory"
  done
}
