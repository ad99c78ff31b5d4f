#!/usr/bin/env bash
# Run a libFuzzer target for a while on a copy of its seed corpus and say
# how many inputs it executed; fails when the fuzzer finds a crash.
# libFuzzer reports a finding with exit status 77, which test harnesses
# read as "skipped": any non-zero status becomes 1 here.  A run whose
# final stats give no count of executed inputs, or a count of 0, fails
# too: it fuzzed nothing.
#
# Usage: fuzz-run.sh FUZZER SEED_CORPUS_DIR SECONDS
set -euo pipefail

fuzzer=$(realpath "$1")
seeds=$(realpath "$2")
seconds=$3
work=$(mktemp -d /tmp/fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/corpus"
cp "$seeds"/* "$work/corpus/"
cd "$work"
status=0
"$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 \
    "$work/corpus" > "$work/log" 2>&1 || status=$?
name=$(basename "$fuzzer")
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
echo "$name: ${runs:-no count of} executions in ${seconds} s, exit status $status"
if [ "$status" != 0 ]; then
    grep -A30 -m1 "ERROR\|==ERROR\|runtime error\|deadly signal" "$work/log" || tail -30 "$work/log"
    # the inputs it saved, if any: none is no reason to stop before the verdict
    { ls "$work"/crash-* "$work"/leak-* "$work"/oom-* "$work"/timeout-* 2>/dev/null || true; } | head -3
    echo "$name: FINDING (libFuzzer exit status $status)"
    exit 1
fi
if ! [[ "$runs" =~ ^[0-9]+$ ]]; then
    tail -30 "$work/log"
    echo "$name: FAILED: no count of executed inputs in its final stats"
    exit 1
fi
if [ "$runs" -eq 0 ]; then
    tail -30 "$work/log"
    echo "$name: FAILED: it executed no inputs"
    exit 1
fi
exit 0
