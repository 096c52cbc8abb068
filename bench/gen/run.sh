#!/usr/bin/env bash
# Generating a city: `civicgrid demo --cases N` (default 1,000,000) into
# a fresh database, timed, with the phases the command reports and, when
# perf can record, where the processor time went by library.  Writes
# bench/results/generation.md (generation-N.md for another N).
#
#   bench/gen/run.sh                      (make bench-gen runs it)
#   BENCH_CASES=100000 bench/gen/run.sh   a smaller city
#   BENCH_PROFILE=0                       no perf profile
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
n=${BENCH_CASES:-1000000}
profile=${BENCH_PROFILE:-1}
out=bench/results/generation.md
[ "$n" = 1000000 ] || out=bench/results/generation-$n.md
tmp=$(mktemp -d /tmp/civicgrid-gen.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rec=()
# perf may be there and still not allowed to record (a container, a
# strict perf_event_paranoid): then the run goes on without it.
if [ "$profile" = 1 ] && command -v perf >/dev/null &&
    perf record -q -o "$tmp/probe.data" -- true >/dev/null 2>&1; then
    rec=(perf record -F 199 -o "$tmp/perf.data" --)
fi
/usr/bin/time -f "%e %U %S %M" -o "$tmp/time" \
    "${rec[@]}" ./civicgrid demo --db "$tmp/db" --blob-dir "$tmp/blobs" \
    --cases "$n" >"$tmp/demo.log" 2>"$tmp/demo.err" ||
    { tail -20 "$tmp/demo.log" "$tmp/demo.err" >&2; exit 1; }
read -r wall user sys rss <"$tmp/time"
gen_line=$(grep '^generated' "$tmp/demo.log" || true)
phases=$(grep '^ *of which' "$tmp/demo.log" | sed 's/^ *//' || true)
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)

{
    echo "# Generating a city of $n cases"
    echo
    echo "Measured by \`bench/gen/run.sh\` (\`make bench-gen\`) on" \
        "$(date -u +%Y-%m-%d): ${cpu:-unknown processor}, $(nproc) cores," \
        "SQLite $(sqlite3 --version | cut -d' ' -f1)." \
        "Load average before: $load_before."
    echo
    echo "\`civicgrid demo --cases $n\` into a new database" \
        "$([ ${#rec[@]} -gt 0 ] && echo "(under \`perf record\`, which" \
            "costs a few per cent)"):"
    echo
    echo "| wall | user | system | peak memory | database |"
    echo "|---|---|---|---|---|"
    echo "| ${wall} s | ${user} s | ${sys} s | $((rss / 1024)) MB |" \
        "$(du -m "$tmp/db" | cut -f1) MB |"
    echo
    echo "Target: 1,000,000 cases in under a minute."
    echo
    echo '```'
    echo "$gen_line"
    echo "$phases"
    echo '```'
    echo
    echo "The rows are written by one thread, which adds up each case's share"
    echo "of the statistics as it makes the case (src/cmd/demo_rollup.c)."
    echo "Each text index is filled by a thread of its own, at the lowest"
    echo "priority, as the rows are handed over (src/cmd/demo_side.c). After"
    echo "the last row the load writes the statistics and builds the other"
    echo "indexes while those threads finish, then copies the text indexes in."
    if [ ${#rec[@]} -gt 0 ]; then
        echo
        echo "## Where the processor time went"
        echo
        echo "\`perf record -F 199\` over the whole command: the share of" \
            "samples in each library (the program's own code is" \
            "\`civicgrid\`), then the symbols with at least 1.5 %."
        echo
        echo "| share | object |"
        echo "|---|---|"
        perf report -i "$tmp/perf.data" --no-children --sort dso --stdio \
            2>/dev/null | awk '/^ +[0-9.]+%/ && $1+0 >= 0.5 {
                printf "| %s | %s |\n", $1, $2 }'
        echo
        echo "| self | object | symbol |"
        echo "|---|---|---|"
        perf report -i "$tmp/perf.data" --no-children --sort dso,symbol \
            --stdio 2>/dev/null | awk '/^ +[0-9.]+%/ && $1+0 >= 1.5 {
                sym = ""; for (i = 4; i <= NF; i++) if ($i != "-") sym = sym " " $i
                printf "| %s | %s |%s |\n", $1, $2, sym }'
    fi
} >"$tmp/out.md"
mv "$tmp/out.md" "$out"
echo "generation: ${wall} s wall for $n cases; written to $out"
