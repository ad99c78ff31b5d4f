#!/usr/bin/env bash
# Assemble what QEMU boots, from installed Debian packages only:
#
#   assemble.sh TOP STAGE      (writes STAGE/img/; OUT below)
#
#   OUT/xen          the hypervisor (xen-hypervisor-4.17-amd64), uncompressed:
#                    QEMU's -kernel loads its multiboot1 ELF directly
#   OUT/vmlinuz      Debian's kernel (linux-image-amd64), dom0's kernel
#   OUT/vmlinux      the same kernel uncompressed, for the PV guests (their
#                    build then copies it instead of decompressing it in dom0)
#   OUT/dom0.cpio.gz busybox-static, the modules that mount the 9p share of
#                    the host's root, dom0-init.sh as /init and /stage.env
#   OUT/guest.cpio.gz busybox-static, our guest agent and the hostile guest
#                    of step 6 with their libraries, guest-init.sh as /init
#
# dom0 needs no more: everything else (Xen's tools, libvirt, our build) it
# runs from the host's root, shared read-only by QEMU.
set -euo pipefail

top=${1:?usage: assemble.sh TOP STAGE}
stage=${2:?usage: assemble.sh TOP STAGE}
out=$stage/img
here=$top/scripts/xen-stage
agent=$top/build/tools/xenmemstatd/xenmemstatd
hostile=$top/build/hostile-guest-xen

die() { echo "xen-stage: $*" >&2; exit 1; }

# the kernel linux-image-amd64 depends on (not whatever else is in /boot)
kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 | sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')
[ -n "$kver" ] && [ -f "/boot/vmlinuz-$kver" ] || die "no kernel of linux-image-amd64 in /boot"
[ -f /boot/xen-4.17-amd64.gz ] || die "no /boot/xen-4.17-amd64.gz (xen-hypervisor-4.17-amd64)"
[ -x "$agent" ] || die "no $agent: build first (./run build)"
[ -x "$hostile" ] || die "no $hostile: build first (./run build)"

mkdir -p "$out"
zcat /boot/xen-4.17-amd64.gz > "$out/xen"
cp "/boot/vmlinuz-$kver" "$out/vmlinuz"
"$here/extract-vmlinux.sh" "/boot/vmlinuz-$kver" > "$out/vmlinux"

# A tree with busybox and its applets as links, ready for cpio.
busybox_tree() {
    local root=$1 applet
    mkdir -p "$root"/{bin,dev,proc,sys,run,tmp}
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
    done
    ln -sf bin "$root/sbin"
}

pack() {    # DIR FILE: a newc initramfs of DIR
    (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 > "$2"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# dom0: modules in load order (modules.dep order), from the same kernel
busybox_tree "$work/dom0"
mkdir -p "$work/dom0/modules" "$work/dom0/host"
modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p"
for m in $modules; do
    f=$(grep -o "^[^:]*/$m\.ko[^:]*:" "/lib/modules/$kver/modules.dep" | tr -d :)
    [ -n "$f" ] || die "module $m not in /lib/modules/$kver"
    cp "/lib/modules/$kver/$f" "$work/dom0/modules/"
done
cp "$here/dom0-init.sh" "$work/dom0/init"
chmod 755 "$work/dom0/init"
cat > "$work/dom0/stage.env" <<ENV
XENSTAGE_TOP='$top'
XENSTAGE_DIR='$stage'
XENSTAGE_MODULES='$modules'
XENSTAGE_STORM_PAUSED='${XENSTAGE_STORM_PAUSED:-1}'
XENSTAGE_PATCHED='${XENSTAGE_PATCHED:-0}'
ENV
pack "$work/dom0" "$out/dom0.cpio.gz"

# guest: busybox, the agent, the hostile guest and exactly the libraries
# ld.so resolves for them
busybox_tree "$work/guest"
mkdir -p "$work/guest/usr/sbin"
cp "$agent" "$work/guest/usr/sbin/xenmemstatd"
cp "$hostile" "$work/guest/usr/sbin/hostile-guest-xen"
for lib in $( (ldd "$agent"; ldd "$hostile") | grep -o '/[^ ]*' | sort -u); do
    mkdir -p "$work/guest$(dirname "$lib")"
    cp -L "$lib" "$work/guest$lib"
done
cp "$here/guest-init.sh" "$work/guest/init"
chmod 755 "$work/guest/init"
pack "$work/guest" "$out/guest.cpio.gz"

echo "$kver"
