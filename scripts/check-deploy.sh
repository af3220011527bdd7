#!/usr/bin/env bash
# Checks the deployment files and the dev database path (CI runs it from .ci/run):
#   1. systemd units: systemd-analyze verify, an exposure ceiling from
#      systemd-analyze security, and the sysusers.d file
#   2. deploy/docker-compose.yml validates (docker compose, else Debian's docker-compose)
#      and the Dockerfile names files that exist
#   3. vigil validate-config on config/scheduler/scheduler.json, alone and with the
#      active lines of vigil.env.example
#   4. scripts/dev-postgres.sh: a throwaway cluster on a spare port, vigil migrate up
#      and test-db against it, stop; and make run stops when no cluster can be made
#   5. deploy/prometheus: promtool check rules and the rules' unit tests
# Installs what it needs from Debian's packages only when missing (needs root then).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS

step() { echo "== check-deploy [$((SECONDS - start)) s]: $*"; }
fail() {
  echo "check-deploy: FAIL: $*" >&2
  exit 1
}

apt_install() { # apt_install PACKAGE...: install Debian packages once
  [ "$(id -u)" = 0 ] || fail "missing $*: install it (apt-get install $*)"
  if [ -z "${apt_updated:-}" ]; then
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

tmp="$(mktemp -d)"
pgdir=""
pgport=""
cleanup() {
  if [ -n "$pgdir" ]; then
    VIGIL_DEV_PG_DIR="$pgdir" VIGIL_DEV_PG_PORT="$pgport" ./scripts/dev-postgres.sh destroy >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

step "build bin/vigil"
go build -o bin/vigil ./cmd/vigil
vigil="$PWD/bin/vigil"

# --- 1. systemd ---------------------------------------------------------------
command -v systemd-analyze >/dev/null || apt_install systemd
step "systemd-analyze verify deploy/systemd"
units=(deploy/systemd/*.service deploy/systemd/vigil.target)
mkdir -p "$tmp/units"
cp "${units[@]}" "$tmp/units/"
# verify checks that ExecStart= exists: point it at the binary just built.
sed -i "s#/usr/local/bin/vigil#$vigil#g" "$tmp/units/"*.service
out="$(systemd-analyze verify "$tmp/units/"* 2>&1)" || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify printed warnings: $out"
for u in "$tmp/units/"*.service; do
  grep -q '^ExecStart=' "$u" || fail "$(basename "$u") has no ExecStart="
  grep -q '^ExecReload=' "$u" && fail "$(basename "$u") has ExecReload=, but vigil does not handle SIGHUP"
  for want in Restart=on-failure EnvironmentFile=/etc/vigil/vigil.env User=vigil NoNewPrivileges=yes ProtectSystem=strict; do
    grep -q "^$want" "$u" || fail "$(basename "$u") lacks $want"
  done
done
# Exposure 0-10 as systemd-analyze prints it; --threshold is in tenths.
systemd-analyze security --offline=true --threshold=20 "$tmp/units/"*.service 2>&1 |
  grep 'Overall exposure' | sed 's/^/  /' || true
systemd-analyze security --offline=true --threshold=20 "$tmp/units/"*.service >/dev/null 2>&1 ||
  fail "a unit's exposure level is above 2.0 (systemd-analyze security --offline=true deploy/systemd/*.service)"
mkdir -p "$tmp/sysroot/etc"
systemd-sysusers --root="$tmp/sysroot" "$PWD/deploy/systemd/vigil.sysusers.conf" >/dev/null 2>&1 ||
  fail "systemd-sysusers rejects deploy/systemd/vigil.sysusers.conf"
grep -q '^vigil:' "$tmp/sysroot/etc/passwd" || fail "vigil.sysusers.conf does not create the vigil user"

# --- 2. docker ------------------------------------------------------------------
step "validate deploy/docker-compose.yml"
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  command -v docker-compose >/dev/null || apt_install docker-compose
  compose=(docker-compose)
fi
"${compose[@]}" -f deploy/docker-compose.yml config -q || fail "deploy/docker-compose.yml does not validate"
"${compose[@]}" -f deploy/docker-compose.yml --profile telegram config --services | sort >"$tmp/services"
printf '%s\n' api migrate postgres scheduler telegram tradingbot worker | diff -u - "$tmp/services" >/dev/null ||
  fail "docker-compose.yml services are $(tr '\n' ' ' <"$tmp/services"); want api migrate postgres scheduler telegram tradingbot worker"
step "Dockerfile"
gomod="$(sed -n 's/^go \([0-9]*\.[0-9]*\).*/\1/p' go.mod)"
grep -q "^FROM golang:$gomod AS build" Dockerfile || fail "Dockerfile should build FROM golang:$gomod (go.mod)"
grep -q 'CGO_ENABLED=0' Dockerfile || fail "Dockerfile does not build a static binary"
grep -q '^USER 65532' Dockerfile || fail "Dockerfile's final stage does not run as non-root"
while read -r src; do
  [ -e "$src" ] || fail "Dockerfile copies $src, which does not exist"
done < <(awk '$1 == "COPY" && $2 !~ /^--from/ { for (i = 2; i < NF; i++) print $i }' Dockerfile)

# --- 3. configuration -----------------------------------------------------------
step "vigil validate-config --config config/scheduler/scheduler.json"
env -u SCHEDULER_DATABASE_URL -u DATABASE_URL "$vigil" validate-config --config config/scheduler/scheduler.json
envs=()
while IFS= read -r line; do envs+=("$line"); done < <(grep -E '^[A-Z][A-Z0-9_]*=' deploy/systemd/vigil.env.example)
env "${envs[@]}" "$vigil" validate-config --config config/scheduler/scheduler.json >/dev/null ||
  fail "vigil.env.example's active lines do not validate"

# --- 4. dev-postgres ------------------------------------------------------------
step "scripts/dev-postgres.sh: a throwaway cluster on a spare port"
for p in $(seq 55440 55499); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    pgport=$p
    break
  fi
done
[ -n "$pgport" ] || fail "no free port in 55440-55499"
pgdir="/var/tmp/vigil-check-deploy-pg-$$"
[ "$(id -u)" = 0 ] || pgdir="$tmp/pg"
export VIGIL_DEV_PG_DIR="$pgdir" VIGIL_DEV_PG_PORT="$pgport"
url="$(VIGIL_DEV_PG_FORCE=1 ./scripts/dev-postgres.sh)" || fail "dev-postgres.sh could not start a cluster"
[ "$url" = "postgres://postgres@127.0.0.1:$pgport/vigil?sslmode=disable" ] || fail "dev-postgres.sh printed $url"
"$vigil" migrate up --database-url "$url" >/dev/null 2>&1 || fail "vigil migrate up against $url"
"$vigil" test-db --database-url "$url" | tail -1
again="$(VIGIL_DEV_PG_FORCE=1 ./scripts/dev-postgres.sh 2>/dev/null)"
[ "$again" = "$url" ] || fail "a second dev-postgres.sh start printed $again"
./scripts/dev-postgres.sh stop
pg_isready -q -h 127.0.0.1 -p "$pgport" && fail "the cluster still answers after stop"
./scripts/dev-postgres.sh destroy
[ ! -e "$pgdir" ] || fail "destroy left $pgdir"
pgdir=""
unset VIGIL_DEV_PG_DIR VIGIL_DEV_PG_PORT

# As a normal user (nobody), from a checkout private to that user.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  step "scripts/dev-postgres.sh as a normal user"
  mkdir -p "$tmp/nobody/home" "$tmp/nobody/checkout/scripts"
  cp scripts/dev-postgres.sh "$tmp/nobody/checkout/scripts/"
  chmod 0755 "$tmp"
  chown -R nobody: "$tmp/nobody"
  chmod 0700 "$tmp/nobody/checkout"
  as_nobody() { runuser -u nobody -- env HOME="$tmp/nobody/home" VIGIL_DEV_PG_PORT="$pgport" bash "$tmp/nobody/checkout/scripts/dev-postgres.sh" "$@"; }
  url="$(VIGIL_DEV_PG_FORCE=1 as_nobody 2>/dev/null)" || fail "dev-postgres.sh as nobody could not start a cluster"
  [ "$(psql -X -Atc 'SELECT current_database()' "$url")" = vigil ] || fail "nobody's cluster has no vigil database"
  ls -d "$tmp"/nobody/home/.local/share/vigil/dev-pg-* >/dev/null || fail "nobody's cluster is not under ~/.local/share/vigil"
  as_nobody destroy 2>/dev/null
  pg_isready -q -h 127.0.0.1 -p "$pgport" && fail "nobody's cluster still answers after destroy"
fi

step "make run stops when no cluster can be made"
set +e
out="$(VIGIL_DEV_PG_FORCE=1 VIGIL_DEV_PG_BINDIR=/nonexistent timeout 120 make --no-print-directory run 2>&1)"
rc=$?
set -e
{ [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; } && fail "make run exited $rc without a database (want a failure)"
grep -q 'dev-postgres: no initdb and pg_ctl' <<<"$out" || fail "make run did not say why: $out"
grep -q 'vigil is up' <<<"$out" && fail "make run started vigil without a database"
set +e
out="$(DATABASE_URL="postgres://127.0.0.1:1/vigil" timeout 120 make --no-print-directory run 2>&1)"
rc=$?
set -e
{ [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; } && fail "make run exited $rc with a dead DATABASE_URL (want a failure)"
grep -q 'does not answer' <<<"$out" || fail "make run did not say the configured database is down: $out"

# --- 5. Prometheus rules ------------------------------------------------------
# promtool from Debian's prometheus package, unpacked (the daemon is not installed).
step "promtool check rules / test rules deploy/prometheus"
promtool="$(command -v promtool || true)"
if [ -z "$promtool" ]; then
  [ "$(id -u)" = 0 ] || fail "missing promtool: install it (apt-get install prometheus)"
  [ -n "${apt_updated:-}" ] || { apt-get update -qq >/dev/null; apt_updated=1; }
  (cd "$tmp" && apt-get download -qq prometheus >/dev/null 2>&1) || fail "apt-get download prometheus"
  dpkg -x "$tmp"/prometheus_*.deb "$tmp/prometheus"
  promtool="$tmp/prometheus/usr/bin/promtool"
fi
"$promtool" check rules deploy/prometheus/vigil-alerts.yml >/dev/null || fail "promtool check rules deploy/prometheus/vigil-alerts.yml"
"$promtool" test rules deploy/prometheus/vigil-alerts.test.yml >/dev/null || fail "promtool test rules deploy/prometheus/vigil-alerts.test.yml"
PATH="$(dirname "$promtool"):$PATH" go test -count=1 -run TestAlertingRules ./metrics >/dev/null ||
  fail "go test -run TestAlertingRules ./metrics (the metrics the rules read)"

echo "check-deploy: ok ($((SECONDS - start)) s)"
