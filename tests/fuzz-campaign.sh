#!/usr/bin/env bash
# A fuzzing campaign: run each libFuzzer target toward a number of
# executions on a corpus that persists between campaigns, then replay
# that corpus through the target's coverage build and report the line
# coverage of the parsers it links (every instrumented file but the
# target's own).  One line per target:
#
#   NAME: N executions this run, T of GOAL on build ID over R runs, no finding; corpus M inputs; line coverage FILE X% (c/t) ...
#
# Executions are the fuzzer's own: the replay of the corpus each run
# starts with is not counted.  A campaign may be spread over several runs
# (--max-time bounds each): every run appends its executions to
# CORPUS_ROOT/ledger/NAME under an identity of the build it ran (the
# checksum of the fuzzer and of the libraries of ours it loads), so that
# only runs of the very same build add up, and the next run asks for what
# is still missing.  A finding (libFuzzer's exit status, 77 included) is
# kept under CORPUS_ROOT/findings/, marks its build in the ledger so that
# no later run of that build reads as clean, and fails the campaign; an
# interrupted run (libFuzzer's 72) records nothing and ends the campaign.
#
# Usage: fuzz-campaign.sh BUILDDIR SEEDS_ROOT CORPUS_ROOT GOAL [--max-time SECONDS] [NAME...]
#   NAME is a target without its "fuzz" suffix (default: every target).
set -euo pipefail

# libFuzzer counts executions in an int
RUNS_MAX=2147483647
INTERRUPTED=72

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
[[ "$goal" =~ ^[1-9][0-9]{0,9}$ ]] && [ "$goal" -le "$RUNS_MAX" ] ||
    { echo "fuzz-campaign: the goal '$goal' is not a number of executions from 1 to $RUNS_MAX" >&2; exit 2; }
[[ "$max_time" =~ ^[0-9]{1,9}$ ]] ||
    { echo "fuzz-campaign: --max-time '$max_time' is not a number of seconds" >&2; exit 2; }

profdata=$(command -v llvm-profdata-14 || command -v llvm-profdata || true)
llvm_cov=$(command -v llvm-cov-14 || command -v llvm-cov || true)
[ -n "$profdata" ] && [ -n "$llvm_cov" ] ||
    { echo "fuzz-campaign: llvm-profdata and llvm-cov are needed (Debian: llvm-14)" >&2; exit 1; }

mkdir -p "$corpus_root/findings" "$corpus_root/ledger"
corpus_root=$(realpath "$corpus_root")

names=("$@")
if [ ${#names[@]} = 0 ]; then
    for seed in "$seeds_root"/*/; do
        names+=("$(basename "$seed")")
    done
fi
for name in "${names[@]}"; do
    [ -x "$builddir/${name}fuzz" ] && [ -x "$builddir/${name}fuzz-cov" ] ||
        { echo "fuzz-campaign: no fuzz target '$name' (${name}fuzz and ${name}fuzz-cov) in $builddir" >&2; exit 2; }
done

work=
trap 'rm -rf "$work"' EXIT

# What identifies a build of a target: the fuzzer and every library it
# loads from outside the system's library directories (libvirt.so for
# the targets that run libvirt's code)
build_id() {
    local bin=$1
    { sha256sum < "$bin"
      { ldd "$bin" 2>/dev/null || true; } |
          awk '$3 ~ /^\// && $3 !~ /^\/(usr\/)?lib(32|64|x32)?\// { print $3 }' |
          while read -r lib; do sha256sum < "$lib"; done
    } | sha256sum | cut -c1-16
}

# Executions and runs the ledger holds for a build
ledger_sum() {
    awk -v id="$2" '$1 == id && $2 ~ /^[0-9]+$/ { n += $2; r++ } END { print n + 0, r + 0 }' "$1"
}

# The line coverage of every instrumented file but the fuzz target's own
coverage() {
    local name=$1 corpus=$2 work=$3
    local bin=$builddir/${name}fuzz-cov

    LLVM_PROFILE_FILE=$work/cov.profraw "$bin" -runs=0 "$corpus" > "$work/cov.log" 2>&1 ||
        { tail -5 "$work/cov.log" >&2; return 1; }
    "$profdata" merge -sparse "$work/cov.profraw" -o "$work/cov.profdata"
    "$llvm_cov" report "$bin" -instr-profile="$work/cov.profdata" 2>/dev/null |
        awk '$1 ~ /\.c$/ && $1 !~ /tests\/fuzz\// {
                 # Filename Regions Missed Cover Functions Missed Cover Lines Missed Cover ...
                 n = split($1, p, "/")
                 printf "%s %s (%d/%d) ", p[n], $10, $8 - $9, $8
             }'
}

# One target's run; its line on stdout, status 1 for a failure, 2 for
# an interruption
campaign() {
    local name=$1
    local fuzzer=$builddir/${name}fuzz corpus=$corpus_root/$name
    local ledger=$corpus_root/ledger/$name
    local id before runs_before want inputs rc=0 units=0 inited=0 execs total runs cov

    touch "$ledger"
    exec 8< "$ledger"
    flock -n 8 || { echo "$name: FAILED: another campaign of $name is running"; return 1; }
    id=$(build_id "$fuzzer")
    if grep -q "^$id FINDING" "$ledger"; then
        echo "$name: FINDING recorded for build $id (see $corpus_root/findings): fix it and rebuild"
        return 1
    fi
    read -r before runs_before < <(ledger_sum "$ledger" "$id")
    want=$((goal > before ? goal - before : 0))
    mkdir -p "$corpus"
    cp -n "$seeds_root/$name"/* "$corpus/" 2>/dev/null || true
    inputs=$(find "$corpus" -maxdepth 1 -type f | wc -l)

    if [ "$want" -gt 0 ]; then
        # -runs counts the replay of the corpus too: at most two runs an
        # input (one whose run mallocs more than it frees is run again to
        # look for a leak) and the empty one
        local runs_arg=$((want + 2 * inputs + 1 > RUNS_MAX ? RUNS_MAX : want + 2 * inputs + 1))
        (cd "$work" && "$fuzzer" -runs="$runs_arg" -max_total_time="$max_time" \
            -print_final_stats=1 -rss_limit_mb=2048 -max_len=8192 "$corpus" \
            > "$work/log" 2>&1) || rc=$?
        units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
        inited=$(sed -n 's/^#\([0-9]*\)[[:space:]]*INITED.*/\1/p' "$work/log" | head -1)
    fi
    if [ "$rc" = "$INTERRUPTED" ]; then
        echo "$name: INTERRUPTED after ${units:-?} executions; nothing recorded"
        return 2
    elif [ "$rc" != 0 ]; then
        cp "$work"/crash-* "$work"/leak-* "$work"/oom-* "$work"/timeout-* \
            "$corpus_root/findings/" 2>/dev/null || true
        echo "$id FINDING $(date -u +%FT%TZ) exit-status-$rc" >> "$ledger"
        grep -m1 -A20 "ERROR\|runtime error\|deadly signal" "$work/log" || tail -20 "$work/log"
        echo "$name: FINDING after ${units:-?} executions (exit status $rc), kept in $corpus_root/findings"
        return 1
    fi
    if [ "$want" -gt 0 ] &&
       ! { [[ "${units:-}" =~ ^[0-9]+$ ]] && [[ "${inited:-}" =~ ^[0-9]+$ ]]; }; then
        tail -20 "$work/log"
        echo "$name: FAILED: libFuzzer reported no count of its executions"
        return 1
    fi
    execs=$((units - inited))
    if [ "$max_time" = 0 ] && [ "$execs" -lt "$want" ]; then
        tail -20 "$work/log"
        echo "$name: FAILED: $execs executions, $want asked"
        return 1
    fi
    [ "$execs" = 0 ] || echo "$id $execs $(date -u +%FT%TZ) $max_time" >> "$ledger"
    total=$((before + execs))
    runs=$((runs_before + (execs > 0 ? 1 : 0)))
    if ! cov=$(coverage "$name" "$corpus" "$work"); then
        echo "$name: FAILED: the corpus did not replay through ${name}fuzz-cov"
        return 1
    fi
    echo "$name: $execs executions this run, $total of $goal on build $id over $runs runs," \
         "no finding; corpus $(ls "$corpus" | wc -l) inputs; line coverage $cov"
}

status=0
for name in "${names[@]}"; do
    work=$(mktemp -d /tmp/fuzz-campaign.XXXXXX)
    rc=0
    campaign "$name" || rc=$?
    exec 8<&-
    rm -rf "$work"
    if [ "$rc" = 2 ]; then
        exit 130
    fi
    [ "$rc" = 0 ] || status=1
done
exit $status
