#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the sync server's PostgreSQL tests.
#
#   scripts/postgres.sh install      install Debian's `postgresql` package if it is missing
#   scripts/postgres.sh start DIR    (install if needed,) create a cluster in DIR unless there is
#                                    one, start it on 127.0.0.1 with a free port and print exactly
#                                    one line on stdout: postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/postgres.sh stop DIR     stop the cluster in DIR (nothing to do when it is not running)
#
# The cluster does not use the system service: it lives in DIR (data in DIR/data, the unix
# socket in DIR, the log in DIR/postgres.log), trusts every connection from this machine (it
# listens on loopback only) and keeps PostgreSQL's defaults otherwise (fsync and synchronous
# commit on). As root, the server runs as the unprivileged `postgres` user, so DIR must be
# reachable by that user; the script makes DIR and gives it to that user. (When the postgres user
# cannot reach DIR, e.g. under /root, the cluster lives in /tmp/crm-postgres-HASH instead and
# DIR/cluster-dir names it.)
# Running `start` again on a running cluster prints its URL again. Everything but the URL goes
# to stderr.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

bindir() {
    local dir
    # The newest installed major version.
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
        echo "$dir"
    fi
}

install() {
    if [[ -n "$(bindir)" ]]; then
        return
    fi
    [[ $(id -u) -eq 0 ]] || die "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
    log "installing PostgreSQL (apt-get install postgresql)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q postgresql >&2
    [[ -n "$(bindir)" ]] || die "postgresql installed, but no /usr/lib/postgresql/*/bin/initdb"
}

# Run a command as the cluster's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_is_free() {
    # A refused connection means nobody listens there.
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
    local port
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 40000))
        if port_is_free "$port"; then
            echo "$port"
            return
        fi
    done
    die "found no free port"
}

url() { echo "postgres://postgres@127.0.0.1:$1/postgres"; }

# The directory the cluster really lives in. As root, DIR itself when the postgres user can
# reach it; otherwise (DIR under /root, say) a directory under /tmp named after DIR's path, which
# DIR/cluster-dir records.
cluster_dir() {
    local dir=$1 real
    if [[ $(id -u) -ne 0 ]]; then
        echo "$dir"
        return
    fi
    if [[ -f "$dir/cluster-dir" ]]; then
        cat "$dir/cluster-dir"
        return
    fi
    if runuser -u postgres -- test -x "$(dirname "$dir")" 2>/dev/null; then
        echo "$dir"
        return
    fi
    real="${TMPDIR:-/tmp}/crm-postgres-$(printf '%s' "$dir" | sha256sum | cut -c1-16)"
    echo "$real" >"$dir/cluster-dir"
    echo "$real"
}

start() {
    local dir=$1 bin data port
    install
    bin=$(bindir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "no 'postgres' user (is the postgresql package installed?)"
        dir=$(cluster_dir "$dir")
        mkdir -p "$dir"
        chown postgres: "$dir"
        chmod 700 "$dir"
        as_owner test -w "$dir" -a -x "$dir" || die "$dir is not reachable by the postgres user"
    fi
    data="$dir/data"
    if [[ ! -f "$data/PG_VERSION" ]]; then
        log "creating a cluster in $data"
        as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
        # Later lines win over initdb's: loopback only, the socket in DIR, room for parallel tests.
        as_owner tee -a "$data/postgresql.conf" >/dev/null <<EOF

# scripts/postgres.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
EOF
    fi
    if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        port=$(cat "$dir/port" 2>/dev/null || true)
        [[ -n "$port" ]] || die "a cluster runs in $data but $dir/port is missing"
        log "already running"
        url "$port"
        return
    fi
    for _ in 1 2 3 4 5; do
        port=$(pick_port)
        if as_owner "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 -o "-p $port" start >&2; then
            echo "$port" | as_owner tee "$dir/port" >/dev/null
            url "$port"
            return
        fi
        log "could not start on port $port, trying another (log: $dir/postgres.log)"
    done
    tail -n 20 "$dir/postgres.log" >&2 || true
    die "PostgreSQL did not start"
}

stop() {
    local dir=$1 bin data
    [[ -d "$dir" ]] || { log "no cluster in $dir"; return; }
    dir=$(cd "$dir" && pwd)
    [[ $(id -u) -ne 0 || ! -f "$dir/cluster-dir" ]] || dir=$(cat "$dir/cluster-dir")
    data="$dir/data"
    bin=$(bindir)
    if [[ -z "$bin" || ! -f "$data/PG_VERSION" ]]; then
        log "no cluster in $dir"
        return
    fi
    if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" -D "$data" -w -m fast stop >&2
    else
        log "not running"
    fi
}

case "${1:-}" in
    install) install ;;
    start) [[ $# -eq 2 ]] || die "usage: $0 start DIR"; start "$2" ;;
    stop) [[ $# -eq 2 ]] || die "usage: $0 stop DIR"; stop "$2" ;;
    *) die "usage: $0 install | start DIR | stop DIR" ;;
esac
