#!/usr/bin/python3
"""Start many domains at once, each from its own client connection, the
way a fleet of nova-compute workers or admins would, and report per start:
whether it ran, how long the call took, and the error.

Usage: storm-client.py [--paused] URI NAME...
Prints one line per domain: NAME OK|FAIL MILLISECONDS [ERROR]

--paused starts them paused (VIR_DOMAIN_START_PAUSED, as nova does while
it waits for its network), so that the guests' kernels do not boot: on a
real host under TCG a handful of booting guests slows dom0 several-fold,
which would be measured as the toolstack's time.  A paused domain is fully
built and holds all its memory, which is all that admission and claims
are about.
"""

import sys
import threading
import time

import libvirt


def main():
    args = sys.argv[1:]
    flags = 0
    if args and args[0] == "--paused":
        flags = libvirt.VIR_DOMAIN_START_PAUSED
        args = args[1:]
    uri, names = args[0], args[1:]
    # one connection per client, opened before the clock starts
    conns = [libvirt.open(uri) for _ in names]
    doms = [c.lookupByName(n) for c, n in zip(conns, names)]
    barrier = threading.Barrier(len(names))
    results = [None] * len(names)

    def start(i):
        barrier.wait()
        t0 = time.monotonic()
        try:
            doms[i].createWithFlags(flags)
            results[i] = ("OK", time.monotonic() - t0, "")
        except libvirt.libvirtError as e:
            results[i] = ("FAIL", time.monotonic() - t0,
                          e.get_error_message().replace("\n", " "))

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(names))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, (status, secs, err) in zip(names, results):
        print(name, status, int(secs * 1000), err)


if __name__ == "__main__":
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    main()
