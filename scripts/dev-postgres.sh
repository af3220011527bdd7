#!/usr/bin/env bash
# A PostgreSQL for development (`make run`, `make migrate`).
#
#   scripts/dev-postgres.sh [start]   print a DATABASE_URL to use, or nothing when the
#                                     configured server (DATABASE_URL, else localhost:5432)
#                                     answers; otherwise start a throwaway cluster
#   scripts/dev-postgres.sh stop      stop the throwaway cluster of this checkout
#   scripts/dev-postgres.sh destroy   stop it and delete its data directory
#   scripts/dev-postgres.sh status    say where it is and whether it runs
#
# The throwaway cluster belongs to this checkout: its data directory is
# /var/tmp/vigil-dev-pg-<hash of the checkout path> when run as root (owned by the
# postgres user, which initdb needs: it refuses to run as root and cannot enter a
# root-owned checkout), else $XDG_DATA_HOME/vigil/dev-pg-<hash>
# (~/.local/share/...). It listens on 127.0.0.1 only, port VIGIL_DEV_PG_PORT
# (55432), with trust authentication, and has a `vigil` database.
#
# Environment: VIGIL_DEV_PG_PORT (55432), VIGIL_DEV_PG_DIR (the data directory),
# VIGIL_DEV_PG_BINDIR (where initdb and pg_ctl are), VIGIL_DEV_PG_FORCE=1 (use the
# throwaway cluster even when a server answers).
#
# Only the URL goes to stdout; messages go to stderr. When the cluster cannot be
# made the script says why in one message and exits 1.
set -euo pipefail

die() {
  echo "dev-postgres: $*" >&2
  exit 1
}
say() { echo "dev-postgres: $*" >&2; }

root="$(cd "$(dirname "$0")/.." && pwd -P)"
action="${1:-start}"
port="${VIGIL_DEV_PG_PORT:-55432}"
case "$port" in '' | *[!0-9]*) die "VIGIL_DEV_PG_PORT=$port is not a port number" ;; esac

hash="$(printf '%s' "$root" | sha256sum | cut -c1-12)"
uid="$(id -u)"
if [ -n "${VIGIL_DEV_PG_DIR:-}" ]; then
  data="$VIGIL_DEV_PG_DIR"
elif [ "$uid" = 0 ]; then
  data="/var/tmp/vigil-dev-pg-$hash"
else
  data="${XDG_DATA_HOME:-${HOME:?HOME is not set}/.local/share}/vigil/dev-pg-$hash"
fi
url="postgres://postgres@127.0.0.1:$port/vigil?sslmode=disable"

# find_bindir prints the directory holding initdb and pg_ctl: VIGIL_DEV_PG_BINDIR,
# else the newest /usr/lib/postgresql/<major>/bin, else the one of initdb on PATH.
find_bindir() {
  if [ -n "${VIGIL_DEV_PG_BINDIR:-}" ]; then
    if [ ! -x "$VIGIL_DEV_PG_BINDIR/initdb" ] || [ ! -x "$VIGIL_DEV_PG_BINDIR/pg_ctl" ]; then
      die "no initdb and pg_ctl in VIGIL_DEV_PG_BINDIR=$VIGIL_DEV_PG_BINDIR"
    fi
    echo "$VIGIL_DEV_PG_BINDIR"
    return
  fi
  local d best=""
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && best="$d"
  done
  if [ -z "$best" ] && command -v initdb >/dev/null; then
    best="$(dirname "$(readlink -f "$(command -v initdb)")")"
    [ -x "$best/pg_ctl" ] || best=""
  fi
  [ -n "$best" ] || die "no PostgreSQL server binaries (initdb, pg_ctl) on this machine: install them (Debian: apt-get install postgresql) or set DATABASE_URL to a running server"
  echo "$best"
}

# as_owner runs a command as the cluster's user: postgres when we are root.
as_owner() {
  if [ "$uid" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# answers HOST PORT | answers -d URL: whether a PostgreSQL server accepts connections.
answers() {
  if command -v pg_isready >/dev/null; then
    pg_isready -q -t 3 "$@"
    return
  fi
  local b
  b="$(find_bindir 2>/dev/null)" && [ -x "$b/pg_isready" ] && "$b/pg_isready" -q -t 3 "$@"
}

running() {
  [ -f "$data/PG_VERSION" ] && as_owner "$(find_bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

stop() {
  if [ -f "$data/PG_VERSION" ] && running; then
    as_owner "$(find_bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    say "stopped the throwaway cluster in $data"
  else
    say "no throwaway cluster runs in $data"
  fi
}

start() {
  # A configured server wins: use it when it answers, and say so when it does not.
  local configured="${SCHEDULER_DATABASE_URL:-${DATABASE_URL:-}}"
  if [ -z "${VIGIL_DEV_PG_FORCE:-}" ]; then
    if [ -n "$configured" ]; then
      answers -d "$configured" && exit 0
      die "the configured database (SCHEDULER_DATABASE_URL / DATABASE_URL) does not answer: start that server, or unset the variable to get a throwaway cluster"
    fi
    answers -h localhost -p 5432 && exit 0 # the dev default postgres://localhost:5432/vigil works
  fi

  local bindir
  bindir="$(find_bindir)"
  if [ "$uid" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs a postgres user for initdb (it refuses root); create one or run as a normal user"
    command -v runuser >/dev/null || die "running as root needs runuser (util-linux) to run initdb as postgres"
  fi

  if ! running; then
    if answers -h 127.0.0.1 -p "$port"; then
      die "port $port already has a PostgreSQL that is not this checkout's throwaway cluster: set VIGIL_DEV_PG_PORT to a free port"
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
      say "creating a throwaway cluster in $data (port $port)"
      local parent
      parent="$(dirname "$data")"
      mkdir -p "$parent" || die "cannot create $parent"
      if [ -e "$data" ] && [ -n "$(ls -A "$data" 2>/dev/null)" ]; then
        die "$data exists and is not a PostgreSQL data directory: remove it or set VIGIL_DEV_PG_DIR"
      fi
      [ -d "$data" ] || mkdir -m 0700 "$data" || die "cannot create $data"
      if [ "$uid" = 0 ]; then
        chown postgres: "$data" || die "cannot give $data to the postgres user"
        as_owner test -w "$data" -a -x "$data" ||
          die "the postgres user cannot reach $data (a parent directory is private to root): set VIGIL_DEV_PG_DIR to a directory it can reach"
      fi
      local log
      log="$(mktemp)"
      if ! as_owner "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-instructions >"$log" 2>&1; then
        local why
        why="$(grep -m1 -i 'error' "$log" || tail -1 "$log")"
        rm -f "$log"
        die "initdb failed in $data: $why"
      fi
      rm -f "$log"
    fi
    say "starting the throwaway cluster in $data on 127.0.0.1:$port (stop: scripts/dev-postgres.sh stop)"
    # TCP on loopback only; no Unix socket, so no socket directory to own.
    if ! as_owner "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=" start >/dev/null 2>&1; then
      die "the throwaway cluster did not start: see $data/server.log ($(tail -1 "$data/server.log" 2>/dev/null))"
    fi
  fi

  local psql="$bindir/psql"
  [ -x "$psql" ] || psql="psql"
  if ! "$psql" -X -qAt -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "SELECT 1 FROM pg_database WHERE datname = 'vigil'" 2>/dev/null | grep -q 1; then
    "$psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE vigil" >/dev/null ||
      die "cannot create the vigil database on 127.0.0.1:$port"
  fi
  echo "$url"
}

case "$action" in
start) start ;;
stop) stop ;;
destroy)
  stop
  if [ -e "$data" ]; then
    rm -rf "$data"
    say "deleted $data"
  fi
  ;;
status)
  if running; then
    say "the throwaway cluster runs in $data on 127.0.0.1:$port: $url"
  elif [ -f "$data/PG_VERSION" ]; then
    say "the throwaway cluster in $data is stopped (start: scripts/dev-postgres.sh)"
  else
    say "this checkout has no throwaway cluster (it would live in $data)"
  fi
  ;;
*) die "unknown action $action: want start, stop, destroy or status" ;;
esac
