#!/usr/bin/env bash
# dom0's stage, run by dom0-init.sh chrooted into the host's root (shared
# read-only over 9p):  make the rest of the writable places tmpfs, bring up Xen's
# dom0 services, run the scenario with our libvirt daemon and then with
# Debian's stock one (and, with XENSTAGE_PATCHED=1, once more with our
# daemon on the patched toolstack laid over Debian's), and print the
# report.  Exit status 1 if any scenario failed a check.
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

# The patched toolstack (run.sh --patched): every file of its packages
# that Debian's installed too is bound over Debian's, so that xl, libxl,
# its save helper and the libraries under them are the patched build's
# wherever they are looked for; the hypervisor and the daemons already
# running (xenstored, xenconsoled) stay.
figures=("$out/figures-ours.txt" "$out/figures-stock.txt")
if [ "$XENSTAGE_PATCHED" = 1 ]; then
    root=$stage/patched-root
    bound=0
    # a file, not a process substitution: dom0's devtmpfs has no /dev/fd
    find "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib" -type f -print0 \
        > /run/xenstage/patched-files 2> /dev/null || true
    while IFS= read -r -d '' f; do
        target=${f#"$root"}
        [ -f "$target" ] && [ ! -L "$target" ] || continue
        mount --bind "$f" "$target"
        bound=$((bound + 1))
    done < /run/xenstage/patched-files
    XS_FAILED=0
    # xl's command list (xl without a command, which exits 1)
    xl_commands=$(xl 2>&1 || true)
    if [ "$bound" -gt 0 ] && grep -q libxl_get_unclaimed_free_memory /usr/lib/x86_64-linux-gnu/libxenlight.so.4.17.0 &&
       grep -q "^ mem-policy " <<< "$xl_commands" && xl info > /dev/null 2>&1; then
        pass "patched toolstack: $bound files bound over Debian's; xl and libxenlight are the patched ones and xl info answers on Debian's hypervisor"
        "$here/scenario.sh" patched "$top" "$stage" || status=1
        figures+=("$out/figures-patched.txt")
    else
        fail "patched toolstack: $bound files bound; xl or libxenlight is not the patched one, or xl info fails: $(xl info 2>&1 | tail -1)"
        status=1
    fi
fi

"$here/report.sh" "${figures[@]}" | sed 's/^/xs| /'
cp /var/log/xen/*.log "$out/logs/" 2>/dev/null || true
say "stage exit status $status"
exit $status
