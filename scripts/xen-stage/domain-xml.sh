#!/usr/bin/env bash
# Print the XML of a tiny PV guest of the real Xen host: Debian's kernel
# (uncompressed) and the busybox initramfs of assemble.sh, no disk, no
# network, pinned to physical CPU 1 (dom0 has CPU 0 to itself, so booting
# guests do not starve the toolstack under TCG).
#
#   domain-xml.sh NAME MIB CLAIM(0|1) AGENT(0|1) IMGDIR [HOSTILE_SECONDS]
#
# CLAIM=1 adds <memoryClaim/> (the stock driver ignores the unknown
# element, so both daemons get the same XML); AGENT=1 runs our agent in
# the guest and sets a 2 s statistics period.  HOSTILE_SECONDS makes it
# step 6's hostile guest (bench/hostile-guest-xen.c, that many seconds
# per phase), under the auto memory policy actor, which reads its lies,
# started with half its memory, so that the actor has room to raise it.
set -euo pipefail

name=$1 mib=$2 claim=$3 agent=$4 img=$5 hostile=${6:-}
cat <<XML
<domain type='xen'>
  <name>$name</name>
  <memory unit='MiB'>$mib</memory>
  $([ -n "$hostile" ] && echo "<currentMemory unit='MiB'>$((mib / 2))</currentMemory>")
  $([ "$claim" = 1 ] && echo "<memoryClaim/>")
  $([ -n "$hostile" ] && echo "<memoryPolicy actor='auto'/>")
  <vcpu cpuset='1'>1</vcpu>
  <os>
    <type arch='x86_64' machine='xenpv'>linux</type>
    <kernel>$img/vmlinux</kernel>
    <initrd>$img/guest.cpio.gz</initrd>
    <cmdline>console=hvc0 quiet xenstage.agent=$agent$([ -n "$hostile" ] && echo " xenstage.hostile=$hostile")</cmdline>
  </os>
  <devices>
    <console type='pty'><target type='xen' port='0'/></console>
    $([ "$agent" = 1 ] && echo "<memballoon model='xen'><stats period='2'/></memballoon>")
  </devices>
</domain>
XML
