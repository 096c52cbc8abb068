#!/usr/bin/env bash
# `make test`: everything CI runs.
#
#   1. the code's layout (clang-format)
#   2. the C unit tests, built normally and with AddressSanitizer + UBSan,
#      and under valgrind; the fuzz targets' regression inputs and a short
#      run of each (libFuzzer)
#   3. the API suite and the Open311 conformance suite (pytest) against a
#      real server on loopback, built with the sanitizers, so a memory error
#      anywhere in a request fails it
#   4. the same two suites with the server on PostgreSQL: a private cluster
#      on loopback (scripts/pg-cluster.sh), a fresh database per server
#   5. the browser test (chromium driven by playwright-core)
#
# Prints one closing line "N passed, N failed, N skipped" over all tests
# run; the reasons for skips (the real data in ../shared/data absent) are
# printed where they happen.
set -uo pipefail
cd "$(dirname "$0")/.."

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1:allocator_may_return_null=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
log=$(mktemp -d)
passed=0
failed=0
skipped=0
status=0

stage() {
    echo
    echo "==== $1"
}

count() { # file regex -> number from the first capture
    grep -Eo "$2" "$1" | grep -Eo '[0-9]+' | awk '{s+=$1} END {print s+0}'
}

stage "layout (clang-format)"
if make -s format-check >"$log/format" 2>&1; then
    echo "ok"
else
    cat "$log/format" | head -40
    echo "the C sources are not formatted: run 'make format'"
    failed=$((failed + 1)); status=1
fi

for san in 0 1; do
    stage "unit tests (SAN=$san)"
    if ! make -s -j2 SAN=$san all >"$log/build$san" 2>&1; then
        cat "$log/build$san"
        failed=$((failed + 1)); status=1
        continue
    fi
    make -s SAN=$san unit >"$log/unit$san" 2>&1
    rc=$?
    grep -E '^\[  (PASSED|FAILED|SKIPPED)|^== |skipped' "$log/unit$san"
    skipped=$((skipped + $(count "$log/unit$san" '\[  SKIPPED \] [0-9]+')))
    passed=$((passed + $(count "$log/unit$san" '\[  PASSED  \] [0-9]+')))
    failed=$((failed + $(count "$log/unit$san" '\[  FAILED  \] [0-9]+')))
    if [ $rc -ne 0 ]; then
        tail -40 "$log/unit$san"
        [ "$(count "$log/unit$san" '\[  FAILED  \] [0-9]+')" -gt 0 ] ||
            failed=$((failed + 1))
        status=1
    fi
done

stage "unit tests under valgrind (memcheck)"
if make -s valgrind >"$log/valgrind" 2>&1; then
    n=$(grep -c '^== valgrind' "$log/valgrind")
    echo "$n unit test programs clean under valgrind"
    passed=$((passed + n))
else
    tail -60 "$log/valgrind"
    failed=$((failed + 1)); status=1
fi

stage "fuzzing (regression inputs, then a few seconds a target)"
if make -s -j2 fuzz-ci >"$log/fuzz" 2>&1; then
    grep -E 'DONE|regression' "$log/fuzz"
    passed=$((passed + $(grep -c 'DONE' "$log/fuzz")))
else
    tail -80 "$log/fuzz"
    failed=$((failed + 1)); status=1
fi

stage "API tests against build-san/civicgrid (SQLite)"
env -u CIVICGRID_DB_URL CIVICGRID_BIN=build-san/civicgrid /usr/bin/python3 \
    -m pytest tests/api tests/open311 -q -rs -p no:cacheprovider 2>&1 |
    tee "$log/api"
rc=${PIPESTATUS[0]}
passed=$((passed + $(count "$log/api" '[0-9]+ passed')))
failed=$((failed + $(count "$log/api" '[0-9]+ (failed|error)')))
skipped=$((skipped + $(count "$log/api" '[0-9]+ skipped')))
if [ $rc -ne 0 ] && [ $rc -ne 5 ]; then status=1; fi

stage "API tests against build-san/civicgrid (PostgreSQL)"
pgdir=$(mktemp -d)
if pgurl=$(scripts/pg-cluster.sh start "$pgdir"); then
    # An interrupted run must not leave the cluster running.
    trap 'scripts/pg-cluster.sh stop "$pgdir" 2>/dev/null' EXIT
    echo "cluster at $pgurl"
    CIVICGRID_DB_URL=$pgurl CIVICGRID_BIN=build-san/civicgrid \
        /usr/bin/python3 -m pytest tests/api tests/open311 -q -rs \
        -p no:cacheprovider 2>&1 | tee "$log/api-pg"
    rc=${PIPESTATUS[0]}
    passed=$((passed + $(count "$log/api-pg" '[0-9]+ passed')))
    failed=$((failed + $(count "$log/api-pg" '[0-9]+ (failed|error)')))
    skipped=$((skipped + $(count "$log/api-pg" '[0-9]+ skipped')))
    if [ $rc -ne 0 ] && [ $rc -ne 5 ]; then status=1; fi
    trap - EXIT
    scripts/pg-cluster.sh stop "$pgdir"
else
    echo "cannot start a PostgreSQL cluster (Debian package postgresql)"
    rm -rf "$pgdir"
    failed=$((failed + 1)); status=1
fi

stage "browser tests"
if [ -d tests/e2e ] && ls tests/e2e/*.test.mjs >/dev/null 2>&1; then
    CIVICGRID_BIN=build-san/civicgrid node --test tests/e2e/ 2>&1 |
        tee "$log/e2e"
    rc=${PIPESTATUS[0]}
    passed=$((passed + $(count "$log/e2e" '^# pass [0-9]+')))
    failed=$((failed + $(count "$log/e2e" '^# fail [0-9]+')))
    skipped=$((skipped + $(count "$log/e2e" '^# skipped [0-9]+')))
    [ $rc -eq 0 ] || status=1
else
    echo "no browser tests"
fi

rm -rf "$log"
echo
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
