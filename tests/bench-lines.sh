#!/usr/bin/env bash
# Each benchmark on its small configuration (BENCH_SMALL=1): it must print
# one line "NAME: <ours> vs <baseline> (ratio Nx)" first, and after it
# exactly the lines its checker expects (none but for policy,
# rebalance and load), whose figures agree with each other (tests/bench-lines.py).
# First the checker itself: every check must fail on a line made to break
# it.
#
# Usage: bench-lines.sh SOURCE_ROOT BUILD_ROOT [NAME...]
set -euo pipefail
top=$1
build=$2
shift 2
. "$top/tests/checks.sh"

errs=$(mktemp -d /tmp/bench-lines.XXXXXX)
trap 'rm -rf "$errs"' EXIT
checker() { /usr/bin/python3 "$top/tests/bench-lines.py" "$@"; }

if out=$(checker selftest); then
    pass
else
    fail "the line checker: $out"
fi

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(claims storm autoballoon stats rebalance policy squeeze hostile load)
for name in "${names[@]}"; do
    t0=$SECONDS
    if ! out=$(BENCH_SMALL=1 "$top/bench/$name.sh" "$top" "$build" 2> "$errs/$name.err"); then
        fail "bench/$name.sh failed: $(tail -3 "$errs/$name.err")"
        continue
    fi
    echo "$out ($((SECONDS - t0)) s)"
    if [ "${out%%: *}" != "$name" ]; then
        fail "bench/$name.sh printed other than '$name: ...' first: $out"
        continue
    fi
    pass
    if result=$(checker check "$name" "$out"); then
        pass
    else
        fail "$result"
    fi
done

finish bench-lines
