#!/usr/bin/env bash
# Entry point of the local postgres stand-in: the part of the official
# image's behaviour that compose files rely on. On first start it creates the
# cluster in $PGDATA with POSTGRES_USER/POSTGRES_PASSWORD (scram-sha-256 for
# network connections), creates POSTGRES_DB, runs /docker-entrypoint-initdb.d,
# then runs postgres in the foreground as the postgres user.
set -Eeuo pipefail

# VAR or VAR_FILE (Docker secrets), like the official image.
file_env() {
    local var=$1 file_var="${1}_FILE" default=${2:-}
    if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
        echo "error: both $var and $file_var are set (they are exclusive)" >&2
        exit 1
    fi
    local value=$default
    if [ -n "${!var:-}" ]; then
        value=${!var}
    elif [ -n "${!file_var:-}" ]; then
        value=$(<"${!file_var}")
    fi
    export "$var"="$value"
    unset "$file_var"
}

setup_environment() {
    file_env POSTGRES_PASSWORD
    file_env POSTGRES_USER postgres
    file_env POSTGRES_DB "$POSTGRES_USER"
    file_env POSTGRES_INITDB_ARGS
    : "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
}

# Refuses a cluster nobody can log in to over the network, as upstream does.
check_password() {
    if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
        cat >&2 <<'MSG'
error: database is uninitialized and the superuser password is not specified.
       Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE), or
       POSTGRES_HOST_AUTH_METHOD=trust to allow connections without a password.
MSG
        exit 1
    fi
}

init_cluster() {
    local extra_args=() password_file
    read -r -a extra_args <<<"$POSTGRES_INITDB_ARGS"
    # A file, not an argument: arguments are visible to every process.
    password_file=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
    if [ -n "$POSTGRES_PASSWORD" ]; then
        extra_args=(--pwfile="$password_file" "${extra_args[@]}")
    fi
    # The local socket trusts its users (only this container reaches it); the
    # network needs the password.
    initdb --username="$POSTGRES_USER" \
        --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" \
        --encoding=UTF8 --locale=C.UTF-8 \
        "${extra_args[@]}"
    rm -f "$password_file"
    printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
}

# A server reachable only through a private socket, so health checks do not
# report ready before initialisation is complete.
start_private_server() {
    PRIVATE_SOCKET_DIR=$(mktemp -d)
    pg_ctl -D "$PGDATA" -w start \
        -o "-c listen_addresses='' -c unix_socket_directories=$PRIVATE_SOCKET_DIR"
    export PGHOST=$PRIVATE_SOCKET_DIR PGUSER=$POSTGRES_USER
}

stop_private_server() {
    pg_ctl -D "$PGDATA" -m fast -w stop
    unset PGHOST PGUSER
    rm -rf "$PRIVATE_SOCKET_DIR"
}

create_database() {
    if [ "$POSTGRES_DB" != postgres ]; then
        psql -v ON_ERROR_STOP=1 --dbname postgres --set db="$POSTGRES_DB" \
            <<<'CREATE DATABASE :"db";'
    fi
}

run_init_scripts() {
    local file
    for file in /docker-entrypoint-initdb.d/*; do
        [ -e "$file" ] || continue
        echo "running $file"
        case "$file" in
            *.sh)
                # shellcheck disable=SC1090 # init scripts are the user's own
                if [ -x "$file" ]; then "$file"; else . "$file"; fi
                ;;
            *.sql) psql -v ON_ERROR_STOP=1 --dbname "$POSTGRES_DB" -f "$file" ;;
            *.sql.gz) gunzip -c "$file" | psql -v ON_ERROR_STOP=1 --dbname "$POSTGRES_DB" ;;
            *) echo "ignoring $file" ;;
        esac
    done
}

main() {
    # `docker run image -c fsync=off` means postgres with that option.
    if [ "${1:0:1}" = - ]; then
        set -- postgres "$@"
    fi
    if [ "$1" != postgres ]; then
        exec "$@"
    fi
    if [ "$(id -u)" = 0 ]; then
        # Volumes may come from elsewhere: hand them to postgres, drop root.
        mkdir -p "$PGDATA" /var/run/postgresql
        chmod 0700 "$PGDATA"
        find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
        exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
    fi
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        setup_environment
        check_password
        init_cluster
        start_private_server
        create_database
        run_init_scripts
        stop_private_server
        echo "postgres init process complete; ready for start up"
    fi
    exec "$@"
}

main "$@"
