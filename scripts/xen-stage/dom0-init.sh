#!/bin/sh
# dom0's first process (busybox sh, from dom0.cpio.gz): mount the host's
# root, which QEMU shares read-only over 9p, tmpfs over its writable
# places, the checkout (a share of its own) at its own path, and run
# dom0-stage.sh in it
# (chroot), so that dom0 uses the host's own Xen tools, libvirt and our
# build unchanged.  The stage directory is shared writable on top, for
# logs.  Ends the machine with `reboot -f` (QEMU runs with -no-reboot and
# exits) after printing the stage's exit status as a marker.
export PATH=/bin
# the stage's settings, exported: the scripts in the chroot read them too
set -a
. /stage.env
set +a

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# ptys: xenconsoled gives every guest console one (libvirt's <console type='pty'>)
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
echo "XENSTAGE-DOM0-INIT"

end() {
    echo "XENSTAGE-EXIT $1"
    sync
    reboot -f
    sleep 10
}

for m in $XENSTAGE_MODULES; do
    insmod "/modules/$m.ko" || { echo "xen-stage: insmod $m failed"; end 90; }
done
opts=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o "$opts,ro,cache=loose" hostroot /host || end 91
# dom0's writable places, laid over the host's before anything else is
# mounted: the checkout may be under one of them (a clone in /tmp), and
# mounting it first would hide it
for d in run tmp var/lib var/log var/cache; do
    mount -t tmpfs -o mode=0755 xenstage "/host/$d" || end 94
done
# The checkout at its own path, from its own share: under a tmpfs above
# the mount point is made, elsewhere it exists in the host's root
mkdir -p "/host$XENSTAGE_TOP" || end 95
mount -t 9p -o "$opts,ro,cache=loose" checkout "/host$XENSTAGE_TOP" || end 96
mount -t 9p -o "$opts" stage "/host$XENSTAGE_DIR/out" || end 92
for d in proc sys dev; do
    mount --rbind "/$d" "/host/$d" || end 93
done

chroot /host /bin/bash "$XENSTAGE_TOP/scripts/xen-stage/dom0-stage.sh" "$XENSTAGE_TOP" "$XENSTAGE_DIR"
end $?
