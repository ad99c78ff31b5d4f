#!/usr/bin/env bash
# The campaign's bookkeeping (tests/fuzz-campaign.sh): runs of one build
# add up toward the goal, the corpus replay uncounted; a run of another
# build (the fuzzer or a library of ours it loads) starts from nothing; a
# time budget ends a run early without failing it; every target of a
# campaign gets its coverage line; a finding fails the campaign, is kept
# and marks its build; an interrupted run records nothing and ends the
# campaign; two campaigns of one target do not run at once; bad goals and
# names are refused.
#
# Usage: fuzz-campaign-check.sh BUILDDIR SEEDS_ROOT
set -euo pipefail

builddir=$(realpath "$1")
seeds=$(realpath "$2")
campaign=$(dirname "$(realpath "$0")")/fuzz-campaign.sh
work=$(mktemp -d /tmp/fuzz-campaign-check.XXXXXX)
bg=
trap '[ -z "$bg" ] || kill "$bg" 2>/dev/null; rm -rf "$work"' EXIT
passed=0 failed=0

check() {
    local what=$1; shift
    if "$@"; then
        echo "PASS: $what"; passed=$((passed + 1))
    else
        echo "FAIL: $what"; failed=$((failed + 1))
    fi
}
between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
# status RC is WANT and FILE has a line matching PATTERN
exited_saying() { [ "$1" = "$2" ] && grep -q -- "$3" "$4"; }
differ() { [ -n "$1" ] && [ "$1" != "$2" ]; }
# whether PID has a handler for SIGTERM (libFuzzer's, installed at start)
catches_term() { awk '$1 == "SigCgt:" { exit !(and(strtonum("0x" $2), 16384)) }' "/proc/$1/status" 2>/dev/null; }

# TARGET: N executions this run, T of GOAL on build ID over R runs, ...
field() {
    sed -n "s/^$3: \([0-9]*\) executions this run, \([0-9]*\) of \([0-9]*\) on build \([0-9a-f]*\) over \([0-9]*\) runs, no finding;.*/\\$1/p" "$2"
}
ledger_lines() { awk '$2 ~ /^[0-9]+$/' "$work/corpus/ledger/$1" | wc -l; }

# Builds in directories of their own, so that a copy can differ
for d in a b; do
    mkdir -p "$work/$d"
    cp "$builddir"/libxlmemstatsfuzz{,-cov} "$builddir"/xenmemstatdsamplefuzz{,-cov} "$work/$d/"
done
printf 'another build' >> "$work/b/libxlmemstatsfuzz"
# a run asks for two runs an input of its corpus and one beyond its
# goal, and its replay takes one to two an input and one: the executions
# it counts pass the goal by at most the corpus's size
slack=$(( $(ls "$seeds/libxlmemstats" | wc -l) + 1 ))

"$campaign" "$work/a" "$seeds" "$work/corpus" 3000 libxlmemstats > "$work/1" 2>&1
check "a first run does the goal's executions" between "$(field 1 "$work/1" libxlmemstats)" 3000 $((3000 + slack))
check "a first run counts one run" [ "$(field 5 "$work/1" libxlmemstats)" = 1 ]
check "the coverage of the parser is reported" \
    grep -Eq 'line coverage libxl_memstats\.c [0-9.]+% \([0-9]+/211\)' "$work/1"
total1=$(field 2 "$work/1" libxlmemstats)

# the corpus the second run replays is the first one's, grown
slack2=$(( $(ls "$work/corpus/libxlmemstats" | wc -l) + 1 ))
"$campaign" "$work/a" "$seeds" "$work/corpus" 5000 libxlmemstats > "$work/2" 2>&1
check "a second run of the same build does only what is missing" \
    between "$(field 1 "$work/2" libxlmemstats)" $((5000 - total1)) $((5000 - total1 + slack2))
check "the two runs add up" \
    [ "$(field 2 "$work/2" libxlmemstats)" = $((total1 + $(field 1 "$work/2" libxlmemstats))) ]
check "the ledger counts the two runs" [ "$(field 5 "$work/2" libxlmemstats)" = 2 ]
check "the ledger has what the lines say" \
    [ "$(awk '{ n += $2 } END { print n }' "$work/corpus/ledger/libxlmemstats")" = "$(field 2 "$work/2" libxlmemstats)" ]
check "both runs were of one build" [ "$(field 4 "$work/1" libxlmemstats)" = "$(field 4 "$work/2" libxlmemstats)" ]
total2=$(field 2 "$work/2" libxlmemstats)

"$campaign" "$work/a" "$seeds" "$work/corpus" 4000 libxlmemstats > "$work/3" 2>&1
check "a goal already met runs nothing more" \
    [ "$(field 1 "$work/3" libxlmemstats)/$(field 2 "$work/3" libxlmemstats)" = "0/$total2" ]

"$campaign" "$work/b" "$seeds" "$work/corpus" 1000 libxlmemstats > "$work/4" 2>&1
check "another build's runs do not count for it" [ "$(field 5 "$work/4" libxlmemstats)" = 1 ]
check "another build has another identity" \
    [ "$(field 4 "$work/4" libxlmemstats)" != "$(field 4 "$work/1" libxlmemstats)" ]

rc=0
"$campaign" "$work/a" "$seeds" "$work/corpus" 2000000000 --max-time 2 libxlmemstats > "$work/5" 2>&1 || rc=$?
check "a run that its time budget ends passes" [ "$rc" = 0 ]
check "its executions are added, short of the goal" \
    between "$(field 2 "$work/5" libxlmemstats)" $((total2 + 1)) 1999999999
check "the ledger holds a line per run with executions" [ "$(ledger_lines libxlmemstats)" = 4 ]

"$campaign" "$work/a" "$seeds" "$work/corpus" 500 libxlmemstats xenmemstatdsample > "$work/6" 2>&1 || true
check "every target of a campaign gets its coverage line (the second too)" \
    grep -Eq '^xenmemstatdsample: .* line coverage memstat_sample\.c [0-9.]+%' "$work/6"

# The replay of the corpus is not counted: a fuzzer that says it replayed
# 7 inputs and executed 1007 units in all did 1000 executions of its own
mkdir -p "$work/count"
cat > "$work/count/libxlmemstatsfuzz" <<'COUNT'
#!/bin/sh
echo "#7	INITED cov: 1 ft: 1 corp: 7/7b"
echo "Done 1007 runs in 1 second(s)"
echo "stat::number_of_executed_units: 1007"
COUNT
chmod +x "$work/count/libxlmemstatsfuzz"
cp "$builddir/libxlmemstatsfuzz-cov" "$work/count/"
"$campaign" "$work/count" "$seeds" "$work/corpus-count" 1000 libxlmemstats > "$work/count.out" 2>&1 || true
check "the corpus replay is not counted" [ "$(field 1 "$work/count.out" libxlmemstats)" = 1000 ]
check "the ledger gets the executions without the replay" \
    [ "$(awk '{ n += $2 } END { print n }' "$work/corpus-count/ledger/libxlmemstats")" = 1000 ]

# A library of ours is part of the identity: libvirt.so under a target
# that runs libvirt's code
lib=$(ldd "$builddir/domainmemoryconffuzz" | awk '$1 ~ /^libvirt\.so/ { print $3 }')
mkdir -p "$work/c" "$work/lib1" "$work/lib2"
cp "$builddir"/domainmemoryconffuzz{,-cov} "$work/c/"
cp "$lib" "$work/lib1/"; cp "$lib" "$work/lib2/"
printf 'another build' >> "$work/lib2/$(basename "$lib")"
LD_LIBRARY_PATH=$work/lib1 "$campaign" "$work/c" "$seeds" "$work/corpus" 50 domainmemoryconf > "$work/7" 2>&1 || true
LD_LIBRARY_PATH=$work/lib2 "$campaign" "$work/c" "$seeds" "$work/corpus" 50 domainmemoryconf > "$work/8" 2>&1 || true
check "a library of ours changed makes another build" \
    differ "$(field 4 "$work/7" domainmemoryconf)" "$(field 4 "$work/8" domainmemoryconf)"

# Interrupted: libFuzzer catches the signal and exits 72
"$campaign" "$work/a" "$seeds" "$work/corpus" 2000000000 --max-time 120 libxlmemstats xenmemstatdsample \
    > "$work/9" 2>&1 &
bg=$!
pid=
for _ in $(seq 200); do
    pid=$(pgrep -f "^$work/a/libxlmemstatsfuzz .*$work/corpus/libxlmemstats" || true)
    [ -n "$pid" ] && catches_term "$pid" && break
    sleep 0.05
done
[ -z "$pid" ] || kill -TERM "$pid"
rc=0; wait "$bg" || rc=$?; bg=
check "an interrupted run ends the campaign with 130" [ "$rc" = 130 ]
check "it reads as interrupted, not as a finding" grep -q '^libxlmemstats: INTERRUPTED after' "$work/9"
check "the campaign does not go on to the next target" bash -c "! grep -q '^xenmemstatdsample' '$work/9'"
check "an interrupted run adds nothing to the ledger" [ "$(ledger_lines libxlmemstats)" = 4 ]

# Two campaigns of one target at once: the second is refused
exec 9< "$work/corpus/ledger/libxlmemstats"
flock 9
rc=0
"$campaign" "$work/a" "$seeds" "$work/corpus" 100 libxlmemstats > "$work/10" 2>&1 || rc=$?
exec 9<&-
check "a second campaign of a running target is refused" \
    exited_saying "$rc" 1 '^libxlmemstats: FAILED: another campaign of libxlmemstats is running' "$work/10"

# A fuzzer that finds something: libFuzzer's exit status 77 included
mkdir -p "$work/bad"
cat > "$work/bad/libxlmemstatsfuzz" <<'BAD'
#!/bin/sh
echo "#3	INITED cov: 1 ft: 1 corp: 2/2b"
echo "stat::number_of_executed_units: 12"
[ -n "${FAKE_FINDING:-}" ] || exit 0
echo "==1== ERROR: libFuzzer: deadly signal"
echo crash > crash-0123
exit 77
BAD
cp "$work/bad/libxlmemstatsfuzz" "$work/bad/libxlmemstatsfuzz-cov"
chmod +x "$work/bad/"*
rc=0
FAKE_FINDING=1 "$campaign" "$work/bad" "$seeds" "$work/corpus" 1000 libxlmemstats > "$work/11" 2>&1 || rc=$?
check "a finding (exit status 77) fails the campaign" [ "$rc" = 1 ]
check "the finding is reported as one" grep -q '^libxlmemstats: FINDING after 12 executions (exit status 77)' "$work/11"
check "the crashing input is kept" [ -f "$work/corpus/findings/crash-0123" ]
check "a finding adds no executions to the ledger" [ "$(ledger_lines libxlmemstats)" = 4 ]
# the same build again, finding nothing this time
rc=0
"$campaign" "$work/bad" "$seeds" "$work/corpus" 1000 libxlmemstats > "$work/12" 2>&1 || rc=$?
check "a build with a finding never reads as clean" \
    exited_saying "$rc" 1 '^libxlmemstats: FINDING recorded for build' "$work/12"

rc=0
"$campaign" "$work/a" "$seeds" "$work/corpus" 12x libxlmemstats > "$work/13" 2>&1 || rc=$?
check "a goal that is not a number is refused" [ "$rc" = 2 ]
check "the refusal names the goal and the limit" \
    grep -q "the goal '12x' is not a number of executions from 1 to 2147483647" "$work/13"
rc=0
"$campaign" "$work/a" "$seeds" "$work/corpus" 3000000000 libxlmemstats > "$work/14" 2>&1 || rc=$?
check "a goal beyond libFuzzer's int is refused" [ "$rc" = 2 ]
rc=0
"$campaign" "$work/a" "$seeds" "$work/corpus" 100 libxlmemstat > "$work/15" 2>&1 || rc=$?
check "a target that does not exist is refused, named" \
    exited_saying "$rc" 2 "no fuzz target 'libxlmemstat'" "$work/15"

echo "fuzz-campaign-check: $passed passed, $failed failed"
[ "$failed" = 0 ]
