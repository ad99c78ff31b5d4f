#!/usr/bin/env bash
# dom0's stage, run by dom0-init.sh chrooted into the host's root (shared
# read-only over 9p):  make the rest of the writable places tmpfs, bring up Xen's
# dom0 services, run the scenario with our libvirt daemon and then with
# Debian's stock one, and print the report.  Exit status 1 if either
# scenario failed a check.
#
#   dom0-stage.sh TOP STAGE
set -euo pipefail

top=$1
stage=$2
here=$top/scripts/xen-stage
out=$stage/out          # shared writable with the host
. "$here/lib.sh"

# Quiet the kernel's console: dom0's console is the serial log the host
# reads the report from.
echo 1 > /proc/sys/kernel/printk

# Writable places (/run, /tmp and /var's are tmpfs already, dom0-init.sh).
# /etc/libvirt and /etc/xen keep the host's files (the stock client reads
# /etc/libvirt/libvirt.conf); our build's prefix is where our daemon keeps
# its state (fixed at build time; run.sh made the mount points).
for d in /etc/libvirt /etc/xen; do
    mkdir -p /tmp/etc-copy
    rm -rf /tmp/etc-copy/x
    cp -a "$d" /tmp/etc-copy/x 2>/dev/null || mkdir -p /tmp/etc-copy/x
    mount -t tmpfs -o mode=0755 xenstage "$d"
    cp -a /tmp/etc-copy/x/. "$d/"
done
mount -t tmpfs -o mode=0755 xenstage "$top/build/install/var"
mount -t tmpfs -o mode=0755 xenstage "$top/build/install/etc/libvirt"
mkdir -p /run/xenstage /var/log/xen /var/lib/xen /run/xen /run/xenstored "$out/logs"

# Guests' kernel and initramfs in dom0's memory: every build reads them,
# and 9p under TCG is slow.
mkdir -p /run/xenstage/img
cp "$stage/img/vmlinux" "$stage/img/guest.cpio.gz" /run/xenstage/img/

say "dom0 up: Linux $(uname -r), $(nproc) vCPU, $(awk '/MemTotal/ { print $2 }' /proc/meminfo) KiB, $(cut -d" " -f1 /proc/uptime) s after its kernel started"

# Xen's dom0 services, as the xen init script would start them.
t0=$(now_ms)
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs; do
    modprobe "$m"
done
mount -t xenfs xenfs /proc/xen
xenstored --pid-file /run/xenstored.pid
for i in $(seq 1 100); do [ -S /run/xenstored/socket ] && break; sleep 0.1; done
xen-init-dom0 > /var/log/xen/xen-init-dom0.log 2>&1
mkdir -p "$out/console"
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir="$out/console"
say "xen services up in $(( $(now_ms) - t0 )) ms: $(xl info | awk '$1 == "xen_version" { print "Xen " $3 }')"

status=0
"$here/scenario.sh" ours "$top" "$stage" || status=1
"$here/scenario.sh" stock "$top" "$stage" || status=1

"$here/report.sh" "$out/figures-ours.txt" "$out/figures-stock.txt" | sed 's/^/xs| /'
cp /var/log/xen/*.log "$out/logs/" 2>/dev/null || true
say "stage exit status $status"
exit $status
