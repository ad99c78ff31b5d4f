#!/usr/bin/env bash
# Run every test of the build (libvirt's suite, ours, and the sanitizer
# build of our unit tests), then, with --xen-stage, the real-Xen stage,
# and print one summary line counted from meson's per-test results and the
# stage's own checks:  N passed, N failed
#
#   scripts/run-tests.sh BUILDDIR [--xen-stage TOP]
set -uo pipefail

builddir=$1
top=$(cd "$(dirname "$0")/.." && pwd)
# Our unit tests that patches/libvirt registers among libvirt's own (so
# meson names them "libvirt / NAME"): ours all the same, and never skip
ours_in_libvirt=$(cd "$top/tests" && ls *test.c | sed 's/\.c$//' | tr '\n' ' ')
xen_top=
[ "${2:-}" = --xen-stage ] && xen_top=${3:?--xen-stage needs the checkout}
log=$builddir/meson-logs/testlog.json

echo "== running libvirt's tests and ours (meson test -C $(basename "$builddir"))"
echo "== sanitizers: our unit tests also run as *-sanitized binaries built with" \
     "-fsanitize=address,undefined (suite 'sanitizers')"
rm -f "$log"
meson test -C "$builddir" --no-rebuild --print-errorlogs --num-processes 2
status=$?

if [ ! -s "$log" ]; then
    echo "no test results in $log: meson ran no test" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

# The real hypervisor: its checks count one by one.  A stage that failed
# without a failed check (no boot, a time-out) counts as one failure.
xen_passed=0 xen_failed=0
if [ -n "$xen_top" ]; then
    echo "== the real-Xen stage (scripts/xen-stage/run.sh): Xen 4.17 under QEMU TCG"
    xen_out=$(mktemp)
    "$xen_top/scripts/xen-stage/run.sh" "$xen_top" 2>&1 | tee "$xen_out"
    xen_status=${PIPESTATUS[0]}
    line=$(sed -n 's/^xen-stage: \([0-9]*\) passed, \([0-9]*\) failed;.*/\1 \2/p' "$xen_out" | tail -1)
    rm -f "$xen_out"
    read -r xen_passed xen_failed <<< "${line:-0 0}"
    if [ "$xen_status" != 0 ] && [ "$xen_failed" = 0 ]; then
        xen_failed=1
    fi
    if [ "$xen_passed" = 0 ] && [ "$xen_failed" = 0 ]; then
        xen_failed=1    # a stage that checked nothing
    fi
    echo "== the real-Xen stage: $xen_passed checks passed, $xen_failed failed (exit status $xen_status)"
fi

python3 - "$log" "$status" "$xen_passed" "$xen_failed" "$ours_in_libvirt" <<'PY'
import json
import sys

ours_in_libvirt = set(sys.argv[5].split())

passed = failed = skipped = 0
skipped_names = []
ours_skipped = []
for line in open(sys.argv[1]):
    record = json.loads(line)
    result, name = record["result"], record["name"]
    if result in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif (result == "SKIP" and name.split(" / ")[0].split(":")[0] == "libvirt"
          and name.split(" / ")[-1] not in ours_in_libvirt):
        # libvirt's own tests skip themselves (exit 77) when the machine
        # lacks what they need; only they may
        skipped += 1
        skipped_names.append(name.split(" / ")[-1])
    elif result == "SKIP":
        # ours never skip: exit 77 of ours is a finding (libFuzzer's crash)
        failed += 1
        ours_skipped.append(name)
    else:
        failed += 1

if sys.argv[2] != "0" and failed == 0:
    failed = 1          # meson itself failed without a failing test
passed += int(sys.argv[3])
failed += int(sys.argv[4])
if passed + failed == 0:
    failed = 1          # a run that executed no test is a failure

if skipped:
    print("%d skipped by libvirt's own checks (exit 77): %s"
          % (skipped, ", ".join(skipped_names)))
for name in ours_skipped:
    print("FAILED: %s exited 77; a test of ours never skips" % name)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
