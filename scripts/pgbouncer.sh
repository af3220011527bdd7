#!/usr/bin/env bash
# A PgBouncer in transaction pooling mode in front of a local PostgreSQL, for
# trying pooled_database_url and `vigil bench --pooler` (docs/operations.md,
# "Scaling out behind PgBouncer"). Debian's pgbouncer package; it refuses to
# run as root, so as root it runs as the postgres user.
#
#   scripts/pgbouncer.sh start   # listens on 127.0.0.1:${PGBOUNCER_PORT:-6432}, every database of ${PG_HOST:-127.0.0.1}:${PG_PORT:-5432}
#   scripts/pgbouncer.sh stop
set -euo pipefail
dir=${PGBOUNCER_DIR:-/var/tmp/vigil-pgbouncer}
port=${PGBOUNCER_PORT:-6432}
bin=${PGBOUNCER:-/usr/sbin/pgbouncer}

case "${1:-}" in
start)
  [ -x "$bin" ] || { echo "pgbouncer: $bin not found (apt-get install pgbouncer)" >&2; exit 1; }
  mkdir -p "$dir"
  printf '"postgres" ""\n"root" ""\n"%s" ""\n' "${USER:-vigil}" >"$dir/users.txt"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=${PG_HOST:-127.0.0.1} port=${PG_PORT:-5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
pool_mode = transaction
default_pool_size = ${PGBOUNCER_POOL_SIZE:-20}
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
server_reset_query =
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
  as=()
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres: "$dir"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin" -d "$dir/pgbouncer.ini"
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "pgbouncer: transaction pooling on 127.0.0.1:$port (log $dir/pgbouncer.log)"
      exit 0
    fi
    sleep 0.1
  done
  echo "pgbouncer: did not start; see $dir/pgbouncer.log" >&2
  exit 1
  ;;
stop)
  if [ -f "$dir/pgbouncer.pid" ]; then
    kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
    rm -f "$dir/pgbouncer.pid"
  fi
  echo "pgbouncer: stopped"
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
