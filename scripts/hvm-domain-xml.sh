#!/usr/bin/env bash
# Print the XML of a small HVM domain for the simulated host, as
# pv-domain-xml.sh does for PV ones (paged domains are HVM).
#
# Usage: hvm-domain-xml.sh NAME MIB [CURRENT_MIB] [EXTRA_XML]
#   CURRENT_MIB defaults to MIB
set -euo pipefail

cat <<XML
<domain type='xen'>
  <name>$1</name>
  <memory unit='MiB'>$2</memory>
  <currentMemory unit='MiB'>${3:-$2}</currentMemory>
  ${4:-}
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='xenfv'>hvm</type>
  </os>
</domain>
XML
