#!/usr/bin/env bash
# The Postgres and Redis the tests use, from the first source that works:
#   Postgres: QUORUM_TEST_DATABASE_URL when set; a Postgres installed on this machine;
#             a container (QUORUM_TEST_POSTGRES_IMAGE, default postgres:16) when a Docker
#             engine can run it; else Debian's package, installed with apt.
#   Redis:    tests start private redis-server processes, so only the binary is needed:
#             redis-server on PATH; else the binary copied out of a container image
#             (QUORUM_TEST_REDIS_IMAGE, default redis:7) into .local/bin; else apt.
# Idempotent: on a machine where they already run, it only checks them.
# Sourced by scripts/test.sh; also runnable on its own.
set -euo pipefail

QUORUM_TEST_DB_USER=${QUORUM_TEST_DB_USER:-quorum}
QUORUM_TEST_DB_PASSWORD=${QUORUM_TEST_DB_PASSWORD:-quorum}
QUORUM_TEST_POSTGRES_IMAGE=${QUORUM_TEST_POSTGRES_IMAGE:-postgres:16}
QUORUM_TEST_REDIS_IMAGE=${QUORUM_TEST_REDIS_IMAGE:-redis:7}
# The container's port on loopback: not 5432, which a local Postgres may hold.
QUORUM_TEST_POSTGRES_PORT=${QUORUM_TEST_POSTGRES_PORT:-55432}
TEST_POSTGRES_CONTAINER=quorum-test-postgres

source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

have_docker() { command -v docker >/dev/null && docker info >/dev/null 2>&1; }

# True when IMAGE is here or can be pulled (a machine without a registry fails at once).
docker_image_available() {
  docker image inspect "$1" >/dev/null 2>&1 || docker pull -q "$1" >/dev/null 2>&1
}

ensure_postgres() {
  if [ -n "${QUORUM_TEST_DATABASE_URL:-}" ]; then
    echo "postgres: QUORUM_TEST_DATABASE_URL"
    wait_postgres_url "$QUORUM_TEST_DATABASE_URL" ||
      { echo "QUORUM_TEST_DATABASE_URL is set but not reachable" >&2; return 1; }
  elif installed_postgres; then
    echo "postgres: this machine's Postgres"
    start_installed_postgres
  elif have_docker && docker_image_available "$QUORUM_TEST_POSTGRES_IMAGE" && start_postgres_container; then
    echo "postgres: container from $QUORUM_TEST_POSTGRES_IMAGE on 127.0.0.1:$QUORUM_TEST_POSTGRES_PORT"
  elif have_apt; then
    echo "postgres: installing Debian's postgresql"
    apt_install postgresql
    start_installed_postgres
  else
    echo "no Postgres for the tests: set QUORUM_TEST_DATABASE_URL to a superuser URL, install Postgres, or start a Docker engine" >&2
    return 1
  fi
  drop_stale_databases
}

installed_postgres() {
  command -v pg_lsclusters >/dev/null && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1
}

start_installed_postgres() {
  local version
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
    as_root pg_createcluster "$version" main >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
    as_root pg_ctlcluster "$version" main start
  fi
  for _ in $(seq 1 50); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 0.2
  done
  pg_isready -h 127.0.0.1 -p 5432
  # The test user: a superuser so each test can create its own database. Loopback
  # connections use password authentication, so it gets a password.
  as_root su postgres -c "psql -q -v ON_ERROR_STOP=1" <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$QUORUM_TEST_DB_USER') THEN
    CREATE ROLE $QUORUM_TEST_DB_USER LOGIN SUPERUSER PASSWORD '$QUORUM_TEST_DB_PASSWORD';
  END IF;
END \$\$;
SQL
  export QUORUM_TEST_DATABASE_URL="postgres://$QUORUM_TEST_DB_USER:$QUORUM_TEST_DB_PASSWORD@127.0.0.1:5432/postgres"
}

start_postgres_container() {
  if ! docker container inspect "$TEST_POSTGRES_CONTAINER" >/dev/null 2>&1; then
    docker run -d --name "$TEST_POSTGRES_CONTAINER" \
      -p "127.0.0.1:$QUORUM_TEST_POSTGRES_PORT:5432" \
      -e POSTGRES_USER="$QUORUM_TEST_DB_USER" -e POSTGRES_PASSWORD="$QUORUM_TEST_DB_PASSWORD" \
      -e POSTGRES_DB=postgres "$QUORUM_TEST_POSTGRES_IMAGE" >/dev/null
  else
    docker start "$TEST_POSTGRES_CONTAINER" >/dev/null
  fi
  export QUORUM_TEST_DATABASE_URL="postgres://$QUORUM_TEST_DB_USER:$QUORUM_TEST_DB_PASSWORD@127.0.0.1:$QUORUM_TEST_POSTGRES_PORT/postgres"
  wait_postgres_url "$QUORUM_TEST_DATABASE_URL" ||
    { echo "the Postgres container did not accept connections within 60 s" >&2; return 1; }
  echo "stop it with: docker rm -f $TEST_POSTGRES_CONTAINER"
}

# Runs SQL on the test server: with psql when installed, else with the container's.
test_psql() {
  if command -v psql >/dev/null; then
    psql "$QUORUM_TEST_DATABASE_URL" -q -At "$@"
  else
    docker exec -i "$TEST_POSTGRES_CONTAINER" psql -U "$QUORUM_TEST_DB_USER" -d postgres -q -At "$@"
  fi
}

wait_postgres_url() {
  local url=$1
  for _ in $(seq 1 300); do
    if QUORUM_TEST_DATABASE_URL=$url test_psql -c 'SELECT 1' >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  return 1
}

# Databases left by earlier test runs (tests name theirs qt_<uuid>).
drop_stale_databases() {
  local database
  for database in $(test_psql -c "SELECT datname FROM pg_database WHERE datname LIKE 'qt\\_%'"); do
    test_psql -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
  done
}

ensure_redis() {
  if command -v redis-server >/dev/null; then
    :
  elif [ -x .local/bin/redis-server ]; then
    export PATH="$PWD/.local/bin:$PATH"
  elif have_docker && docker_image_available "$QUORUM_TEST_REDIS_IMAGE" && copy_redis_from_image; then
    echo "redis: redis-server copied out of $QUORUM_TEST_REDIS_IMAGE into .local/bin"
    export PATH="$PWD/.local/bin:$PATH"
  elif have_apt; then
    echo "redis: installing Debian's redis-server"
    apt_install redis-server
  else
    echo "no redis-server for the tests: install Redis (redis-server on PATH) or start a Docker engine" >&2
    return 1
  fi
  redis-server --version
}

copy_redis_from_image() {
  local container path
  container=$(docker create "$QUORUM_TEST_REDIS_IMAGE")
  mkdir -p .local/bin
  for path in /usr/local/bin/redis-server /usr/bin/redis-server; do
    if docker cp -L "$container:$path" .local/bin/redis-server 2>/dev/null; then break; fi
  done
  docker rm "$container" >/dev/null
  [ -x .local/bin/redis-server ] || { echo "no redis-server in $QUORUM_TEST_REDIS_IMAGE" >&2; return 1; }
  # A binary that needs libraries this machine lacks is no use.
  if ! .local/bin/redis-server --version >/dev/null 2>&1; then
    rm -f .local/bin/redis-server
    echo "the redis-server of $QUORUM_TEST_REDIS_IMAGE does not run here" >&2
    return 1
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  cd "$(dirname "$0")/../.."
  ensure_postgres
  ensure_redis
fi
