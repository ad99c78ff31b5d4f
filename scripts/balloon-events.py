#!/usr/bin/python3
"""Wait for a domain's balloon-change events, the way a client of the
libvirt API subscribes to them.

Usage:
  balloon-events.py URI DOMAIN TARGET_KIB TIMEOUT_S

Prints "ready" once the callback is registered (so a caller can change the
balloon knowing no event can be missed), then one line per event,
"balloon-change KIB", and exits 0 when an event reports TARGET_KIB, or 1
after TIMEOUT_S seconds without one.  The wait is bounded by the timeout,
not by a fixed sleep.
"""

import sys
import threading
import time

import libvirt


def main():
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    uri, name, target, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])

    libvirt.virEventRegisterDefaultImpl()
    conn = libvirt.open(uri)
    # the client only listens: no keepalive of its own, so a daemon that
    # answers late (a busy dom0) does not drop it
    conn.setKeepAlive(0, 0)
    dom = conn.lookupByName(name)
    reached = threading.Event()

    def on_balloon(_conn, _dom, actual, _opaque):
        print("balloon-change %d" % actual, flush=True)
        if actual == target:
            reached.set()

    conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE,
                                on_balloon, None)
    # a periodic timer wakes the loop so that the deadline is seen even
    # when no event comes
    libvirt.virEventAddTimeout(200, lambda *_args: None, None)
    print("ready", flush=True)
    deadline = time.monotonic() + timeout
    while not reached.is_set() and time.monotonic() < deadline:
        libvirt.virEventRunDefaultImpl()
    return 0 if reached.is_set() else 1


if __name__ == "__main__":
    sys.exit(main())
