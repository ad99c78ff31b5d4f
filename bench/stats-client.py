#!/usr/bin/python3
"""Memory statistics of every domain of a host, the way a monitoring agent
(ceilometer, a Prometheus exporter) collects them.

Usage:
  stats-client.py URI start N MIB   start N transient PV domains stats1..N
  stats-client.py URI bulk RUNS     GetAllDomainStats(balloon), RUNS times
  stats-client.py URI loop RUNS     memoryStats() domain by domain, RUNS times

bulk and loop print: MEDIAN_MS DOMAINS GUEST_FIGURES, where GUEST_FIGURES
counts the domains whose statistics include the guest's own "unused".
"""

import statistics
import sys
import time

import libvirt

DOMAIN_XML = """<domain type='xen'>
  <name>stats{i}</name>
  <memory unit='MiB'>{mib}</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='xenpv'>linux</type>
      <kernel>/boot/vmlinuz-simulated</kernel></os>
</domain>"""


def start(conn, n, mib):
    for i in range(1, n + 1):
        conn.createXML(DOMAIN_XML.format(i=i, mib=mib), 0)
    for dom in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
        if dom.ID() > 0:
            print(dom.ID())


def bulk(conn):
    records = conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_BALLOON)
    return len(records), sum(1 for _, s in records if "balloon.unused" in s)


def loop(conn):
    guest = 0
    doms = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
    for dom in doms:
        if "unused" in dom.memoryStats():
            guest += 1
    return len(doms), guest


def main():
    conn = libvirt.open(sys.argv[1])
    mode = sys.argv[2]
    if mode == "start":
        start(conn, int(sys.argv[3]), int(sys.argv[4]))
        return
    collect = bulk if mode == "bulk" else loop
    times = []
    for _ in range(int(sys.argv[3])):
        t0 = time.monotonic()
        ndoms, guest = collect(conn)
        times.append((time.monotonic() - t0) * 1000)
    print("%.1f %d %d" % (statistics.median(times), ndoms, guest))


if __name__ == "__main__":
    main()
