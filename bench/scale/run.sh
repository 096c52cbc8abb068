#!/usr/bin/env bash
# The same scenarios on SQLite and on PostgreSQL, with one server and with
# two behind nginx, on one city of BENCH_CASES cases (default 1,000,000),
# side by side in one run; writes the table to docs/benchmarks.md.
#
#   bench/scale/run.sh                     (make bench-scale)
#   BENCH_CASES=100000 bench/scale/run.sh  a smaller city
#   BENCH_DURATION=10s BENCH_CONNECTIONS=16 BENCH_THREADS=2
#
# The city is generated once with `civicgrid demo --cases N` (cached under
# bench/.cache/ as bench/http/run.sh caches it), then copied into a private
# PostgreSQL cluster on loopback with `civicgrid migrate --from --to`, which
# also verifies the copy.  Two servers on one database are what a city
# runs: any of them answers any request; nginx spreads the load.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=bench/http
n=${BENCH_CASES:-1000000}
dur=${BENCH_DURATION:-10s}
conns=${BENCH_CONNECTIONS:-16}
threads=${BENCH_THREADS:-2}
out=${BENCH_OUT:-docs/benchmarks.md}

scripts/install-deps.sh bench >/dev/null
make -s civicgrid
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
tmp=$(mktemp -d /tmp/civicgrid-scale-XXXXXX)
chmod 755 "$tmp" # the database cluster runs as another user
pids=()
pgdir=$tmp/pg
cleanup() {
    for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    scripts/pg-cluster.sh stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# ---- the city, on SQLite and copied into PostgreSQL -------------------------
./civicgrid migrate --db "$tmp/schema.db" >/dev/null 2>&1
schema=$(sqlite3 "$tmp/schema.db" "SELECT MAX(version) FROM schema_version")
gen=$(cat src/cmd/demo*.c src/cmd/demo_city.h | md5sum | cut -c1-10)
cache=bench/.cache/city-$n-v$schema-$gen
if [ ! -f "$cache/db" ]; then
    rm -rf "$cache" && mkdir -p "$cache"
    /usr/bin/time -f "%e %U %S %M" -o "$cache/time" \
        ./civicgrid demo --db "$cache/db" --blob-dir "$cache/blobs" \
        --cases "$n" >"$cache/demo.log" 2>&1 ||
        { tail -20 "$cache/demo.log" >&2; rm -rf "$cache"; exit 1; }
fi
cp "$cache/db" "$tmp/sqlite.db"
cp -r "$cache/blobs" "$tmp/blobs"
# On disk before the server starts, as a database at rest is: left in the
# page cache, the copy is written out by the server's first checkpoint,
# whose sync then holds every commit behind it for seconds.
sync "$tmp/sqlite.db"
sqlite3 "$tmp/sqlite.db" "SELECT code FROM areas WHERE level = 4" >"$tmp/grids"
sqlite3 "$tmp/sqlite.db" "SELECT id FROM cases WHERE state IN ('filed',
    'dispatched', 'handling', 'handled') ORDER BY id DESC LIMIT 5000" \
    >"$tmp/open"
max_id=$(sqlite3 "$tmp/sqlite.db" "SELECT MAX(id) FROM cases")

mkdir -p "$pgdir"
url=$(scripts/pg-cluster.sh start "$pgdir")
psql -q "$url" -c "CREATE DATABASE bench"
pgurl=${url%/*}/bench
t0=$(date +%s.%N)
./civicgrid migrate --from "$tmp/sqlite.db" --to "$pgurl" >"$tmp/copy.log" 2>&1 ||
    { tail -20 "$tmp/copy.log" >&2; exit 1; }
copy_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')
psql -q "$pgurl" -c "ANALYZE" >/dev/null
echo "bench/scale: $n cases; copied into PostgreSQL in ${copy_s} s" >&2

# ---- one configuration: servers, and nginx in front of two ------------------
start_servers() { # DB NODES -> sets base
    local db=$1 nodes=$2 i port ports=()
    for i in $(seq "$nodes"); do
        port=$((20000 + RANDOM % 20000))
        ./civicgrid serve --db "$db" --blob-dir "$tmp/blobs" \
            --listen "127.0.0.1:$port" --per-address 4000 --log-level warn \
            >"$tmp/serve-$port.log" 2>&1 &
        pids+=($!)
        ports+=("$port")
        for _ in $(seq 300); do
            curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
            sleep 0.1
        done
    done
    if [ "$nodes" = 1 ]; then
        base="http://127.0.0.1:${ports[0]}"
        return
    fi
    local np=$((port + 7)) ups=""
    for port in "${ports[@]}"; do ups="$ups server 127.0.0.1:$port;"; done
    mkdir -p "$tmp/nginx-$np"
    cat >"$tmp/nginx-$np/nginx.conf" <<CONF
user root;
daemon off;
worker_processes 1;
pid $tmp/nginx-$np/nginx.pid;
error_log $tmp/nginx-$np/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx-$np/body;
    proxy_temp_path $tmp/nginx-$np/proxy;
    fastcgi_temp_path $tmp/nginx-$np/fastcgi;
    uwsgi_temp_path $tmp/nginx-$np/uwsgi;
    scgi_temp_path $tmp/nginx-$np/scgi;
    upstream civicgrid { $ups keepalive 64; }
    server {
        listen 127.0.0.1:$np;
        location / {
            proxy_pass http://civicgrid;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
CONF
    "$nginx_bin" -c "$tmp/nginx-$np/nginx.conf" -p "$tmp/nginx-$np" &
    pids+=($!)
    base="http://127.0.0.1:$np"
    for _ in $(seq 50); do
        curl -sf "$base/healthz" >/dev/null && break
        sleep 0.1
    done
}

stop_servers() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=()
}

signin() {
    curl -sf -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"civicgrid-demo\"}" \
        "$base/api/v1/session" | sed 's/.*"token":"\([^"]*\)".*/\1/'
}

# wrk SCRIPT ARGS... -> "RATE P50 P99" (ms)
measure() {
    local script=$1 log
    shift
    log=$(mktemp "$tmp/wrk-XXXXXX")
    wrk -t"$threads" -c"$conns" -d"$dur" --timeout 30s --latency \
        -s "$here/$script" "$base" -- "$@" >"$log" 2>&1 || true
    awk 'function ms(v) { if (v ~ /us$/) return v / 1000;
                          if (v ~ /ms$/) return v + 0;
                          if (v ~ /s$/) return v * 1000; return v }
         /^Requests\/sec/ { r = $2 } $1 == "50%" { a = ms($2) }
         $1 == "99%" { b = ms($2) }
         END { printf "%.0f %.1f %.1f\n", r, a, b }' "$log"
}

names=("read one case" "list a queue" "submit a case" "lifecycle action"
       "map, city-wide clusters")
declare -A cell
configs=("SQLite, 1 server" "SQLite, 2 servers" "PostgreSQL, 1 server"
         "PostgreSQL, 2 servers")
for c in "${configs[@]}"; do
    case "$c" in
    SQLite*) db=$tmp/sqlite.db ;;
    *) db=$pgurl ;;
    esac
    nodes=${c#*, }
    nodes=${nodes%% *}
    start_servers "$db" "$nodes"
    admin=$(signin admin)
    dispatcher=$(signin dispatcher)
    supervisor=$(signin supervisor)
    resident=$(signin resident1)
    curl -sf -o /dev/null -H "Authorization: Bearer $admin" \
        "$base/api/v1/map?bbox=111.30,40.55,112.10,41.05&zoom=12" || true
    tag=$(date +%s%N)
    r=()
    r+=("$(measure read_case.lua "$admin" "$max_id")")
    r+=("$(measure get.lua "$dispatcher" \
        "/api/v1/cases?state=dispatched&sort=due&per_page=20")")
    r+=("$(measure submit.lua "$resident" "$tmp/grids" "$tag")")
    r+=("$(measure action.lua "$supervisor" "$tmp/open" "$tag")")
    r+=("$(measure get.lua "$admin" \
        "/api/v1/map?bbox=111.30,40.55,112.10,41.05&zoom=12")")
    for i in "${!names[@]}"; do
        read -r rate p50 p99 <<<"${r[$i]}"
        cell["$c|$i"]="$rate/s, p99 $p99 ms"
        echo "  $c: ${names[$i]}: $rate/s p50 $p50 ms p99 $p99 ms" >&2
    done
    stop_servers
done

cpu=$(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ //')
{
    echo "# Benchmarks: SQLite and PostgreSQL, one server and two"
    echo
    echo "Generated by \`bench/scale/run.sh\` (\`make bench-scale\`) on"
    echo "$(date +%F): $n cases (\`civicgrid demo --cases $n\`), copied"
    echo "into a private PostgreSQL $(psql -At "$url" -c 'SHOW server_version')"
    echo "cluster on loopback in $copy_s s by \`civicgrid migrate --from --to\`"
    echo "(verified table by table). $cpu, $(nproc) CPUs: the servers, the"
    echo "database, nginx and wrk ($threads threads, $conns connections, $dur"
    echo "a scenario) share them. Two servers stand behind nginx, as"
    echo "\`deploy/nginx.conf\` puts them."
    echo
    printf "| scenario |"
    for c in "${configs[@]}"; do printf " %s |" "$c"; done
    printf "\n|---|"
    for c in "${configs[@]}"; do printf -- "---|"; done
    printf "\n"
    for i in "${!names[@]}"; do
        printf "| %s |" "${names[$i]}"
        for c in "${configs[@]}"; do printf " %s |" "${cell[$c|$i]}"; done
        printf "\n"
    done
    echo
    echo "On two cores a second server adds no processor, only a second"
    echo "process to share them: these figures show the cost of the"
    echo "proxy and of sharing one database, and that nothing breaks; the"
    echo "gain of more servers comes with more machines. The single-server"
    echo "scenarios in detail, with profiles, are in"
    echo "\`bench/results/http.md\` (\`make bench\`); the sizing for a city and"
    echo "a country in \`docs/scaling.md\`."
} >"$out"
echo "written to $out" >&2
