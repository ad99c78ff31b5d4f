#!/usr/bin/env bash
# Guests' consoles on the simulated host, through a libvirt daemon (ours
# or Debian's stock one) and the built virsh: each domain's pty in its
# XML and `virsh ttyconsole`, held by the host as xenconsoled holds it;
# `virsh console` on a PV and an HVM guest showing the guest's banner
# and echoing what is typed; a client that floods the line and never
# reads wedges nothing; the pty gone with its domain; the console still
# there after a daemon restart.
#
# Usage: xensim-console.sh SOURCE_ROOT BUILD_DIR [--stock]
set -euo pipefail

top=$1
build=$2
flavour=${3:-ours}
. "$top/tests/checks.sh"
. "$top/tests/xensimhost.sh"

name=xensim-console-${flavour#--}
stock_arg=()
[ "$flavour" = --stock ] && stock_arg=(--stock)
# every wait on a console is bounded by this (seconds)
console_timeout=20

uri=$(daemon start "$work" "${stock_arg[@]}" -- --memory 4G --dom0 1G) ||
    { fail "daemon start"; finish "$name"; exit 1; }
host_pid=$(cat "$work/xensim.pid")
vsh=$build/subprojects/libvirt/tools/virsh

# console_session STEP...: virsh console of the domain in the steps' way
# (scripts/console-session.py), the client's own exit with ^] last
console_session() {
    local dom=$1
    shift
    /usr/bin/python3 "$top/scripts/console-session.py" "$console_timeout" "$@" \
        'send=\x1d' exit=0 -- "$vsh" -c "$uri" console "$dom"
}

# console_path NAME: the source path of the domain's first console in
# its live XML ("" if it has none)
console_path() {
    virsh dumpxml "$1" | /usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
con = ET.parse(sys.stdin).getroot().find("devices/console")
src = con.find("source") if con is not None and con.get("type") == "pty" else None
print(src.get("path", "") if src is not None else "")'
}

# host_holds PATH: the simulated host's daemon has PATH open
host_holds() {
    local fd
    for fd in /proc/"$host_pid"/fd/*; do
        [ "$(readlink "$fd" 2>/dev/null)" = "$1" ] && return 0
    done
    return 1
}

is_pty() {
    [ -c "$1" ] && /usr/bin/python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
sys.exit(0 if os.isatty(fd) and os.ttyname(fd) == sys.argv[1] else 1)' "$1"
}

# check_console NAME KEY: the domain's console is a pty the host holds,
# the one xenstore names at KEY and `virsh ttyconsole` gives; sets $cpath
check_console() {
    local dom=$1 key=$2 path id tty
    path=$(console_path "$dom")
    id=$(virsh domid "$dom")
    cpath=$path
    if [ -z "$path" ]; then
        fail "$dom: no <console type='pty'> with a source path: $(virsh dumpxml "$dom" | grep -A3 '<console' || true)"
        return 0
    fi
    pass
    is_pty "$path" && pass || fail "$dom: its console $path is not a pty"
    host_holds "$path" && pass || fail "$dom: the simulated host does not hold $path"
    [ "$(xensim xs-read "/local/domain/$id/$key" 2>&1)" = "$path" ] && pass ||
        fail "$dom: xenstore $key holds '$(xensim xs-read "/local/domain/$id/$key" 2>&1)', not $path"
    tty=$(virsh ttyconsole "$dom" 2>&1) || true
    [ "$tty" = "$path" ] && pass || fail "$dom: virsh ttyconsole gives '$tty', not $path"
}
# gone NAME: the host has no domain NAME (but a dying one)
gone() { read_host; [ -z "$(host_dom "$1" 2)" ]; }

hvm_xml() {
    cat <<XML
<domain type='xen'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='xenfv'>hvm</type>
  </os>
  <devices>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
  </devices>
</domain>
XML
}

# --- a PV and an HVM guest, each with its own pty ---------------------------
"$top/scripts/pv-domain-xml.sh" cpv 256 > "$work/cpv.xml"
hvm_xml chvm > "$work/chvm.xml"
for d in cpv chvm; do
    virsh define "$work/$d.xml" > /dev/null && pass || fail "define $d"
    virsh start "$d" > /dev/null && pass || fail "start $d"
done

# the PV guest's console is xenconsoled's, the HVM guest's its serial port 0
check_console cpv console/tty
pv_path=$cpath
check_console chvm serial/0/tty
hvm_path=$cpath
[ -n "$pv_path" ] && [ "$pv_path" != "$hvm_path" ] && pass ||
    fail "the two domains' consoles are not two ptys: '$pv_path' and '$hvm_path'"
# the guest may read its console's keys but not point them elsewhere
id=$(virsh domid cpv)
if xensim xs-write "/local/domain/$id/console/tty" /etc/shadow "$id" 2> /dev/null; then
    fail "the guest rewrote its console/tty"
else
    pass
fi
[ "$(xensim xs-read "/local/domain/$id/console/tty" "$id" 2>&1)" = "$pv_path" ] && pass ||
    fail "the guest reads '$(xensim xs-read "/local/domain/$id/console/tty" "$id" 2>&1)' at its console/tty, not $pv_path"

# --- virsh console: the banner, then a line typed comes back ----------------
token=$RANDOM$RANDOM
for d in cpv chvm; do
    id=$(virsh domid "$d")
    out=$(console_session "$d" "expect=xensim guest $d (domid $id) console" \
              "expect=$d login: " "send=echo-$d-$token\r" \
              "expect=echo-$d-$token\r\n$d login: " 2>&1) && pass ||
        fail "$d: virsh console: $out"
done

# a second session on the same console: the guest answers again
out=$(console_session cpv 'send=\r' "expect=cpv login: " "send=again-$token\r" \
          "expect=again-$token\r\ncpv login: " 2>&1) && pass ||
    fail "cpv: a second virsh console session: $out"

# --- a client that floods the line and never reads wedges nothing -----------
# It types lines (most of them empty, each echoed with a prompt) into the
# guest's pty as fast as the line takes them and
# reads none of the echoes; the host is asked for its domains while it
# floods. Then it stops typing and holds the pty open, still reading
# nothing, while a virsh console session runs beside it.
/usr/bin/python3 -c '
import os, select, signal, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
stop = False
def on_usr1(signum, frame):
    global stop
    stop = True
signal.signal(signal.SIGUSR1, on_usr1)
# bare CRs too: each one echoes a line break and a new prompt
line = b"x" * 49 + b"\r" * 51
sent = 0
told = False
while not stop:
    try:
        sent += os.write(fd, line)
    except BlockingIOError:
        select.select([], [fd], [], 0.1)
    if not told and sent >= 1 << 20:
        print("flooding", flush=True)
        told = True
print("stopped", sent, flush=True)
while True:
    signal.pause()
' "$pv_path" > "$work/flood.out" 2>&1 &
flood_pid=$!
# it waits for ever once it stopped typing: it goes with the test
trap 'kill "$flood_pid" 2>/dev/null || true; xensimhost_cleanup' EXIT
flood_says() { grep -q "^$1" "$work/flood.out" || ! kill -0 "$flood_pid" 2>/dev/null; }
if wait_for 60 flood_says flooding && grep -q '^flooding' "$work/flood.out"; then
    pass
else
    fail "the flooding client could not type 1 MiB into the guest within 60 s: $(cat "$work/flood.out")"
fi
start_ms=$(( $(date +%s%N) / 1000000 ))
if timeout 5 "$build/tools/xensim/xensim" --socket "$work/xensim.sock" info > /dev/null; then
    pass
else
    fail "the host did not answer within 5 s while a client floods a console"
fi
elapsed=$(( $(date +%s%N) / 1000000 - start_ms ))
[ "$elapsed" -lt 2000 ] && pass || fail "xensim info took $elapsed ms during the flood"
kill -USR1 "$flood_pid" 2>/dev/null || true
if wait_for 30 flood_says stopped && grep -q '^stopped' "$work/flood.out" &&
        kill -0 "$flood_pid" 2>/dev/null; then
    pass
else
    fail "the flooding client did not stop typing and hold the pty: $(cat "$work/flood.out")"
fi
out=$(console_session cpv 'send=\r' "send=after-flood-$token\r" \
          "expect=after-flood-$token\r\ncpv login: " 2>&1) && pass ||
    fail "cpv: virsh console beside the flooding client: $out"
kill "$flood_pid" 2>/dev/null || true
wait "$flood_pid" 2>/dev/null || true

# --- the pty goes with its domain -------------------------------------------
virsh destroy chvm > /dev/null && pass || fail "destroy chvm"
wait_for 10 gone chvm && pass || fail "the host still has chvm after destroy"
host_holds "$hvm_path" && fail "the host still holds chvm's pty $hvm_path after its destroy" || pass
tty=$(virsh ttyconsole chvm 2>/dev/null) || true
[ -z "$tty" ] && pass || fail "virsh ttyconsole still gives '$tty' for the destroyed chvm"
# a new start gets a console of its own again
virsh start chvm > /dev/null && pass || fail "second start of chvm"
check_console chvm serial/0/tty
hvm_path=$cpath

# --- a daemon restart keeps the consoles ------------------------------------
daemon stop "$work" --keep-host
uri=$(daemon start "$work" "${stock_arg[@]}") || { fail "daemon restart"; finish "$name"; exit 1; }
running() { [ "$(virsh domstate "$1" 2>/dev/null)" = running ]; }
wait_for 30 running cpv && pass || fail "cpv is not running after a daemon restart"
[ "$(console_path cpv)" = "$pv_path" ] && pass ||
    fail "cpv's console after a daemon restart is '$(console_path cpv)', not $pv_path"
check_console cpv console/tty
check_console chvm serial/0/tty
for d in cpv chvm; do
    out=$(console_session "$d" 'send=\r' "expect=$d login: " "send=restarted-$token\r" \
              "expect=restarted-$token\r\n$d login: " 2>&1) && pass ||
        fail "$d: virsh console after a daemon restart: $out"
done

# --- both gone at the end -----------------------------------------------------
for d in cpv chvm; do
    virsh destroy "$d" > /dev/null && pass || fail "destroy $d"
done
for d in cpv chvm; do
    wait_for 10 gone "$d" && pass || fail "the host still has $d after destroy"
done
for p in "$pv_path" "$hvm_path"; do
    host_holds "$p" && fail "the host still holds $p after its domain's destroy" || pass
done

if grep -q "is not simulated" "$work"/log/* 2>/dev/null; then
    fail "the driver called libxl functions the simulated host does not model: $(grep -h 'is not simulated' "$work"/log/* | sort -u)"
else
    pass
fi

finish "$name"
