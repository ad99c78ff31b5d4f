#!/usr/bin/python3
"""Many transient domains of the auto memory policy actor, for the actor
cycle of bench/rebalance.sh, through the libvirt Python bindings.

Usage:
  actor-client.py URI start N MAX_MIB CUR_MIB SECONDS
      start transient PV domains actor1..N, <memoryPolicy actor='auto'/>,
      of MAX_MIB with CUR_MIB to start with, one after the other, until N
      run or SECONDS have passed; prints: STARTED ELAPSED_S
  actor-client.py URI records
      prints how many running domains have their guest's figures
      (balloon.usable, from the guest's statistics record)
"""

import sys
import time

import libvirt

DOMAIN_XML = """<domain type='xen'>
  <name>actor{i}</name>
  <memory unit='MiB'>{mib}</memory>
  <currentMemory unit='MiB'>{cur}</currentMemory>
  <memoryPolicy actor='auto'/>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='xenpv'>linux</type>
      <kernel>/boot/vmlinuz-simulated</kernel></os>
</domain>"""


def start(conn, n, mib, cur, seconds):
    t0 = time.monotonic()
    started = 0
    for i in range(1, n + 1):
        if time.monotonic() - t0 >= seconds:
            break
        conn.createXML(DOMAIN_XML.format(i=i, mib=mib, cur=cur), 0)
        started = i
    print("%d %.1f" % (started, time.monotonic() - t0))


def records(conn):
    stats = conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_BALLOON,
                                   libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)
    print(sum(1 for dom, s in stats if dom.ID() > 0 and "balloon.usable" in s))


def main():
    conn = libvirt.open(sys.argv[1])
    if sys.argv[2] == "start":
        start(conn, *(int(a) for a in sys.argv[3:7]))
    elif sys.argv[2] == "records":
        records(conn)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
