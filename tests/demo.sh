#!/usr/bin/env bash
# The README's main command, run as a test: scripts/demo.sh must finish
# every section, and every error it prints must be one the demo shows on
# purpose (a bad XML value, a domain that cannot fit, starts that lose
# the race for memory).  Any other error, warning or failed step fails.
#
#   tests/demo.sh SOURCE_ROOT BUILD_ROOT
set -uo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"

expect() {      # WHAT WANT GOT
    if [ "$2" = "$3" ]; then pass; else fail "$1: expected '$2', got '$3'"; fi
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$top/scripts/demo.sh" "$build" > "$out" 2>&1
status=$?
expect "the demo's exit status" 0 "$status"
expect "the demo's last line" "demo: done" "$(tail -1 "$out")"
for n in 1 2 3 4 5; do
    if grep -q "^== $n\. " "$out"; then
        pass
    else
        fail "section $n is missing"
    fi
done

# The errors the demo means to show, and nothing else.
allowed='error: Failed to define domain from .*/bad\.xml$'
allowed+="|error: unsupported configuration: invalid value 'maybe' for attribute 'mode' of <memoryClaim>"
allowed+="|error: Failed to start domain 'huge'$"
allowed+="|error: operation failed: not enough memory to start domain 'huge': it needs [0-9]+ MiB; "
allowed+="|   vm[1-8]: refused: not enough memory to start domain 'vm[1-8]'"
for want in "Failed to define domain" "invalid value 'maybe'" \
            "Failed to start domain 'huge'" "not enough memory to start domain 'huge'"; do
    if grep -q "^error: .*$want" "$out"; then
        pass
    else
        fail "the demo does not show the refusal: $want"
    fi
done
unexpected=$(grep -n -i -E '(^|[^a-z_])(error|warning|fail(ed|ure)?)([^a-z_]|$)' "$out" |
             grep -v -E "^[0-9]+:($allowed)" |
             grep -v -E '^[0-9]+:(step, so a start that cannot fit fails at once|unchanged, and refuses a bad value with an error|== 3\. Claims: atomic admission, fail fast|A 16 GiB domain cannot fit\. It fails at once)')
if [ -z "$unexpected" ]; then
    pass
else
    fail "unexpected lines in the demo's output:"
    printf '    %s\n' "$unexpected"
fi
if [ "$failures" != 0 ]; then
    echo "--- the demo's output"
    cat "$out"
fi
finish demo
