#!/usr/bin/python3
"""Start many domains at once, each from its own client connection, the
way a fleet of nova-compute workers or admins would, and report per start:
whether it ran, how long the call took, and the error.

Usage: storm-client.py URI NAME...
Prints one line per domain: NAME OK|FAIL MILLISECONDS [ERROR]
"""

import sys
import threading
import time

import libvirt


def main():
    uri = sys.argv[1]
    names = sys.argv[2:]
    # one connection per client, opened before the clock starts
    conns = [libvirt.open(uri) for _ in names]
    doms = [c.lookupByName(n) for c, n in zip(conns, names)]
    barrier = threading.Barrier(len(names))
    results = [None] * len(names)

    def start(i):
        barrier.wait()
        t0 = time.monotonic()
        try:
            doms[i].create()
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
