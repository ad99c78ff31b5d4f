#!/usr/bin/env bash
# A fuzzing campaign: run each libFuzzer target toward a number of
# executions on a corpus that persists between campaigns, then replay
# that corpus through the target's coverage build and report the line
# coverage of the parsers it links (every instrumented file but the
# target's own).  One line per target:
#
#   NAME: N executions this run, T of GOAL on this build over R runs, no finding; corpus M inputs; line coverage FILE X% (c/t) ...
#
# A campaign may be spread over several runs (--max-time bounds each):
# every run appends its executions to CORPUS_ROOT/ledger/NAME under the
# checksum of the binaries it ran, so that only runs of the very same
# build add up, and the next run asks for what is still missing.  A
# finding (libFuzzer's exit status, 77 included) is kept under
# CORPUS_ROOT/findings/ and fails the campaign.
#
# Usage: fuzz-campaign.sh BUILDDIR SEEDS_ROOT CORPUS_ROOT GOAL [--max-time SECONDS] [NAME...]
#   NAME is a target without its "fuzz" suffix (default: every target).
set -euo pipefail

builddir=$(realpath "$1")
seeds_root=$(realpath "$2")
corpus_root=$3
goal=$4
shift 4
max_time=0
if [ "${1:-}" = --max-time ]; then
    max_time=${2:?--max-time needs a number of seconds}
    shift 2
fi
[[ "$goal" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz-campaign: the goal '$goal' is not a number of executions" >&2; exit 2; }
[[ "$max_time" =~ ^[0-9]+$ ]] || { echo "fuzz-campaign: --max-time '$max_time' is not a number of seconds" >&2; exit 2; }

profdata=$(command -v llvm-profdata-14 || command -v llvm-profdata || true)
cov=$(command -v llvm-cov-14 || command -v llvm-cov || true)
[ -n "$profdata" ] && [ -n "$cov" ] ||
    { echo "fuzz-campaign: llvm-profdata and llvm-cov are needed (Debian: llvm-14)" >&2; exit 1; }

mkdir -p "$corpus_root/findings" "$corpus_root/ledger"
corpus_root=$(realpath "$corpus_root")

names=("$@")
if [ ${#names[@]} = 0 ]; then
    for seed in "$seeds_root"/*/; do
        names+=("$(basename "$seed")")
    done
fi

# What identifies a build of a target: the fuzzer and every library of
# ours it loads (the libvirt targets run libvirt.so's code too)
build_id() {
    local bin=$1
    { sha256sum < "$bin"
      { ldd "$bin" 2>/dev/null || true; } | awk '$3 ~ /^\// && $3 !~ /^\/(usr\/)?lib/ { print $3 }' |
          while read -r lib; do sha256sum < "$lib"; done
    } | sha256sum | cut -c1-16
}

# Executions and runs the ledger holds for a build
ledger_sum() {
    local ledger=$1 id=$2
    [ -f "$ledger" ] || { echo "0 0"; return; }
    awk -v id="$id" '$1 == id { n += $2; r++ } END { print n + 0, r + 0 }' "$ledger"
}

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
    ledger=$corpus_root/ledger/$name
    id=$(build_id "$fuzzer")
    read -r before runs_before < <(ledger_sum "$ledger" "$id")
    want=$((goal > before ? goal - before : 0))
    work=$(mktemp -d /tmp/fuzz-campaign.XXXXXX)
    mkdir -p "$corpus"
    cp -n "$seeds_root/$name"/* "$corpus/" 2>/dev/null || true

    rc=0
    execs=0
    if [ "$want" -gt 0 ]; then
        (cd "$work" && "$fuzzer" -runs="$want" -max_total_time="$max_time" \
            -print_final_stats=1 -rss_limit_mb=2048 -max_len=8192 "$corpus" \
            > "$work/log" 2>&1) || rc=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
    fi
    if [ "$rc" != 0 ]; then
        cp "$work"/crash-* "$work"/leak-* "$work"/oom-* "$work"/timeout-* \
            "$corpus_root/findings/" 2>/dev/null || true
        grep -m1 -A20 "ERROR\|runtime error\|deadly signal" "$work/log" || tail -20 "$work/log"
        echo "$name: FINDING after ${execs:-?} executions (exit status $rc), kept in $corpus_root/findings"
        status=1
        rm -rf "$work"
        continue
    fi
    if ! [[ "${execs:-}" =~ ^[0-9]+$ ]] ||
       { [ "$max_time" = 0 ] && [ "$execs" -lt "$want" ]; }; then
        tail -20 "$work/log"
        echo "$name: FAILED: ${execs:-no count of} executions, $want asked"
        status=1
        rm -rf "$work"
        continue
    fi
    [ "$execs" = 0 ] || echo "$id $execs $(date -u +%FT%TZ) $max_time" >> "$ledger"
    total=$((before + execs))
    runs=$((runs_before + (execs > 0 ? 1 : 0)))
    if ! cov=$(coverage "$name" "$corpus" "$work"); then
        echo "$name: FAILED: the corpus did not replay through ${name}fuzz-cov"
        status=1
    else
        echo "$name: $execs executions this run, $total of $goal on build $id over $runs runs," \
             "no finding; corpus $(ls "$corpus" | wc -l) inputs; line coverage $cov"
    fi
    rm -rf "$work"
done
exit $status
