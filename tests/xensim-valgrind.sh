#!/usr/bin/env bash
# Our daemon under valgrind's memcheck on the simulated host, through the
# paths this project added: a claimed start, one refused for its size,
# guests' statistics (a well-formed record and a hostile one), domstats,
# setmem through the actors, memtune, free memory and a restart that
# reconnects the running domain.  Then: no invalid access, no use of
# uninitialised memory, no definite leak in the whole run.
#
# Usage: xensim-valgrind.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"
. "$top/tests/xensimhost.sh"

vglog=$work/valgrind
mkdir -p "$vglog"
export XENSIM_DAEMON_WRAPPER="valgrind --leak-check=full --show-leak-kinds=definite
    --errors-for-leak-kinds=definite --track-origins=no --num-callers=30
    --suppressions=$top/subprojects/libvirt/tests/.valgrind.supp
    --log-file=$vglog/memcheck.%p"
export XENSIM_DAEMON_START_WAIT=240 XENSIM_DAEMON_STOP_WAIT=240

daemon_pids=()
start_daemon() {
    uri=$(daemon start "$work" -- --memory 4G --dom0 1G) ||
        { fail "daemon start under valgrind: $(tail -5 "$work/log/libvirtd.stderr" 2>/dev/null)"
          finish xensim-valgrind; exit 1; }
    daemon_pids+=("$(cat "$work/libvirtd.pid")")
}

start_daemon
claim_domain small 256
claim_domain huge 8192
virsh start small > /dev/null 2>&1 && pass || fail "start of a claimed domain that fits"
if out=$(virsh start huge 2>&1); then
    fail "a claimed domain larger than the host started"
else
    grep -q "claim" <<< "$out" && pass || fail "the refusal does not say why: $out"
fi

id=$(virsh domid small)
xensim xs-write "/local/domain/$id/data/memstats" \
    "1 total=250000 free=100000 avail=150000 caches=20000 committed=90000 suggest=140000" "$id" ||
    fail "the guest's record could not be written"
wait_for 30 sh -c "'$build/subprojects/libvirt/tools/virsh' -q -c '$uri' dommemstat small |
                   grep -q '^unused 100000'" && pass || fail "dommemstat never showed the guest's record"
# hostile: oversized fields, garbage, a record without its version
xensim xs-write "/local/domain/$id/data/memstats" "1 total=99999999999999999999999 free=$(head -c 600 /dev/zero | tr '\0' 9)" "$id" || true
virsh dommemstat small > /dev/null 2>&1 && pass || fail "dommemstat after a hostile record"
xensim xs-write "/local/domain/$id/data/memstats" "$(head -c 900 /dev/urandom | tr -d '\0' | head -c 800)" "$id" || true
virsh domstats --balloon small > /dev/null 2>&1 && pass || fail "domstats after a garbage record"

virsh setmem small 200M > /dev/null 2>&1 && pass || fail "setmem"
virsh memtune small > /dev/null 2>&1 && pass || fail "memtune"
virsh freecell > /dev/null 2>&1 && pass || fail "freecell"
virsh nodememstats > /dev/null 2>&1 && pass || fail "nodememstats"

# a restart reconnects the running domain and reads its status XML back
daemon stop "$work" --keep-host > /dev/null 2>&1 || fail "daemon stop"
start_daemon
[ "$(virsh domstate small 2>&1)" = running ] && pass || fail "small not running after the restart"
virsh destroy small > /dev/null 2>&1 && pass || fail "destroy"
virsh undefine small > /dev/null 2>&1 && pass || fail "undefine"
daemon stop "$work" > /dev/null 2>&1 || fail "daemon stop"

# Each daemon's report ends with valgrind's summary, written when the
# daemon exited: a report without it is a daemon that never got to exit
# (killed, or valgrind gave up), as much a failure as an error in it.
# The daemon's forked children (which exec a helper, untraced) leave a
# report of their own that stops at the exec: no error may be in it.
for pid in "${daemon_pids[@]}"; do
    report=$vglog/memcheck.$pid
    if ! grep -q "ERROR SUMMARY: 0 errors" "$report" 2>/dev/null; then
        fail "daemon $pid: valgrind's report has errors or no summary:"
        grep -v "^==[0-9]*== *$" "$report" 2>/dev/null | sed -n '1,80p'
    else
        pass
    fi
done
for report in "$vglog"/memcheck.*; do
    [ -e "$report" ] || continue
    if grep -qE "Invalid (read|write|free)|uninitialised|Mismatched free|definitely lost in|Syscall param|overlap" "$report"; then
        fail "valgrind found errors in $(basename "$report"):"
        sed -n '1,80p' "$report"
    else
        pass
    fi
done

finish xensim-valgrind
