#!/usr/bin/python3
"""How long a guest's statistics record takes to reach a client on the
real-Xen stage: write a record into the guest's data/memstats from dom0
(xenstore-write, as the guest's agent would write it), then poll
memoryStats() until its figure shows.  The guest's own agent is paused
meanwhile (statistics period 0), so that only the probes write, and
given its period back at the end.

Usage: stats-latency.py URI DOMAIN PROBES PERIOD
Prints "P50_MS MAX_MS" over PROBES writes; exits 1 if a record never
showed within 10 s.
"""

import subprocess
import sys
import time

import libvirt

uri, name, probes, period = sys.argv[1:5]
conn = libvirt.open(uri)
dom = conn.lookupByName(name)
key = "/local/domain/%d/data/memstats" % dom.ID()
dom.setMemoryStatsPeriod(0, libvirt.VIR_DOMAIN_AFFECT_LIVE)
latencies = []
try:
    for k in range(int(probes)):
        # a figure not reported before, in a record the guest could write
        free = 60000 + (k * 37 + int(time.time() * 1000)) % 50000
        record = "1 total=150000 free=%d avail=%d caches=1000" % (free, free + 1000)
        subprocess.run(["xenstore-write", key, record], check=True)
        written = time.monotonic()
        while dom.memoryStats().get("unused") != free:
            if time.monotonic() - written > 10:
                sys.exit("stats-latency: %s's record %d never reached memoryStats()"
                         % (name, k))
            time.sleep(0.005)
        latencies.append((time.monotonic() - written) * 1000)
finally:
    dom.setMemoryStatsPeriod(int(period), libvirt.VIR_DOMAIN_AFFECT_LIVE)
latencies.sort()
print("%.0f %.0f" % (latencies[len(latencies) // 2], latencies[-1]))
