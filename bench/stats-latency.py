#!/usr/bin/python3
"""How long a guest's statistics take to reach a client: write a record
as the guest, then poll memoryStats() until its figure shows.

Usage: stats-latency.py URI XENSIM SOCKET DOMAIN PROBES
Prints "P50_MS MAX_MS" over PROBES writes; exits 1 if a record never
showed within 10 s.
"""

import subprocess
import sys
import time

import libvirt

uri, xensim, socket, name, probes = sys.argv[1:6]
conn = libvirt.open(uri)
dom = conn.lookupByName(name)
domid = dom.ID()
key = "/local/domain/%d/data/memstats" % domid
latencies = []
for k in range(int(probes)):
    # a figure the guest has not reported before; the rest of the record
    # as the benchmark's guests write it, so that their need stays put
    free = 100000 + (k * 37 + int(time.time() * 1000)) % 50000
    record = ("1 total=250000 free=%d avail=150000 caches=1000 committed=102400"
              % free)
    subprocess.run([xensim, "--socket", socket, "xs-write", key, record, str(domid)],
                   check=True)
    written = time.monotonic()
    while dom.memoryStats().get("unused") != free:
        if time.monotonic() - written > 10:
            sys.exit("stats-latency: %s's record %d never reached memoryStats()" % (name, k))
        time.sleep(0.001)
    latencies.append((time.monotonic() - written) * 1000)
latencies.sort()
print("%.0f %.0f" % (latencies[len(latencies) // 2], latencies[-1]))
