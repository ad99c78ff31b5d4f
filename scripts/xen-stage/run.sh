#!/usr/bin/env bash
# The host side of ./run xen-stage: assemble the images, snapshot our
# built libvirt, boot Xen under QEMU (TCG), capture the serial log,
# extract the report and exit non-zero on any failed step.
#
#   scripts/xen-stage/run.sh TOP [--patched DEBS]
#
# --patched: DEBS holds the packages of ./run xen (xen-patches/ applied);
# their toolstack (libraries, xl, the save helper, xenstore's tools; not
# the hypervisor) is unpacked in STAGE/patched-root, which dom0 lays over
# Debian's after the two scenarios, our driver module is built against
# its headers (scripts/libxl-patched.sh) into snap/patched/, and a third
# scenario, patched, runs with them.
#
# TOP may be anywhere, /tmp included: dom0 reaches it through a 9p share
# of its own, not through the host's root.
#
# Everything lands in TOP/.cache/xen-stage/: img/ (what QEMU boots),
# snap/ (our libvirt, copied so that a rebuild during the run cannot mix
# binaries), out/ (shared writable with dom0: figures, guest consoles,
# daemon logs), serial.log (the whole console) and report.txt.
set -euo pipefail

top=${1:?usage: run.sh TOP [--patched DEBS]}
patched_debs=
if [ "${2:-}" = --patched ]; then
    patched_debs=${3:?--patched needs the directory of the packages ./run xen made}
fi
stage=$top/.cache/xen-stage
libvirt=$top/build/subprojects/libvirt
# a boot and both scenarios take a few minutes under TCG; a hung guest or
# toolstack must not hang the caller forever
timeout_s=${XENSTAGE_TIMEOUT:-2400}

log() { printf '== %s\n' "$*" >&2; }
die() { echo "xen-stage: $*" >&2; exit 1; }

# QEMU shares the whole root with dom0, which runs our daemon as root
[ "$(id -u)" = 0 ] || die "run as root"
[ -x "$libvirt/src/libvirtd" ] || die "no $libvirt/src/libvirtd: build first (./run build)"
[ -e /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_libxl.so ] ||
    die "Debian's stock libxl driver is missing: scripts/stock-daemon.sh install"
command -v qemu-system-x86_64 > /dev/null && [ -x /usr/lib/xen-4.17/bin/xl ] ||
    die "QEMU or Xen's tools are missing (./run xen-stage installs them)"

rm -rf "$stage/out" "$stage/snap" "$stage/patched-root"
mkdir -p "$stage/out" "$stage/snap"
# dom0 sees the checkout through a 9p share of its own, read-only; the
# places it lays tmpfs over must exist in it: our daemon's state and
# configuration under the build's prefix (fixed at build time), which a
# clone that was only built does not have yet
mkdir -p "$top/build/install/var" "$top/build/install/etc/libvirt"

XENSTAGE_PATCHED=0
if [ -n "$patched_debs" ]; then
    ls "$patched_debs"/libxenmisc4.17_*+overcommit*.deb > /dev/null 2>&1 ||
        die "no patched packages in $patched_debs (./run xen makes them)"
    log "unpacking the patched toolstack of $patched_debs"
    mkdir -p "$stage/patched-root"
    for deb in "$patched_debs"/*.deb; do
        case ${deb##*/} in
            *-dbgsym_*|*-dbg_*|xen-hypervisor*|xen-doc*|xen-system*) continue ;;
        esac
        dpkg-deb -x "$deb" "$stage/patched-root"
    done
    log "building our driver module against its headers"
    rm -rf "$stage/patched-build"
    "$top/scripts/libxl-patched.sh" "$top/build" "$stage/patched-root" \
        "$stage/patched-build" > /dev/null
    mkdir -p "$stage/snap/patched"
    cp -L "$stage/patched-build/driver/libvirt_driver_libxl.so" "$stage/snap/patched/"
    rm -rf "$stage/patched-build"
    XENSTAGE_PATCHED=1
fi
export XENSTAGE_PATCHED

log "assembling Xen, dom0 and guest images in $stage/img"
kver=$("$top/scripts/xen-stage/assemble.sh" "$top" "$stage")

# our libvirt as built: the daemon, virsh, their libraries, the libxl module
for f in src/libvirtd tools/virsh src/libvirt.so.0 src/libvirt-lxc.so.0 \
         src/libvirt-qemu.so.0 src/libvirt_driver_libxl.so; do
    cp -L "$libvirt/$f" "$stage/snap/"
done

xen_args="console=com1 com1=115200,8n1 dom0_mem=512M,max:512M dom0_max_vcpus=1 dom0_vcpus_pin loglvl=warning guest_loglvl=warning"
dom0_args="console=hvc0 earlyprintk=xen"
qemu=(qemu-system-x86_64
    -machine q35 -accel tcg,thread=multi -cpu Westmere,-rdtscp -smp 2 -m 2048
    -nodefaults -display none -no-reboot -monitor none -serial stdio
    -kernel "$stage/img/xen" -append "$xen_args"
    -initrd "$stage/img/vmlinuz $dom0_args,$stage/img/dom0.cpio.gz"
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
    -virtfs "local,path=$top,mount_tag=checkout,security_model=none,readonly=on,multidevs=remap"
    -virtfs "local,path=$stage/out,mount_tag=stage,security_model=none,multidevs=remap")
printf '%q ' "${qemu[@]}" > "$stage/qemu-command"
log "booting Xen 4.17 + dom0 (Linux $kver) under QEMU TCG; serial log: $stage/serial.log"
t0=$(date +%s)
set +e
timeout "$timeout_s" "${qemu[@]}" < /dev/null 2>&1 | tr -d '\r' | tee "$stage/serial.log" |
    sed -un 's/^xs| \(PASS\|FAIL\|ERROR\|===\|---\)/\1/p' >&2
qemu_status=${PIPESTATUS[0]}
set -e
secs=$(( $(date +%s) - t0 ))

sed -n 's/^xs| //p' "$stage/serial.log" > "$stage/report.txt"
exit_marker=$(sed -n 's/^XENSTAGE-EXIT \([0-9]*\)$/\1/p' "$stage/serial.log" | tail -1)
passed=$(grep -c '^PASS ' "$stage/report.txt" || true)
failed=$(grep -c -E '^(FAIL|ERROR:) ' "$stage/report.txt" || true)
{
    echo "xen-stage: one cycle (boot, the scenarios, power off) took $secs s"
    echo "xen-stage: $passed passed, $failed failed; dom0 stage exit ${exit_marker:-missing}; QEMU exit $qemu_status"
} >> "$stage/report.txt"

cat "$stage/report.txt"
if [ "$qemu_status" = 124 ]; then
    echo "xen-stage: timed out after $timeout_s s (see $stage/serial.log)" >&2
    exit 1
fi
if [ "${exit_marker:-x}" != 0 ] || [ "$failed" != 0 ] || [ "$passed" = 0 ]; then
    echo "xen-stage: FAILED (serial log: $stage/serial.log, logs: $stage/out/)" >&2
    exit 1
fi
