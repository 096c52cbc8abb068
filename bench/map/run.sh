#!/usr/bin/env bash
# The one map over 1,000,000 cases: how long the city-wide map query takes
# through the HTTP API.  Writes bench/results/map.md.
#
#   bench/map/run.sh [N]        (after make; N defaults to 1000000)
#
# The cases are a benchmark fixture, not history: they are written straight
# into the cases table with one INSERT ... SELECT (a state mix, deadlines,
# categories and positions spread over the demo's unit grids) instead of
# going through casework, which would take hours for a million cases and
# is measured elsewhere (bench/import-year.sh).  No events are written, so
# the figures of /api/v1/stats mean nothing on this database.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x ./civicgrid ] || { echo "build first: make" >&2; exit 1; }
n=${1:-1000000}
runs=7
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
out=bench/results/map.md
mkdir -p bench/results

./civicgrid demo --db "$tmp/db" --blob-dir "$tmp/b" --shared-data /nonexistent \
    >/dev/null 2>&1
t0=$(date +%s.%N)
sqlite3 "$tmp/db" <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
-- The short-word search index needs the server's own tokenizer, which this
-- tool lacks; the map does not search, so its triggers go.
DROP TRIGGER IF EXISTS cases_grams_ai;
DROP TRIGGER IF EXISTS cases_grams_ad;
DROP TRIGGER IF EXISTS cases_grams_au;
CREATE TEMP TABLE g AS SELECT row_number() OVER (ORDER BY code) - 1 AS i,
  code, path, min_lon, min_lat, max_lon - min_lon AS w, max_lat - min_lat AS h
  FROM areas WHERE level = 4 AND geometry IS NOT NULL;
CREATE TEMP TABLE k AS SELECT row_number() OVER (ORDER BY code) - 1 AS i, code
  FROM categories WHERE parent IS NOT NULL;
BEGIN;
-- The random numbers are made inside the recursion, so each row draws them
-- once (a plain CTE column would be drawn again at every use).
WITH RECURSIVE r(x, a, b, c) AS (
  SELECT 1, abs(random()), abs(random()), abs(random())
  UNION ALL
  SELECT x + 1, abs(random()), abs(random()), abs(random()) FROM r WHERE x < $n)
INSERT INTO cases (city_code, description, category_code, area_code,
  area_path, lon, lat, level, channel, state, reported_at, due_at,
  closed_at, updated_at)
SELECT '150100', '基准', k.code, g.code, g.path,
  g.min_lon + g.w * ((r.b % 1000) / 1000.0),
  g.min_lat + g.h * ((r.c % 1000) / 1000.0),
  CASE r.a % 20 WHEN 0 THEN 'emergency' WHEN 1 THEN 'utility'
    WHEN 2 THEN 'complex' ELSE 'general' END,
  'web',
  CASE WHEN r.a % 100 < 60 THEN 'closed'
       WHEN r.a % 100 < 64 THEN 'rejected'
       WHEN r.a % 100 < 67 THEN 'withdrawn'
       WHEN r.a % 100 < 75 THEN 'submitted'
       WHEN r.a % 100 < 85 THEN 'dispatched'
       ELSE 'handling' END,
  1700000000 + (r.x * 97) % 63000000,
  1700000000 + (r.x * 97) % 63000000 + 7 * 86400,
  CASE WHEN r.a % 100 < 60 THEN 1700000000 + (r.x * 97) % 63000000 + 86400 END,
  1700000000 + (r.x * 97) % 63000000
FROM r JOIN g ON g.i = r.a % (SELECT COUNT(*) FROM g)
       JOIN k ON k.i = r.b % (SELECT COUNT(*) FROM k);
-- Nor does it need these cases in the text indexes: they are marked as
-- done, so that the server does not spend the measurement adding them.
UPDATE search_indexed SET upto = (SELECT MAX(id) FROM cases);
COMMIT;
SQL
t1=$(date +%s.%N)
total=$(sqlite3 "$tmp/db" "SELECT COUNT(*) FROM cases")
gen=$(echo "$t1 - $t0" | bc)

port=$((20000 + RANDOM % 20000))
./civicgrid serve --db "$tmp/db" --blob-dir "$tmp/b" --listen "127.0.0.1:$port" \
    >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
done
base="http://127.0.0.1:$port"
token=$(curl -sf -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"civicgrid-demo"}' \
    "$base/api/v1/session" | sed 's/.*"token":"\([^"]*\)".*/\1/')

# One timed GET: prints seconds.
get() {
    curl -sf -o "$tmp/answer" -w '%{time_total}\n' \
        -H "Authorization: Bearer $token" "$base$1"
}
# Median of $runs timed GETs, in milliseconds.
median_ms() {
    for _ in $(seq $runs); do get "$1"; done | sort -n |
        awk '{a[NR] = $1} END {printf "%.1f", a[int((NR + 1) / 2)] * 1000}'
}

city="111.30,40.55,112.10,41.05"
first=$(get "/api/v1/map?bbox=$city&zoom=10" | awk '{printf "%.0f", $1 * 1000}')
rows=""
for z in 10 11 12 13; do
    ms=$(median_ms "/api/v1/map?bbox=$city&zoom=$z")
    cl=$(grep -o '"count"' "$tmp/answer" | wc -l)
    tot=$(grep -o '"total":[0-9]*' "$tmp/answer" | cut -d: -f2)
    bytes=$(wc -c <"$tmp/answer")
    rows="$rows| clusters, city-wide, zoom $z | $ms | $cl clusters, $tot cases, $bytes bytes |
"
done
ms=$(median_ms "/api/v1/map?bbox=$city&zoom=11&state=overdue&category=06")
tot=$(grep -o '"total":[0-9]*' "$tmp/answer" | cut -d: -f2)
rows="$rows| clusters, city-wide, zoom 11, overdue in big class 06 | $ms | $tot cases |
"
ms=$(median_ms "/api/v1/map?bbox=111.64,40.80,111.66,40.82&zoom=16")
tot=$(grep -o '"total":[0-9]*' "$tmp/answer" | cut -d: -f2)
rows="$rows| cases, one street's view, zoom 16 (at most 2,000) | $ms | $tot cases in view |
"
ms=$(median_ms "/api/v1/map/areas?level=grid")
rows="$rows| area shading, every grid (closure rate, overdue) | $ms | $(grep -o '"code"' "$tmp/answer" | wc -l) grids |
"
ms=$(median_ms "/api/v1/map/areas?level=district")
rows="$rows| area shading, districts | $ms | |
"
rss=$(awk '/VmRSS/ {print $2 / 1024 " MiB"}' "/proc/$pid/status")

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
    echo "# The one map over $(printf "%'d" "$total") cases"
    echo
    echo "Measured by \`bench/map/run.sh\` on $(date -u +%Y-%m-%d): $cpu," \
         "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM," \
         "SQLite $(sqlite3 --version | cut -d' ' -f1)."
    echo
    echo "Fixture: $(printf "%'d" "$n") cases written straight into the" \
         "cases table in ${gen%.*} s (a benchmark fixture, not history:" \
         "no events), spread over the demo's unit grids: 60% closed, 4%" \
         "rejected, 3% withdrawn, the rest open, many of them overdue."
    echo
    echo "Each figure is the median of $runs requests through the HTTP API" \
         "(curl time_total, loopback, signed in as the city administrator)," \
         "after a first request that reads the cases into memory."
    echo
    echo "| query | median ms | answer |"
    echo "|---|---|---|"
    printf '%s' "$rows"
    echo
    echo "The first map request after a start reads every case into the" \
         "map's copy: ${first} ms. Server memory after the runs: $rss" \
         "(resident)."
    echo
    echo "Target: the city-wide map query under 100 ms."
} >"$out"
cat "$out"
