#!/usr/bin/env bash
# A libvirt daemon with the libxl driver on a simulated Xen host, driven
# through the built virsh: define, start, list, dominfo, setmem, shutdown,
# a domain dying under libvirt, a daemon restart, destroy, undefine.
#
# Usage: xensim-libvirt.sh SOURCE_ROOT BUILD_DIR [--stock]
set -euo pipefail

top=$1
build=$2
flavour=${3:-ours}
. "$top/tests/checks.sh"

. "$top/tests/xensimhost.sh"

stock_arg=()
[ "$flavour" = --stock ] && stock_arg=(--stock)

uri=$(daemon start "$work" "${stock_arg[@]}" -- --memory 8G --dom0 2G)

# wait_for DESCRIPTION COMMAND...: retry for up to 10 s
wait_for() {
    local what=$1 i
    shift
    for i in $(seq 1 100); do
        if "$@" >/dev/null 2>&1; then
            pass
            return 0
        fi
        sleep 0.1
    done
    fail "$what"
    return 0
}

state_is() { [ "$(virsh domstate "$1" 2>/dev/null)" = "$2" ]; }
host_mem_is() { xensim info | awk -v d="$1" -v m="$2" '$1 == d && $4 == m { f = 1 } END { exit !f }'; }

cat > "$work/guest.xml" <<XML
<domain type='xen'>
  <name>sim-guest</name>
  <memory unit='MiB'>512</memory>
  <currentMemory unit='MiB'>512</currentMemory>
  <vcpu>2</vcpu>
  <os>
    <type arch='x86_64' machine='xenpv'>linux</type>
    <kernel>/boot/vmlinuz-simulated</kernel>
  </os>
  <devices>
    <console type='pty'><target type='xen' port='0'/></console>
  </devices>
</domain>
XML

if virsh nodeinfo | grep "Memory size: *8388608 KiB" >/dev/null; then pass; else fail "nodeinfo does not show the 8 GiB host"; fi

virsh define "$work/guest.xml" >/dev/null && pass || fail "define"
virsh start sim-guest >/dev/null && pass || fail "start"
if virsh list --name | grep -x sim-guest >/dev/null; then pass; else fail "list does not show the running domain"; fi
wait_for "the host does not hold 512 MiB for the domain" host_mem_is sim-guest 512
if virsh dominfo sim-guest | grep "Used memory: *524288 KiB" >/dev/null; then pass; else fail "dominfo memory: $(virsh dominfo sim-guest | grep -i 'used mem')"; fi

virsh setmem sim-guest 262144 --live >/dev/null && pass || fail "setmem"
wait_for "the guest's balloon did not reach 256 MiB" host_mem_is sim-guest 256

virsh shutdown sim-guest >/dev/null && pass || fail "shutdown"
wait_for "the domain did not shut off after a shutdown" state_is sim-guest "shut off"
wait_for "the host still has the domain after shutdown" sh -c "! $build/tools/xensim/xensim --socket $work/xensim.sock info | grep -q sim-guest"

virsh start sim-guest >/dev/null && pass || fail "second start"
xensim destroy sim-guest && pass || fail "xensim destroy"
wait_for "libvirt did not notice the domain dying" state_is sim-guest "shut off"

# the host outlives a daemon restart, and libvirt finds its domain again
virsh start sim-guest >/dev/null && pass || fail "third start"
daemon stop "$work" --keep-host
uri=$(daemon start "$work" "${stock_arg[@]}")
wait_for "the domain is not running after a daemon restart" state_is sim-guest running

virsh destroy sim-guest >/dev/null && pass || fail "destroy"
wait_for "the host still has the domain after destroy" sh -c "! $build/tools/xensim/xensim --socket $work/xensim.sock info | grep -q sim-guest"
virsh undefine sim-guest >/dev/null && pass || fail "undefine"
if virsh list --all --name | grep sim-guest >/dev/null; then fail "the domain is still defined"; else pass; fi

if grep -q "is not simulated" "$work"/log/* "$work"/*/log/* 2>/dev/null; then
    fail "the driver called libxl functions the simulated host does not model: $(grep -h 'is not simulated' "$work"/log/* | sort -u)"
else
    pass
fi

finish "libvirt ($flavour) on the simulated host"
