#!/usr/bin/env bash
# The hypervisor stops answering under a running daemon: the calls that
# read it fail with an error instead of returning made-up figures, and
# the daemon keeps serving.
#
# Usage: xensim-hostloss.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"
. "$top/tests/xensimhost.sh"

uri=$(daemon start "$work" -- --memory 4G --dom0 1G) || { fail "daemon start"; finish xensim-hostloss; exit 1; }
"$top/scripts/pv-domain-xml.sh" d1 512 > "$work/d1.xml"
virsh define "$work/d1.xml" > /dev/null && virsh start d1 > /dev/null || fail "start d1"

# the positive path first: with the host there, domstats has the domain's
# real allocation
got=$(virsh domstats --balloon d1 2>&1 | sed -n 's/^ *balloon.current=//p')
[ "$got" = 524288 ] && pass || fail "domstats balloon.current with the host up: '$got'"

xensim stop > /dev/null 2>&1 || fail "xensim stop"
gone=0
for i in $(seq 1 100); do
    xensim info > /dev/null 2>&1 || { gone=1; break; }
    sleep 0.1
done
[ "$gone" = 1 ] && pass || fail "the simulated host still answers after stop"

# no figures at all rather than the configured memory passed off as current
if virsh domstats --balloon d1 > "$work/domstats.out" 2>&1; then
    fail "domstats succeeded with the hypervisor gone: $(tr '\n' ' ' < "$work/domstats.out")"
else
    pass
fi
grep -q "cannot read the hypervisor's list of domains" "$work/domstats.out" && pass ||
    fail "domstats' error does not say what failed: $(cat "$work/domstats.out")"
virsh list --all > /dev/null 2>&1 && pass || fail "the daemon stopped serving"

finish xensim-hostloss
