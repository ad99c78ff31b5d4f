#!/usr/bin/python3
"""The qmemman-style baseline of bench/policy.sh: Qubes' memory balancer
(qmemman) re-implemented from its published algorithm as the design
notes summarise it (../shared/design.md, "Peers' balancing algorithms"),
with qmemman's own constants, driving our daemon through libvirt.  No
code of Qubes is used; only the algorithm.

Usage:
  qmemman.py URI SNAPSHOT_CMD OUTDIR SECONDS NEED_KIB NAME...

Starts the defined domains NAME... one by one the way qmemman has a VM
started (under its global lock, after freeing the VM's memory from the
other domains, then without a claim) until one cannot be started, then
keeps balancing for SECONDS and exits.  NEED_KIB is what one start needs
(libxl's figure for the domain).  When a start fails, SNAPSHOT_CMD (a
command line, split on blanks) is run at once and its output written to
OUTDIR/failed.info: the host as it was when the start gave up.

Prints one line per start, "started NAME MS" or "failed NAME MS REASON",
then "balanced PASSES ACTED" (balancing passes, and those that set
targets) and "setmem CALLS".

The algorithm:
  - a domain's preferred memory: pref = max(1.3 x used, 200 MiB), at most
    its maximum; used is what its statistics say it uses (libvirt's
    memoryStats: available - usable, from the guest's record);
  - 50 MiB stay free; free memory is counted net of the raises in
    flight (targets set above allocations): that memory is handed out;
  - if the free memory and what the domains hold cover every pref, the
    surplus is shared in proportion to pref (none beyond its maximum);
    otherwise the donors (above pref) are cut to pref and what that and
    free memory give is shared among the domains below pref in proportion
    to what each lacks;
  - targets are set only when the changes add up to more than 150 MiB, or
    a domain below its pref gains more than 15 MiB, or free memory is
    below 35 MiB; a pass runs whenever a guest's record changed;
  - a start takes the global lock, which pauses balancing; while free
    memory is short of the start's need plus the 50 MiB, the donors (above
    their prefs) are asked for the rest, in proportion to what each holds
    above its pref, in 0.1 s steps; a domain whose allocation did not
    change in a step is dropped; after 20 steps the start fails, else the
    domain is started (no claim) and the lock released.
"""

import shlex
import subprocess
import sys
import threading
import time

import libvirt

MIB = 1024                      # KiB
MIN_PREFMEM = 200 * MIB
CACHE_FACTOR = 1.3
FREE_KEEP = 50 * MIB            # left free by balancing and by starts
FREE_LOW = 35 * MIB             # below this, a pass acts whatever the changes
TOTAL_CHANGE = 150 * MIB        # a pass acts when the changes add up to more
BELOW_PREF_GAIN = 15 * MIB      # or when a domain below its pref gains more
START_TRIES = 20
START_STEP = 0.1                # seconds
POLL = 0.1                      # seconds between looks at the guests' records


class Dom:
    def __init__(self, dom, stats, maxmem):
        self.dom = dom
        self.name = dom.name()
        self.actual = stats["actual"]
        self.used = stats["available"] - stats["usable"]
        self.maxmem = maxmem
        self.pref = min(maxmem, max(int(CACHE_FACTOR * self.used), MIN_PREFMEM))
        self.target = self.actual


class Balancer:
    def __init__(self, conn):
        self.conn = conn
        self.lock = threading.Lock()   # qmemman's global lock
        self.stop = threading.Event()
        self.passes = 0
        self.acted = 0
        self.setmems = 0
        self.seen = {}
        self.maxmem = {}
        self.target = {}            # the last target set, by name
        self.error = None

    def free_kib(self, doms):
        """free memory less what the targets set still have to take: the
        raises in flight are memory handed out already"""
        free = self.conn.getFreeMemory() // 1024
        return free - sum(max(0, self.target.get(d.name, d.actual) - d.actual) for d in doms)

    def domains(self):
        """the running guests with statistics, as Dom"""
        doms = []
        for dom in self.conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
            if dom.ID() <= 0:
                continue
            try:
                stats = dom.memoryStats()
            except libvirt.libvirtError:
                continue        # gone meanwhile
            if "available" not in stats or "usable" not in stats:
                continue        # no record yet: qmemman leaves it alone
            name = dom.name()
            if name not in self.maxmem:
                self.maxmem[name] = dom.maxMemory()
            d = Dom(dom, stats, self.maxmem[name])
            d.update = stats.get("last_update")
            doms.append(d)
        return doms

    def setmem(self, d, kib):
        kib = int(kib)
        if kib == self.target.get(d.name, d.actual):
            return
        try:
            d.dom.setMemoryFlags(kib, libvirt.VIR_DOMAIN_AFFECT_LIVE)
            self.setmems += 1
            self.target[d.name] = kib
        except libvirt.libvirtError:
            pass                # gone meanwhile

    @staticmethod
    def targets(free, doms):
        """qmemman's targets for doms, given free memory (KiB)"""
        avail = free - FREE_KEEP + sum(d.actual for d in doms)
        if sum(d.pref for d in doms) <= avail:
            # enough: every pref, and the surplus in proportion to pref,
            # none beyond its maximum (what a capped domain cannot take
            # goes to the others, in the same proportion)
            left = list(doms)
            share = avail
            while left:
                weight = sum(d.pref for d in left)
                capped = [d for d in left if d.pref * share / weight >= d.maxmem]
                if not capped:
                    for d in left:
                        d.target = d.pref * share / weight
                    break
                for d in capped:
                    d.target = d.maxmem
                    share -= d.maxmem
                    left.remove(d)
        else:
            # low: donors down to pref, the rest to those below pref in
            # proportion to what they lack
            give = free - FREE_KEEP + sum(d.actual - d.pref for d in doms if d.actual > d.pref)
            lack = sum(d.pref - d.actual for d in doms if d.actual < d.pref)
            for d in doms:
                if d.actual > d.pref:
                    d.target = d.pref
                elif d.actual < d.pref:
                    d.target = d.actual + (d.pref - d.actual) * min(1.0, max(0, give) / lack)
                else:
                    d.target = d.actual
        for d in doms:
            d.target = int(d.target)

    def balance(self, doms):
        free = self.free_kib(doms)
        self.passes += 1
        if not doms:
            return
        self.targets(free, doms)
        total = sum(abs(d.target - d.actual) for d in doms)
        gains = any(d.actual < d.pref and d.target - d.actual > BELOW_PREF_GAIN for d in doms)
        if not (total > TOTAL_CHANGE or gains or free < FREE_LOW):
            return
        self.acted += 1
        # what is given back first, then what is handed out
        for d in sorted(doms, key=lambda d: d.target - d.actual):
            self.setmem(d, d.target)

    def run(self):
        try:
            while not self.stop.is_set():
                with self.lock:
                    doms = self.domains()
                    now = {d.name: d.update for d in doms}
                    if now != self.seen:
                        self.seen = now
                        self.balance(doms)
                self.stop.wait(POLL)
        except Exception as e:      # reported by the main thread
            self.error = e

    def free_for(self, need):
        """under the lock: free need + FREE_KEEP from the donors, as
        qmemman does for a start; True once it is free"""
        want = need + FREE_KEEP
        stalled = set()
        last = None
        for _ in range(START_TRIES):
            doms = self.domains()
            free = self.free_kib(doms)
            if free >= want:
                return True
            # a domain whose allocation did not change since the last
            # step is no donor for the rest of this start
            if last is not None:
                stalled |= {d.name for d in doms if last.get(d.name) == d.actual}
            last = {d.name: d.actual for d in doms}
            donors = [d for d in doms if d.name not in stalled and d.actual > d.pref]
            can = sum(d.actual - d.pref for d in donors)
            for d in donors:
                self.setmem(d, d.actual - (d.actual - d.pref) * min(1.0, (want - free) / can))
            time.sleep(START_STEP)
        return self.free_kib(self.domains()) >= want


def main():
    uri, snapshot, outdir, seconds, need = sys.argv[1:6]
    names = sys.argv[6:]
    conn = libvirt.open(uri)
    b = Balancer(conn)
    t = threading.Thread(target=b.run, daemon=True)
    t.start()
    for name in names:
        dom = conn.lookupByName(name)
        t0 = time.monotonic()
        with b.lock:
            ok = b.free_for(int(need))
            reason = "qmemman could not free its memory in %d tries" % START_TRIES
            if ok:
                try:
                    dom.create()
                except libvirt.libvirtError as e:
                    ok = False
                    reason = e.get_error_message()
            ms = int((time.monotonic() - t0) * 1000)
            if not ok:
                with open(outdir + "/failed.info", "w") as f:
                    f.write(subprocess.run(shlex.split(snapshot), check=True,
                                           capture_output=True, text=True).stdout)
        if ok:
            print("started %s %d" % (name, ms), flush=True)
        else:
            print("failed %s %d %s" % (name, ms, reason), flush=True)
            break
    b.stop.wait(float(seconds))
    b.stop.set()
    t.join()
    if b.error:
        raise b.error
    print("balanced %d %d" % (b.passes, b.acted))
    print("setmem %d" % b.setmems)


if __name__ == "__main__":
    main()
