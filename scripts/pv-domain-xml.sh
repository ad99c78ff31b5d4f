#!/usr/bin/env bash
# Print the XML of a small PV domain for the simulated host: tests,
# benchmarks and the demo define their domains with it.
#
# Usage: pv-domain-xml.sh NAME MIB [VCPUS] [EXTRA_XML]
set -euo pipefail

cat <<XML
<domain type='xen'>
  <name>$1</name>
  <memory unit='MiB'>$2</memory>
  ${4:-}
  <vcpu>${3:-1}</vcpu>
  <os>
    <type arch='x86_64' machine='xenpv'>linux</type>
    <kernel>/boot/vmlinuz-simulated</kernel>
  </os>
</domain>
XML
