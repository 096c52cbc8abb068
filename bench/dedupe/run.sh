#!/bin/sh
# Measures the duplicate suggestion shown before a report is sent on the
# US 311 exports: precision and recall against the requests each city
# closed as duplicates, and against duplicates by construction (same type
# within 250 m and 7 days).  Writes bench/results/dedupe.md.
#
#   bench/dedupe/run.sh              from the repository root or anywhere
#   DATA=/path/to/data bench/dedupe/run.sh
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/bench/results/dedupe.md"
data=${DATA:-$root/../shared/data}
dir="$data/311"

mkdir -p "$root/bench/results"
if [ ! -d "$dir" ]; then
    echo "bench/dedupe: $dir is absent; skipping (set DATA to the folder" \
         "of the shared data)" >&2
    {
        echo "# Duplicate suggestion on US 311 exports"
        echo
        echo "Not measured: the shared data folder ($dir) was absent when"
        echo "bench/dedupe/run.sh ran."
    } >"$out"
    exit 0
fi

make -C "$root" --no-print-directory civicgrid >/dev/null
bin="$root/civicgrid"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Runs one export; its figures go to $tmp/<format>.md, a summary line to
# $tmp/summary.
one() {
    f="$dir/$2"
    if [ ! -f "$f" ]; then
        echo "| $1 | $2 absent | | | | | |" >>"$tmp/summary"
        return
    fi
    "$bin" dedupe-eval --format "$1" "$f" | sed "s|$dir/||" >"$tmp/$1.md"
    p=$(sed -n 's/^precision: \(.*\)$/\1/p' "$tmp/$1.md")
    r=$(sed -n 's/^recall: \(.*\)$/\1/p' "$tmp/$1.md")
    c=$(sed -n 's/^counts: \(.*\)$/\1/p' "$tmp/$1.md")
    echo "| $1 | $2 | $p | $r | $c |" >>"$tmp/summary"
}

: >"$tmp/summary"
one nyc nyc311-924.csv
one sf sf311-4984.csv
one boston boston311-100.csv

{
    echo "# Duplicate suggestion on US 311 exports"
    echo
    echo "Written by \`bench/dedupe/run.sh\` on $(date -u +%Y-%m-%d) with"
    echo "\`civicgrid dedupe-eval --format nyc|sf|boston FILE.csv\`."
    echo
    echo "The suggestion is the one the report page shows: an earlier"
    echo "request of the same type within 250 m and 7 days whose descriptor"
    echo "reads alike (Dice coefficient of character bigrams at least 0.2,"
    echo "or within 50 m whatever the words).  The truth is independent of"
    echo "it: the requests the city itself closed as duplicates."
    echo
    echo "| city | file | precision | recall | counts (default threshold) |"
    echo "|---|---|---|---|---|"
    cat "$tmp/summary"
    echo
    echo "How to read these figures:"
    echo
    echo "- The exports are small samples.  A request flagged as a duplicate"
    echo "  can only be found when its original is in the same file; the row"
    echo "  \"type, place and time only\" is the ceiling of recall for any"
    echo "  suggestion of this shape on that file.  In the San Francisco"
    echo "  sample (4,984 requests spread over 2008-2016) the original is"
    echo "  almost never there, so recall says little about the scorer."
    echo "- A \"false positive\" is an earlier nearby request of the same type"
    echo "  that the city did not close as a duplicate: cities flag few of"
    echo "  them, so precision against the flag is a lower bound."
    echo "- New York's hour of requests (mostly police noise complaints) has"
    echo "  no duplicate closure at all: precision and recall are undefined"
    echo "  there; only the table by construction applies."
    echo "- Against duplicates by construction, precision is 1 by definition"
    echo "  (the truth shares type, place and time with the suggestion); the"
    echo "  recall shows how many the text test drops."
    for fmt in nyc sf boston; do
        [ -f "$tmp/$fmt.md" ] || continue
        echo
        sed '/^precision: /,$d' "$tmp/$fmt.md"
    done
} >"$out"
echo "bench/dedupe: wrote $out"
