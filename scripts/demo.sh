#!/usr/bin/env bash
# ./run demo: <memoryClaim/> and <memoryPolicy/> through the built virsh on
# libvirt's test driver.  (The simulated Xen host will take the demo over.)
set -euo pipefail

builddir=$1
virsh=$builddir/subprojects/libvirt/tools/virsh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat <<'TEXT'
What this shows
---------------
A domain can now say <memoryClaim/>: when libvirt's Xen (libxl) driver builds
it, the hypervisor first claims all of the domain's memory in one atomic
step, so a start that cannot fit fails at once instead of half-building the
domain, and concurrent starts can no longer over-commit the host. Without
the element the host default applies (claim_mode in libxl.conf); mode='off'
opts a domain out. <memoryPolicy actor=... delay=... paging=.../> names who
reaches a memory target set with 'virsh setmem': nobody, the admin, the
balloon driver (then, for HVM guests with paging='on', the pager after
'delay' seconds), or an automatic balancer. Below, the built virsh defines
such a domain on libvirt's test driver with schema validation, prints it back
unchanged, and refuses a bad value with an error that names it.

TEXT

cat > "$work/demo.xml" <<'XML'
<domain type='test'>
  <name>overcommit-demo</name>
  <memory unit='MiB'>1024</memory>
  <currentMemory unit='MiB'>512</currentMemory>
  <memoryClaim/>
  <memoryPolicy actor='balloon' delay='5' paging='on'/>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
  </os>
</domain>
XML
sed -e "s|<memoryClaim/>|<memoryClaim mode='maybe'/>|" \
    -e "s|overcommit-demo|overcommit-bad|" "$work/demo.xml" > "$work/bad.xml"

run() { printf '$ virsh %s\n' "${*:2}"; "$@" 2>&1; }

run "$virsh" -c test:///default \
    "define --validate $work/demo.xml; dumpxml overcommit-demo" |
    sed -n -e '1,/<currentMemory/p' -e '/<memoryClaim/p' -e '/<memoryPolicy/p' -e '/<vcpu/p'
echo "  ..."
echo
if run "$virsh" -c test:///default "define $work/bad.xml"; then
    echo "demo: a bad <memoryClaim> mode was accepted" >&2
    exit 1
fi
echo
echo "demo: done"
