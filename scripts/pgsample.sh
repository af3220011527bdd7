#!/bin/bash
# pgsample.sh SECONDS [OUT] [DB_PATTERN]: samples the active statements of the
# databases matching DB_PATTERN (default vigil_bench%) every 20 ms for SECONDS
# with one psql session (\watch), then prints each statement's (sqlc name or
# first 40 characters) and each wait class's share of the samples. A stand-in
# for pg_stat_statements where shared_preload_libraries cannot be changed.
set -euo pipefail
secs=${1:?usage: pgsample.sh SECONDS [OUT] [DB_PATTERN]}
out=${2:-$(mktemp)}
pattern=${3:-vigil_bench%}
url=${PGSAMPLE_URL:-postgres://postgres@127.0.0.1:5432/test}
{
	echo '\pset format unaligned'
	echo '\pset tuples_only on'
	echo "SELECT coalesce(wait_event_type, 'CPU') || '|' || coalesce(wait_event, '-') || '|' ||
		regexp_replace(left(query, 90), '\s+', ' ', 'g') FROM pg_stat_activity
		WHERE datname LIKE '$pattern' AND state = 'active' AND pid <> pg_backend_pid() \watch 0.02"
} | timeout "$secs" psql -q "$url" >"$out" 2>/dev/null || true
echo "samples: $(grep -c . "$out") in $out"
echo "-- by statement"
awk -F'|' 'NF >= 3 { split($3, a, " "); n = (a[1] == "--") ? a[3] : substr($3, 1, 40); c[n]++; t++ }
	END { for (k in c) printf "%6d %5.1f%% %s\n", c[k], 100 * c[k] / t, k }' "$out" | sort -rn | head -20
echo "-- by wait"
awk -F'|' 'NF >= 3 { c[$1]++; t++ } END { for (k in c) printf "%6d %5.1f%% %s\n", c[k], 100 * c[k] / t, k }' "$out" | sort -rn
