#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests, on loopback only.
#
#   scripts/pg-cluster.sh start DIR   creates a cluster in DIR (a new or
#                                     empty directory), starts it on a free
#                                     port of 127.0.0.1 with its unix socket
#                                     in DIR, and prints its URL
#   scripts/pg-cluster.sh stop DIR    stops it and removes DIR
#
# The URL names the superuser "civicgrid" (no password: only loopback and
# the socket in DIR are open) and the maintenance database "postgres";
# the tests create one database per server they start.
#
# initdb and the server refuse to run as root, so as root the cluster is
# owned by and run as the unprivileged user "nobody".
set -euo pipefail

die() {
    echo "pg-cluster: $*" >&2
    exit 1
}

bindir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return
        fi
    done
    die "no PostgreSQL server found under /usr/lib/postgresql (install the" \
        "Debian package postgresql)"
}

# Runs a command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" \
            --clear-groups -- "$@"
    else
        "$@"
    fi
}

free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

start() {
    local dir=$1 bin port
    bin=$(bindir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
    if [ "$(id -u)" -eq 0 ]; then
        chown nobody:"$(id -gn nobody)" "$dir"
    fi
    chmod 700 "$dir"
    as_owner test -w "$dir" ||
        die "nobody cannot write $dir: its parent directories must be" \
            "searchable by all (as /tmp is)"
    # C ordering for text, as SQLite compares; a UTF-8 character type so
    # that trigrams see Chinese characters as letters.
    as_owner "$bin/initdb" -D "$dir/data" -U civicgrid -A trust -E UTF8 \
        --locale=C.UTF-8 --lc-collate=C >"$dir/initdb.log" 2>&1 ||
        die "initdb failed; see $dir/initdb.log"
    port=$(free_port)
    # A throwaway cluster: durability is not what it is for.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port" \
        -o "-c unix_socket_directories='$dir' -c max_connections=300" \
        -o "-c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >"$dir/pg_ctl.log" 2>&1 ||
        die "the server did not start; see $dir/server.log"
    echo "postgres://civicgrid@127.0.0.1:$port/postgres" >"$dir/url"
    cat "$dir/url"
}

stop() {
    local dir=$1 bin
    bin=$(bindir)
    [ -d "$dir/data" ] || die "no cluster in $dir"
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 ||
        echo "pg-cluster: the server in $dir was not running" >&2
    rm -rf "$dir"
}

case "${1:-}" in
start) [ $# -eq 2 ] || die "usage: $0 start DIR"; start "$2" ;;
stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
*) die "usage: $0 start DIR | stop DIR" ;;
esac
