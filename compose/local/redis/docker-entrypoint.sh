#!/usr/bin/env bash
# Entry point of the local redis stand-in, behaving like the official image's.
set -euo pipefail

# `docker run image --appendonly yes` or `image my.conf` mean redis-server.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
    set -- redis-server "$@"
fi

if [ "$1" = redis-server ]; then
    # The official image builds redis with protected mode off, so other
    # containers can connect without a password; Debian's keeps it on. A
    # config file, or an explicit option, still decides.
    if [[ " $* " != *" --protected-mode "* && " $* " != *".conf "* ]]; then
        set -- "$@" --protected-mode no
    fi
    if [ "$(id -u)" = 0 ]; then
        # Volumes may come from elsewhere: hand them to redis, then drop root.
        find . \! -user redis -exec chown redis '{}' +
        exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
    fi
    # Data files readable by redis only, unless the caller chose a umask.
    if [ "$(umask)" = 0022 ]; then umask 0077; fi
fi

exec "$@"
