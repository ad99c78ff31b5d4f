#!/bin/sh
# A tiny PV guest's first process (busybox sh, from guest.cpio.gz).  It
# prints its own memory figures on its console (dom0's xenconsoled logs
# them), so the scenario can compare what libvirt reports with what the
# guest itself sees.  With xenstage.agent=1 on its kernel command line it
# runs our agent and prints its MemTotal whenever that changes; without,
# it only holds its memory; with xenstage.hostile=SECONDS it is step 6's
# hostile guest (bench/hostile-guest-xen.c) instead.
export PATH=/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
# devtmpfs gives /dev/xen/xenbus, the xenbus device the agent talks through
mount -t devtmpfs dev /dev

echo "xenstage-guest: up"
grep -E '^(MemTotal|MemFree|MemAvailable):' /proc/meminfo | sed 's/^/xenstage-guest: /'

# step 6's hostile guest: xenstage.hostile=SECONDS, each of its phases
hostile=$(sed -n 's/.*xenstage\.hostile=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$hostile" ]; then
    exec hostile-guest-xen "$hostile"
fi

if ! grep -q 'xenstage.agent=1' /proc/cmdline; then
    # nothing to do but hold memory (a storm's guest)
    while :; do sleep 3600; done
fi

xenmemstatd --verbose 2>&1 | sed 's/^/xenstage-agent: /' &

# Report the guest's MemTotal whenever it moves (the balloon driver
# changes it), so the console log shows the guest's own view of a setmem.
last=
while :; do
    now=$(sed -n 's/^MemTotal: *//p' /proc/meminfo)
    if [ "$now" != "$last" ]; then
        echo "xenstage-guest: MemTotal: $now"
        last=$now
    fi
    sleep 2
done
