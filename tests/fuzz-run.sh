#!/usr/bin/env bash
# Run a libFuzzer target for a while on a copy of its seed corpus and say
# how many inputs it executed; fails when the fuzzer finds a crash.
# libFuzzer reports a finding with exit status 77, which test harnesses
# read as "skipped": any non-zero status becomes 1 here.
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
"$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=512 \
    "$work/corpus" > "$work/log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
echo "$(basename "$fuzzer"): ${runs:-0} executions in ${seconds} s, exit status $status"
if [ "$status" != 0 ]; then
    grep -A30 -m1 "ERROR\|==ERROR\|runtime error\|deadly signal" "$work/log" || tail -30 "$work/log"
    ls "$work"/crash-* "$work"/leak-* "$work"/oom-* "$work"/timeout-* 2>/dev/null | head -3
    echo "$(basename "$fuzzer"): FINDING (libFuzzer exit status $status)"
    exit 1
fi
exit 0
