#!/usr/bin/env bash
# A daemon killed in the middle of builds, restarted: the builds it left
# unfinished are destroyed, whatever part of the build they were in and
# whether libvirt kept a config of the domain or not; another toolstack's
# build of a domain this daemon also knows is left alone.
#
# The simulated host fills memory at 256 MiB/s and then spends 4 s on a
# build's devices (--device-setup-ms), the domain paused and its claim
# already cancelled, as libxl's builds do after meminit.
#
# Usage: xensim-reaper.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"
. "$top/tests/xensimhost.sh"

# each of these reads the host afresh
on_host() { read_host; [ -n "$(host_dom "$1" 1)" ]; }
claiming() { read_host; [ "$(host_dom "$1" 7)" -gt 0 ] 2>/dev/null; }
# populated and its claim gone: the build is in its device set-up
in_devices() { read_host; [ "$(host_dom "$1" 4)" = "$2" ] && [ "$(host_dom "$1" 7)" = 0 ]; }
xml() {     # NAME MIB [UUID]
    "$top/scripts/pv-domain-xml.sh" "$1" "$2" 1 \
        "${3:+<uuid>$3</uuid>}<memoryClaim/>" > "$work/$1.xml"
}
kill_daemon() {
    kill -KILL "$(cat "$work/libvirtd.pid")"
    rm -f "$work/libvirtd.pid"
}
restart() {
    uri=$(daemon start "$work") || fail "restart"
    # libvirtd listens before its drivers have initialised: a call waits
    virsh list --all > /dev/null || fail "the restarted daemon does not answer"
}

uri=$(daemon start "$work" -- --memory 8G --dom0 1G --populate-rate 256M \
      --device-setup-ms 4000) || { fail "daemon start"; finish xensim-reaper; exit 1; }

# --- three builds cut short at once: populating, in devices, transient ----
xml pop 1024
xml dev 256
xml trans 256
virsh define "$work/pop.xml" > /dev/null && virsh define "$work/dev.xml" > /dev/null ||
    fail "define"
virsh start dev > /dev/null 2>&1 &
wait_for 20 in_devices dev 256 && pass || fail "dev's build never reached its devices: $host_out"
virsh start pop > /dev/null 2>&1 &
virsh create "$work/trans.xml" > /dev/null 2>&1 &
wait_for 20 claiming pop && pass || fail "pop's build never held a claim"
wait_for 20 on_host trans && pass || fail "trans's build never began"
in_devices dev 256 && pass || fail "dev left its devices before the daemon was killed"
kill_daemon
wait
for d in pop dev trans; do
    on_host "$d" && pass || fail "$d was not on the host when the daemon died"
done
restart
for d in pop dev trans; do
    on_host "$d" && fail "the restarted daemon left $d's unfinished build on the host" || pass
done
read_host
[ "$(awk '$1 == "outstanding_claims" { print $3 }' <<< "$host_out")" = 0 ] && pass ||
    fail "claims are left: $host_out"
[ "$(virsh domstate pop)" = "shut off" ] && [ "$(virsh domstate dev)" = "shut off" ] && pass ||
    fail "pop and dev are not shut off after the restart"
# nothing of them remains in the way: the next start works
virsh start dev > /dev/null 2> "$work/err" && pass || fail "dev does not start again: $(cat "$work/err")"
records=$work/var/run/libvirt/libxl/building
[ -d "$records" ] && pass || fail "no build records were kept in $records"
[ -z "$(ls "$records" 2>/dev/null)" ] && pass || fail "build records left: $(ls "$records")"

# --- another toolstack's build is not ours to reap -------------------------
# A second daemon on the same host plays the other toolstack (as xl create
# of what virsh domxml-to-native printed would): same name, same UUID.
other=$work/other
mkdir -p "$other"
ln -s "$work/xensim.sock" "$other/xensim.sock"
other_uri=$(daemon start "$other") || fail "the other daemon did not start"
ovirsh() { "$build/subprojects/libvirt/tools/virsh" -q -c "$other_uri" "$@"; }
uuid=$(cat /proc/sys/kernel/random/uuid)
xml shared 512 "$uuid"
virsh define "$work/shared.xml" > /dev/null && ovirsh define "$work/shared.xml" > /dev/null ||
    fail "define shared in both daemons"
ovirsh start shared > "$work/other-start.out" 2>&1 &
other_start=$!
wait_for 20 claiming shared && pass || fail "the other daemon's build never held a claim"
kill_daemon
restart
on_host shared && pass || fail "our restarted daemon destroyed the other toolstack's build of 'shared'"
wait "$other_start" && pass || fail "the other toolstack's start failed: $(cat "$work/other-start.out")"
[ "$(ovirsh domstate shared)" = running ] && pass || fail "shared does not run under the other daemon"
[ "$(virsh domstate shared)" = "shut off" ] && pass || fail "our daemon claims shared as its own"
ovirsh destroy shared > /dev/null 2>&1
daemon stop "$other" --keep-host > /dev/null 2>&1

finish xensim-reaper
