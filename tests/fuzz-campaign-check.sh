#!/usr/bin/env bash
# The campaign's bookkeeping (tests/fuzz-campaign.sh): runs of one build
# add up toward the goal and no further, a run of another build starts
# from nothing, a time budget ends a run early without failing it, the
# coverage line is reported, and a finding fails the campaign and is kept.
#
# Usage: fuzz-campaign-check.sh BUILDDIR SEEDS_ROOT
set -euo pipefail

builddir=$(realpath "$1")
seeds=$(realpath "$2")
campaign=$(dirname "$(realpath "$0")")/fuzz-campaign.sh
work=$(mktemp -d /tmp/fuzz-campaign-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

check() {
    local what=$1; shift
    if "$@"; then
        echo "PASS: $what"; passed=$((passed + 1))
    else
        echo "FAIL: $what"; failed=$((failed + 1))
    fi
}

# NAME: N executions this run, T of GOAL on build ID over R runs, ...
field() {
    sed -n "s/^libxlmemstats: \([0-9]*\) executions this run, \([0-9]*\) of \([0-9]*\) on build \([0-9a-f]*\) over \([0-9]*\) runs, no finding;.*/\\$1/p" "$2"
}

# One build in a directory of its own, so that a copy can differ
mkdir -p "$work/a" "$work/b" "$work/bad"
cp "$builddir/libxlmemstatsfuzz" "$builddir/libxlmemstatsfuzz-cov" "$work/a/"
cp "$builddir/libxlmemstatsfuzz" "$builddir/libxlmemstatsfuzz-cov" "$work/b/"
printf 'another build' >> "$work/b/libxlmemstatsfuzz"

"$campaign" "$work/a" "$seeds" "$work/corpus" 3000 libxlmemstats > "$work/1" 2>&1
check "a first run does all the goal's executions" [ "$(field 1 "$work/1")" = 3000 ]
check "a first run counts one run" [ "$(field 5 "$work/1")" = 1 ]
check "the coverage of the parser is reported" \
    grep -Eq 'line coverage libxl_memstats\.c [0-9.]+% \([0-9]+/211\)' "$work/1"

"$campaign" "$work/a" "$seeds" "$work/corpus" 5000 libxlmemstats > "$work/2" 2>&1
check "a second run of the same build does only what is missing" [ "$(field 1 "$work/2")" = 2000 ]
check "the two runs add up to the goal" [ "$(field 2 "$work/2")/$(field 5 "$work/2")" = 5000/2 ]
check "both runs were of one build" [ "$(field 4 "$work/1")" = "$(field 4 "$work/2")" ]

"$campaign" "$work/a" "$seeds" "$work/corpus" 4000 libxlmemstats > "$work/3" 2>&1
check "a goal already met runs nothing more" [ "$(field 1 "$work/3")/$(field 2 "$work/3")" = 0/5000 ]

"$campaign" "$work/b" "$seeds" "$work/corpus" 1000 libxlmemstats > "$work/4" 2>&1
check "another build's runs do not count for it" [ "$(field 2 "$work/4")/$(field 5 "$work/4")" = 1000/1 ]
check "another build has another identity" [ "$(field 4 "$work/4")" != "$(field 4 "$work/1")" ]

rc=0
"$campaign" "$work/a" "$seeds" "$work/corpus" 1000000000000 --max-time 2 libxlmemstats > "$work/5" 2>&1 || rc=$?
check "a run that its time budget ends passes" [ "$rc" = 0 ]
between() { [ "$1" -gt "$2" ] && [ "$1" -lt "$3" ]; }
check "its executions are added, short of the goal" \
    between "$(field 2 "$work/5")" 5000 1000000000000
check "the ledger holds a line per run with executions" \
    [ "$(awk '$2 > 0' "$work/corpus/ledger/libxlmemstats" | wc -l)" = 4 ]

# A fuzzer that finds something: libFuzzer's exit status 77 included
cat > "$work/bad/libxlmemstatsfuzz" <<'BAD'
#!/bin/sh
echo "==1== ERROR: libFuzzer: deadly signal"
echo "stat::number_of_executed_units: 12"
echo crash > crash-0123
exit 77
BAD
chmod +x "$work/bad/libxlmemstatsfuzz"
rc=0
"$campaign" "$work/bad" "$seeds" "$work/corpus" 1000 libxlmemstats > "$work/6" 2>&1 || rc=$?
check "a finding (exit status 77) fails the campaign" [ "$rc" = 1 ]
check "the finding is reported as one" grep -q '^libxlmemstats: FINDING after 12 executions (exit status 77)' "$work/6"
check "the crashing input is kept" [ -f "$work/corpus/findings/crash-0123" ]
check "a finding adds nothing to the ledger" \
    [ "$(awk '$2 > 0' "$work/corpus/ledger/libxlmemstats" | wc -l)" = 4 ]

rc=0
"$campaign" "$work/a" "$seeds" "$work/corpus" 12x libxlmemstats > "$work/7" 2>&1 || rc=$?
check "a goal that is not a number is refused" [ "$rc" = 2 ]
check "the refusal names the goal" grep -q "the goal '12x' is not a number" "$work/7"

echo "fuzz-campaign-check: $passed passed, $failed failed"
[ "$failed" = 0 ]
