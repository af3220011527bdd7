#!/usr/bin/env bash
# Prints a DATABASE_URL for `make run`: the local server at localhost:5432 when
# one answers, otherwise a throwaway cluster started from the PostgreSQL
# binaries on this machine in .data/pg (port 55432). Messages go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

# VIGIL_DEV_PG_FORCE=1 skips the check (to try the throwaway cluster).
if [ -z "${VIGIL_DEV_PG_FORCE:-}" ] && command -v pg_isready >/dev/null && pg_isready -q -h localhost -p 5432; then
  exit 0 # the dev default (postgres://localhost:5432/vigil) works; print nothing
fi

bindir=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir="$d"; done
if [ -z "$bindir" ]; then
  echo "PostgreSQL is not installed: install it (e.g. apt-get install postgresql) or set DATABASE_URL." >&2
  exit 1
fi

data="$PWD/.data/pg"
port=55432
run_as=()
if [ "$(id -u)" = 0 ]; then
  run_as=(runuser -u postgres --) # initdb refuses to run as root
fi
if [ ! -f "$data/PG_VERSION" ]; then
  echo "no PostgreSQL at localhost:5432; creating a throwaway cluster in .data/pg (port $port)" >&2
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown -R postgres "$PWD/.data"
  "${run_as[@]}" "$bindir/initdb" -D "$data" -U postgres -A trust >/dev/null
fi
if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
  echo "starting the throwaway PostgreSQL cluster in .data/pg on port $port" >&2
  "${run_as[@]}" "$bindir/pg_ctl" -D "$data" -o "-p $port -k /tmp" -l "$data/server.log" -w start >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$port/vigil?sslmode=disable"
