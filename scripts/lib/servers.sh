#!/usr/bin/env bash
# Installs (Debian packages) and starts the Postgres and Redis the tests use.
# Idempotent: on a machine where they already run, it only checks them.
# Sourced by scripts/test.sh; also runnable on its own.
set -euo pipefail

QUORUM_TEST_DB_USER=${QUORUM_TEST_DB_USER:-quorum}
QUORUM_TEST_DB_PASSWORD=${QUORUM_TEST_DB_PASSWORD:-quorum}

apt_updated=0
apt_install() {
  # apt-get update once per run, and only when something is missing.
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_postgres() {
  if ! command -v pg_lsclusters >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "installing postgresql"
    as_root bash -c "$(declare -f apt_install); apt_updated=0; apt_install postgresql"
  fi
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
  # Databases left by earlier test runs (tests name theirs qt_<uuid>).
  local stale
  stale=$(as_root su postgres -c "psql -At -c \"SELECT datname FROM pg_database WHERE datname LIKE 'qt\\_%'\"")
  for database in $stale; do
    as_root su postgres -c "psql -q -c 'DROP DATABASE IF EXISTS $database WITH (FORCE)'" >/dev/null
  done
  export QUORUM_TEST_DATABASE_URL="postgres://$QUORUM_TEST_DB_USER:$QUORUM_TEST_DB_PASSWORD@127.0.0.1:5432/postgres"
}

ensure_redis() {
  # Tests start private redis-server processes; only the binary is needed.
  if ! command -v redis-server >/dev/null; then
    echo "installing redis-server"
    as_root bash -c "$(declare -f apt_install); apt_updated=0; apt_install redis-server"
  fi
  redis-server --version
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  ensure_postgres
  ensure_redis
fi
