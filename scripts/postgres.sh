#!/usr/bin/env bash
# A private PostgreSQL cluster on loopback, for the server's PostgreSQL tests and for trying
# replicas by hand (server/README.md).
#
#   eval "$(scripts/postgres.sh)"     # start (or reuse) it; exports VENUECODE_TEST_POSTGRES_URL
#   scripts/postgres.sh stop          # stop it
#   scripts/postgres.sh status
#
# It installs Debian's `postgresql` if no server binaries are found (as root, with apt-get), runs
# initdb and pg_ctl as the `postgres` user when run as root (PostgreSQL refuses to run as root),
# listens on 127.0.0.1 only, and creates the database `venuecode`. Starting is idempotent and
# serialised with a lock, so concurrent test binaries share one cluster.
#
# Settings (environment):
#   VENUECODE_PG_DIR   cluster directory (default /tmp/venuecode-pg-$UID)
#   VENUECODE_PG_PORT  port on 127.0.0.1 (default 54329)
#
# Standard output carries only the `export ...` line; progress goes to standard error.
set -euo pipefail

dir="$(realpath -m "${VENUECODE_PG_DIR:-/tmp/venuecode-pg-$(id -u)}")"
port="${VENUECODE_PG_PORT:-54329}"
db=venuecode
cmd="${1:-start}"

say() { echo "scripts/postgres.sh: $*" >&2; }

bin_dir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then
    echo "$d"
  elif command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
  fi
}

install_server() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # The package's own cluster is not wanted; only the binaries are used.
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  else
    say "PostgreSQL server binaries not found; install Debian's postgresql (as root) and retry"
    exit 1
  fi
}

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves. From `/`,
# since `postgres` may not be allowed into the current directory.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

bin="$(bin_dir)"
if [ -z "$bin" ]; then
  if [ "$cmd" != start ]; then
    say "PostgreSQL is not installed"
    exit 1
  fi
  install_server
  bin="$(bin_dir)"
  [ -n "$bin" ] || { say "postgresql installed but initdb not found"; exit 1; }
fi

running() { as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; }

case "$cmd" in
  stop)
    if [ -d "$dir" ] && running; then
      as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >&2
    else
      say "not running"
    fi
    exit 0
    ;;
  status)
    if [ -d "$dir" ] && running; then
      echo "export VENUECODE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/$db"
      exit 0
    fi
    say "not running"
    exit 3
    ;;
  start) ;;
  *)
    say "usage: $0 [start|stop|status]"
    exit 2
    ;;
esac

# One starter at a time: test binaries may call this concurrently.
lock="${dir%/}.lock"
exec 9>"$lock"
flock 9

if [ ! -f "$dir/PG_VERSION" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  say "initdb in $dir"
  # --no-sync only skips initdb's final fsync of the template files; the running server keeps
  # fsync and synchronous_commit on.
  as_owner "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; exit 1; }
  cat >>"$dir/postgresql.conf" <<EOF

# scripts/postgres.sh: loopback only, sockets inside the cluster directory.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = on
synchronous_commit = on
EOF
fi

if ! running; then
  say "starting on 127.0.0.1:$port"
  # 9>&-: the server must not inherit the lock, or it would hold it for its whole life.
  as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null 9>&- ||
    { tail -n 20 "$dir/server.log" >&2 || true; exit 1; }
fi

psql_do() { as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -XAtq "$@"; }
if [ "$(psql_do -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
  psql_do -c "CREATE DATABASE $db"
fi

echo "export VENUECODE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/$db"
