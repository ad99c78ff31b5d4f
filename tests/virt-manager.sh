#!/usr/bin/env bash
# Debian's virt-manager on our daemon on a simulated Xen host: a domain
# whose guest runs our agent, its memory usage and graph on virt-manager's
# Performance page matching what the guest says, and a current allocation
# set on its Memory page reaching the guest's balloon.  virt-manager runs
# in a private X server (Xvfb, on a display number it picks free) and a
# private D-Bus session with its own HOME and dconf, so nothing of the
# machine's settings is read or changed; it connects only to our daemon.
# tests/virt-manager-ui.py drives it through the accessibility tree.
#
# Screenshots are kept in BUILD_DIR/meson-logs (their paths are printed).
#
# Usage: virt-manager.sh SOURCE_ROOT BUILD_DIR AGENT
set -euo pipefail

top=$1
build=$2
agent=$3
. "$top/tests/checks.sh"

. "$top/tests/xensimhost.sh"

# This test prints a line for each check, passed or failed
ok() { echo "PASS: $*"; pass; }
check() {       # WHAT CMD...
    local what=$1; shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}

bound=30
xvfb_pid=
agent_pid=
session_pid=
# stop PID: end a process this test started, TERM then (after the bound)
# KILL, and reap it
stop() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    wait_for 10 eval "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    # the session is a process group of its own: virt-manager, the bus
    # and what the bus started for it
    if [ -n "$session_pid" ]; then
        kill -TERM -- "-$session_pid" 2>/dev/null || true
        wait_for 10 eval "! kill -0 -- -$session_pid 2>/dev/null" ||
            kill -KILL -- "-$session_pid" 2>/dev/null || true
    fi
    stop "$agent_pid"
    stop "$xvfb_pid"
    xensimhost_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

for cmd in virt-manager Xvfb dbus-run-session; do
    command -v "$cmd" > /dev/null || { fail "$cmd is not installed"; finish virt-manager; exit 1; }
done

# --- the host, the daemon, the domain and its guest's agent ----------------
# a 1 GiB guest, given 768 MiB from virt-manager's Memory page, whose free
# memory then drops to 200000 KiB
max_mib=1024
new_mib=768
new_free_kib=200000
uri=$(daemon start "$work" -- --memory 4G --dom0 1G)
"$top/scripts/pv-domain-xml.sh" guest "$max_mib" 1 \
    "<devices><memballoon model='xen'><stats period='1'/></memballoon></devices>" > "$work/guest.xml"
virsh define "$work/guest.xml" > /dev/null
virsh start guest > /dev/null
guestid=$(virsh domid guest)
# the guest's /proc: a Debian 12 guest's files, in a copy the test changes
mkdir "$work/proc"
cp "$top/tests/xenmemstatddata/debian12-1g/meminfo" "$top/tests/xenmemstatddata/debian12-1g/vmstat" \
    "$work/proc/"
free_kib=$(awk '$1 == "MemFree:" { print $2 }' "$work/proc/meminfo")
LD_PRELOAD="$build/tools/xensim/libxensim-preload.so" XENSIM_DOMID=$guestid \
    XENSIM_SOCKET="$work/xensim.sock" "$agent" --proc-root "$work/proc" \
    > "$work/agent.log" 2>&1 &
agent_pid=$!
unused() { virsh dommemstat guest | awk '$1 == "unused" { print $2 }'; }
unused_is() { [ "$(unused)" = "$1" ]; }
check "the daemon has the guest's figures (unused $free_kib KiB)" wait_for "$bound" unused_is "$free_kib"

# --- a private X server and session ----------------------------------------
# Xvfb picks a free display number and writes it once it accepts clients
: > "$work/display"
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3> "$work/display" \
    > "$work/xvfb.log" 2>&1 &
xvfb_pid=$!
display_ready() { grep -qx '[0-9]\+' "$work/display"; }
if ! wait_for "$bound" display_ready; then
    fail "Xvfb did not start: $(cat "$work/xvfb.log")"
    finish virt-manager
    exit 1
fi
ok "a private X server on display :$(cat "$work/display")"

home=$work/home
mkdir -p "$home" "$work/runtime"
chmod 700 "$work/runtime"
shots=$build/meson-logs/virt-manager
mkdir -p "$build/meson-logs"
rm -f "$shots"-*.png
# Nothing of the caller's session, settings or libvirt defaults: the
# session bus, dconf and the accessibility bus are this test's own
setsid -w env -u DBUS_SESSION_BUS_ADDRESS -u AT_SPI_BUS_ADDRESS -u LIBVIRT_DEFAULT_URI \
    -u PYTHONPATH -u PYTHONHOME -u GTK_MODULES -u NO_AT_BRIDGE -u LANGUAGE \
    -u XAUTHORITY -u WAYLAND_DISPLAY -u GTK_THEME -u GDK_SCALE -u GDK_DPI_SCALE \
    DISPLAY=":$(cat "$work/display")" GDK_BACKEND=x11 LC_ALL=C.UTF-8 \
    HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache" \
    XDG_DATA_HOME="$home/.local/share" XDG_STATE_HOME="$home/.local/state" \
    XDG_RUNTIME_DIR="$work/runtime" TMPDIR="$work" \
    dbus-run-session -- /usr/bin/python3 "$top/tests/virt-manager-ui.py" \
        --uri "$uri" --domain guest \
        --xensim "$build/tools/xensim/xensim" --socket "$work/xensim.sock" \
        --meminfo "$work/proc/meminfo" --max-mib "$max_mib" \
        --new-mib "$new_mib" --new-free-kib "$new_free_kib" \
        --shots "$shots" --log "$work/virt-manager.log" \
    > "$work/ui.out" 2> "$work/ui.err" < /dev/null &
session_pid=$!
# waited for in the background, so that a TERM to this test ends it at once
status=0
wait "$session_pid" || status=$?
session_pid=
# the driver's lines (the session's services print to it too)
grep -E '^((PASS|FAIL|virt-manager):|screenshot )' "$work/ui.out" || true
ui_checks=$(grep -c '^PASS: ' "$work/ui.out" || true)
ui_failures=$(grep -c '^FAIL: ' "$work/ui.out" || true)
checks=$((checks + ui_checks))
failures=$((failures + ui_failures))
if [ "$status" != 0 ] && [ "$ui_failures" = 0 ]; then
    fail "the UI driver exited with status $status"
fi
# a driver that ended early must not pass for one that checked everything
grep -q "^virt-manager: $ui_checks checks passed, $ui_failures failed$" "$work/ui.out" ||
    fail "the UI driver did not finish its checks"
if [ "$status" != 0 ]; then
    echo "--- the UI driver's errors"
    tail -40 "$work/ui.err"
    echo "--- virt-manager's log"
    tail -40 "$work/virt-manager.log" 2>/dev/null || true
fi
# the domain's text console is a pty the simulated host serves, as
# xenconsoled does: virt-manager opens it rather than reporting none
check "virt-manager opened the guest's console pty" \
    eval 'grep -q "Opening console stream" "$work/virt-manager.log" &&
          ! grep -q "PTY device is not yet assigned" "$work/virt-manager.log"'
# virt-manager asked for the allocation only: the domain keeps running
check "the domain still runs" eval '[ "$(virsh domstate guest)" = running ]'
kill -0 "$agent_pid" 2>/dev/null && ok "the guest's agent ran throughout" ||
    fail "the guest's agent exited: $(cat "$work/agent.log")"

finish virt-manager
