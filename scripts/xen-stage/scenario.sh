#!/usr/bin/env bash
# The scenario on the real Xen host, inside dom0, for one libvirt daemon:
#
#   scenario.sh ours|stock|patched TOP STAGE
#
# patched is our daemon with its driver built against the patched libxl
# headers, run once dom0-stage.sh has laid the patched toolstack
# (./run xen's packages) over Debian's: steps 1, 2, 3 and 7 only.
#
# Steps (each checked for ours; for the stock daemon the same steps are run
# and their figures recorded for comparison, and only what must hold for
# any driver is checked: it starts, answers, accounts running domains):
#   1 the daemon loads the libxl driver; nodeinfo, freecell, nodememstats
#     agree with xl info
#   2 a <memoryClaim/> domain starts; its accounting matches xl list
#   3 a domain that cannot fit fails fast with the numbers; no claim, no
#     domain left
#   4 a storm of claim domains started at once on room for fewer
#   5 our agent in the guest: dommemstat and domstats show its figures;
#     setmem moves its balloon and the balloon-change event arrives
#   6 (ours only) a hostile guest: statistics records oversized, malformed,
#     lying and at a high rate, a balloon that ignores targets; the daemon's
#     CPU, the other guest's statistics latency and targets
#   7 virsh save and restore of a <memoryClaim/> domain: its memory taken
#     before the restore, after admission (our daemon's libxl hook), and a
#     restore that fits
# Each step is a file of its own, sourced in order (step*.sh).  Figures go
# to STAGE/out/figures-FLAVOUR.txt.
set -euo pipefail

flavour=$1
top=$2
stage=$3
here=$top/scripts/xen-stage
out=$stage/out
snap=$stage/snap
img=/run/xenstage/img
dir=/run/xenstage/$flavour
work=$dir/work
XS_FIGURES=$out/figures-$flavour.txt
. "$here/lib.sh"
. "$here/storm-figures.sh"
: > "$XS_FIGURES"
mkdir -p "$work"
# Every command with its time, for finding where a cycle's minutes go
# (kept with the logs in STAGE/out/logs/FLAVOUR/work/trace).
exec 9> "$work/trace"
BASH_XTRACEFD=9
PS4='+ $EPOCHREALTIME ${BASH_SOURCE##*/}:$LINENO: '
set -x

# Sizes (MiB).  The host: 2048 MiB, dom0 512 MiB, so about 1510 MiB free.
GUEST_MIB=256           # step 2, the guest running our agent
BIG_MIB=1536            # step 3: more than is free after step 2
STORM_N=10              # step 4: ten of 160 MiB on about 1250 MiB free
STORM_MIB=160
SETMEM_MIB=192          # step 5: balloon the guest down from 256
# The storm's domains start paused unless XENSTAGE_STORM_PAUSED=0 (see
# bench/storm-client.py: seven guest kernels booting under TCG slow dom0 several-fold)
STORM_PAUSED=${XENSTAGE_STORM_PAUSED:-1}

if [ "$flavour" != stock ]; then
    virsh_bin=$snap/virsh
    export LD_LIBRARY_PATH=$snap
else
    virsh_bin=/usr/bin/virsh
fi
uri=
# a field of virsh nodememstats (KiB); "claimed:" has no space before ":"
nodemem() { awk -v f="$1" '{ sub(":", "", $1) } $1 == f { print $(NF - 1) }' "$work/nodememstats"; }
# What libxl itself logged (the driver's libxl-driver.log) since a mark:
# a start that fails after libxl created its domain logs "cannot
# (re-)build domain" (built part-way, then destroyed); one that Xen had
# no memory left even to create logs "domain creation fail".
if [ "$flavour" != stock ]; then
    libxl_log=$top/build/install/var/log/libvirt/libxl/libxl-driver.log
else
    libxl_log=/var/log/libvirt/libxl/libxl-driver.log
fi
# ours and patched share our build's prefix: each starts with no libxl
# log of the other's, so that the logs kept of each are its own
if [ "$flavour" != stock ]; then
    rm -f "$(dirname "$libxl_log")"/*.log
fi
log_mark() { stat -c %s "$libxl_log" 2>/dev/null || echo 0; }
log_count() { tail -c +"$(( $1 + 1 ))" "$libxl_log" 2>/dev/null | grep -c "$2" || true; }
log_first_panic() { tail -c +"$(( $1 + 1 ))" "$libxl_log" 2>/dev/null | sed -n 's/.*xc: panic: [^ ]* //p' | sed -n 1p; }
# virsh without client keepalive (a busy dom0 under TCG answers late)
vsh() { "$virsh_bin" -k 0 -c "$uri" "$@"; }
# strict check for ours; for stock the figure is shown as INFO only
ours_check() {
    if [ "$flavour" != stock ]; then
        check "$@"
    elif eval "$1"; then
        say "INFO stock: $2 (yes)"
    else
        say "INFO stock: $2 (no)"
    fi
}
define() {      # NAME MIB CLAIM AGENT
    "$here/domain-xml.sh" "$1" "$2" "$3" "$4" "$img" > "$work/$1.xml"
    echo "define $work/$1.xml"
}
# milliseconds of the last "(Time: N ms)" virsh -t printed in FILE
virsh_ms() { sed -n 's/^(Time: \([0-9]*\)\..*/\1/p' "$1" | tail -1; }

scenario_t0=$(now_ms)
step_marker() { say "--- $flavour step $1: $2 (at +$(( ($(now_ms) - scenario_t0) / 1000 )) s)"; }

# What every thread of the daemon and every process it forked waits on,
# when a call to it timed out: in work/hang-WHAT.txt (kept with the logs),
# the daemon's children summed up on the console.  A child of libxl that
# never exits (its destroy forks one) leaves the parent polling forever.
# Read from /proc, which needs no package; gdb's backtraces where the
# host has gdb.
hang_report() {
    local what=$1 pid t c children f
    f=$work/hang-${what// /-}.txt
    pid=$(cat "$dir/libvirtd.pid" 2>/dev/null) || return 0
    # the daemon's children: the processes whose parent (stat's 4th
    # field, after the command in parentheses) is the daemon
    children=$(for t in /proc/[0-9]*/stat; do
        sed -n "s/^\([0-9]*\) (.*) . $pid .*/\1/p" "$t" 2>/dev/null || true; done)
    {
        echo "== $what: processes (pid, state, parent; waits in)"
        for t in /proc/[0-9]*; do
            echo "$(cut -d' ' -f1-4 "$t/stat"); $(cat "$t/wchan")"
        done
        for t in /proc/"$pid"/task/*; do
            echo "== daemon thread ${t##*/} $(cat "$t/comm") waits in $(cat "$t/wchan")"
            cat "$t/stack"
        done
        for c in $children; do
            echo "== child $c: $(tr '\0' ' ' < "/proc/$c/cmdline"), state $(awk '{ print $3 }' "/proc/$c/stat"), waits in $(cat "/proc/$c/wchan")"
            cat "/proc/$c/stack"
            timeout 60 gdb -p "$c" -batch -nx -ex 'bt' < /dev/null
        done
        echo "== daemon's threads (gdb)"
        timeout 120 gdb -p "$pid" -batch -nx -ex 'thread apply all bt' < /dev/null
    } > "$f" 2>&1 || true
    say "INFO $flavour: $what hung; the daemon's children: $(for c in $children; do
        printf '%s (%s, in %s) ' "$c" "$(awk '{ print $3 }' "/proc/$c/stat" 2>/dev/null || true)" "$(cat "/proc/$c/wchan" 2>/dev/null || true)"; done)(threads in ${f##*/} with the logs)"
}

# bounded_vsh WHAT COMMANDS: virsh with 120 s, so that a daemon that hangs
# fails a check, with what it waits on recorded, instead of holding the
# stage until its time limit with its logs unkept
bounded_vsh() {
    local rc=0
    timeout 120 "$virsh_bin" -k 0 -c "$uri" "$2" > /dev/null 2>&1 || rc=$?
    if [ "$rc" = 124 ]; then
        hang_report "$1"
    fi
    check '[ "$rc" != 124 ]' "$1: $flavour's daemon answered within 120 s"
}

# Whatever happens, leave the host empty for the next daemon and keep the
# daemon's logs and this run's files in the shared directory.
cleanup() {
    local n
    if [ -n "$uri" ]; then
        bounded_vsh "cleanup destroy" "$(for n in $(xlnames); do printf 'destroy %s;' "$n"; done)"
        bounded_vsh "cleanup undefine" \
            "$(for n in guest big hostile rest $(seq -f 'storm%g' 1 $STORM_N); do printf 'undefine %s;' "$n"; done)"
    fi
    "$here/dom0-daemon.sh" stop "$dir" || true
    # step 7's save image, in dom0's tmpfs, and its hook, which the next
    # daemon of ours would otherwise run at every step
    rm -f /tmp/xenstage-rest-*.save "$top/build/install/etc/libvirt/hooks/libxl"
    for n in $(xlnames); do xl destroy "$n" || true; done
    mkdir -p "$out/logs/$flavour"
    cp -r "$dir"/*.log "$dir"/*.stderr "$work" "$out/logs/$flavour/" 2>/dev/null || true
    cp -r "$(dirname "$libxl_log")" "$out/logs/$flavour/libxl" 2>/dev/null || true
}
trap cleanup EXIT

case $flavour in
    ours) say "=== ours: Debian 12 libvirt 9.0.0 libxl driver with our patches (build snapshot), Debian's libxl" ;;
    patched) say "=== patched: our libvirt built against the patched libxl, the patched toolstack (xen-patches/) in dom0" ;;
    *) say "=== stock: Debian 12 libvirt 9.0.0 libxl driver, stock (Debian's package)" ;;
esac

. "$here/step1-host.sh"
. "$here/step2-start.sh"
. "$here/step3-refusal.sh"
# the patched toolstack changes none of steps 4 to 6
if [ "$flavour" != patched ]; then
    . "$here/step4-storm.sh"
    . "$here/step5-stats.sh"
fi
# the stock driver reads no guest statistics: nothing to be hostile to
if [ "$flavour" = ours ]; then
    . "$here/step6-hostile.sh"
fi
. "$here/step7-restore.sh"

# ---------------------------------------------------------------- cleanup
cleanup
trap - EXIT
left=$(xlnames)
check '[ -z "$left" ]' \
    "cleanup: $flavour left no domain on the host (${left:-none})"
say "=== $flavour: $XS_FAILED failed, $(( ($(now_ms) - scenario_t0) / 1000 )) s"
if [ "$XS_FAILED" != 0 ]; then exit 1; fi
