#!/usr/bin/env bash
# A fuzzing campaign: run each libFuzzer target for a number of
# executions on a corpus that persists between campaigns, then replay
# that corpus through the target's coverage build and report the line
# coverage of the parsers it links (every instrumented file but the
# target's own).  One line per target:
#
#   NAME: N executions, no finding; corpus M inputs; line coverage FILE X% (c/t) ...
#
# A finding (libFuzzer's exit status, 77 included) is kept under
# CORPUS_ROOT/findings/ and fails the campaign.
#
# Usage: fuzz-campaign.sh BUILDDIR SEEDS_ROOT CORPUS_ROOT RUNS [NAME...]
#   NAME is a target without its "fuzz" suffix (default: every target).
set -euo pipefail

builddir=$(realpath "$1")
seeds_root=$(realpath "$2")
corpus_root=$3
runs=$4
shift 4

profdata=$(command -v llvm-profdata-14 || command -v llvm-profdata || true)
cov=$(command -v llvm-cov-14 || command -v llvm-cov || true)
[ -n "$profdata" ] && [ -n "$cov" ] ||
    { echo "fuzz-campaign: llvm-profdata and llvm-cov are needed (Debian: llvm-14)" >&2; exit 1; }

mkdir -p "$corpus_root/findings"
corpus_root=$(realpath "$corpus_root")

names=("$@")
if [ ${#names[@]} = 0 ]; then
    for seed in "$seeds_root"/*/; do
        names+=("$(basename "$seed")")
    done
fi

# The line coverage of every instrumented file but the fuzz target's own
coverage() {
    local name=$1 corpus=$2 work=$3
    local bin=$builddir/${name}fuzz-cov

    LLVM_PROFILE_FILE=$work/cov.profraw "$bin" -runs=0 "$corpus" > "$work/cov.log" 2>&1 ||
        { tail -5 "$work/cov.log" >&2; return 1; }
    "$profdata" merge -sparse "$work/cov.profraw" -o "$work/cov.profdata"
    "$cov" report "$bin" -instr-profile="$work/cov.profdata" 2>/dev/null |
        awk '$1 ~ /\.c$/ && $1 !~ /tests\/fuzz\// {
                 # Filename Regions Missed Cover Functions Missed Cover Lines Missed Cover ...
                 n = split($1, p, "/")
                 printf "%s %s (%d/%d) ", p[n], $10, $8 - $9, $8
             }'
}

status=0
for name in "${names[@]}"; do
    fuzzer=$builddir/${name}fuzz
    corpus=$corpus_root/$name
    work=$(mktemp -d /tmp/fuzz-campaign.XXXXXX)
    mkdir -p "$corpus"
    cp -n "$seeds_root/$name"/* "$corpus/" 2>/dev/null || true

    rc=0
    (cd "$work" && "$fuzzer" -runs="$runs" -print_final_stats=1 -rss_limit_mb=2048 \
        -max_len=8192 "$corpus" > "$work/log" 2>&1) || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
    if [ "$rc" != 0 ]; then
        cp "$work"/crash-* "$work"/leak-* "$work"/oom-* "$work"/timeout-* \
            "$corpus_root/findings/" 2>/dev/null || true
        grep -m1 -A20 "ERROR\|runtime error\|deadly signal" "$work/log" || tail -20 "$work/log"
        echo "$name: FINDING after ${execs:-?} executions (exit status $rc), kept in $corpus_root/findings"
        status=1
    elif ! [[ "${execs:-}" =~ ^[0-9]+$ ]] || [ "$execs" -lt "$runs" ]; then
        tail -20 "$work/log"
        echo "$name: FAILED: ${execs:-no count of} executions, $runs asked"
        status=1
    elif ! cov=$(coverage "$name" "$corpus" "$work"); then
        echo "$name: FAILED: the corpus did not replay through ${name}fuzz-cov"
        status=1
    else
        echo "$name: $execs executions, no finding; corpus $(ls "$corpus" | wc -l) inputs;" \
             "line coverage $cov"
    fi
    rm -rf "$work"
done
exit $status
