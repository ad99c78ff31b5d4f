# Sourced by our shell tests: count checks, report failures, and finish
# with a summary line and the matching exit status.
failures=0
checks=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { checks=$((checks + 1)); }

finish() {
    echo "$1: $checks checks passed, $failures failed"
    [ "$failures" -eq 0 ]
}
