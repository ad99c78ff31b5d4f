#!/usr/bin/env bash
# Run every test of the build (libvirt's suite, ours, and the sanitizer
# build of our unit tests) and print one summary line counted from meson's
# own per-test results:  N passed, N failed
set -uo pipefail

builddir=$1
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

python3 - "$log" "$status" <<'PY'
import json
import sys

passed = failed = skipped = 0
skipped_names = []
for line in open(sys.argv[1]):
    result = json.loads(line)["result"]
    name = json.loads(line)["name"]
    if result in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif result == "SKIP":
        skipped += 1
        skipped_names.append(name.split(" / ")[-1])
    else:
        failed += 1

if sys.argv[2] != "0" and failed == 0:
    failed = 1          # meson itself failed without a failing test
if passed + failed == 0:
    failed = 1          # a run that executed no test is a failure

if skipped:
    print("%d skipped by libvirt's own checks (exit 77): %s"
          % (skipped, ", ".join(skipped_names)))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
