#!/usr/bin/python3
"""The libvirt API as a Python client sees it: Debian's python3-libvirt,
on Debian's libvirt0 client library, talking to our daemon on a simulated
Xen host over its socket, as OpenStack nova and ceilometer do.

Only the bindings ask the daemon anything.  The simulated host (the
`xensim` tool) sets the scene and says what the hypervisor holds, guests
write their statistics to xenstore as guests (by hand, and through our
agent xenmemstatd), and every expected figure comes from what this script
made the guest write or read from the host, never from the daemon.

Usage:
  client-python.py --uri URI --xensim XENSIM --socket SOCKET
                   --preload LIB --agent XENMEMSTATD --work DIR

Prints "PASS: CHECK" or "FAIL: CHECK: WHY" for each check, then
"client-python: N checks passed, N failed"; exits 1 on any failure.
"""

import argparse
import contextlib
import os
import re
import subprocess
import sys
import threading
import time

import libvirt

# The daemon reads what a guest writes within 100 ms and polls balloons
# once a second; the bound only keeps a broken daemon from hanging the
# test, and leaves room for a loaded machine
BOUND_S = 20
MIB = 1024
# the agent's domain: 1 GiB, statistics every 7 s from its XML
AGENT_MIB = 1024
AGENT_PERIOD = 7


class Checks:
    """PASS/FAIL lines and their counts"""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, name, cond, why=""):
        if cond:
            self.passed += 1
            print("PASS: %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL: %s%s" % (name, ": " + why if why else ""), flush=True)
        return cond

    def equal(self, name, want, got):
        return self.ok(name, want == got, "expected %r, got %r" % (want, got))

    @contextlib.contextmanager
    def section(self, name):
        """A section whose unexpected exception is one failure, and does
        not keep the later sections from running"""
        try:
            yield
        except Exception as e:  # pylint: disable=broad-except
            self.ok("%s: ran to its end" % name, False, "%s: %s" % (type(e).__name__, e))


def wait_until(pred, bound=BOUND_S):
    """Poll pred every 0.1 s until it is true; False after bound seconds
    of the wall clock, however long pred takes"""
    deadline = time.monotonic() + bound
    while True:
        if pred():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


class Host:
    """The simulated host, through its own tool"""

    def __init__(self, xensim, socket, preload):
        self.xensim = xensim
        self.socket = socket
        self.preload = preload

    def run(self, *args):
        out = subprocess.run([self.xensim, "--socket", self.socket] + list(args),
                             check=True, capture_output=True, text=True)
        return out.stdout

    def info(self):
        """xensim info: the host's figures (MiB, free_pages in pages) and
        its domains (MiB), dying ones under their own key.  A host that
        prints no Domain-0 raises: 'not on the host' must never stand for
        'not read'."""
        out = self.run("info")
        fields, doms, table = {}, {}, False
        for line in out.splitlines():
            if line.startswith("Name "):
                table = True
            elif table and line.strip():
                col = line.split()
                key = col[0] if col[-1] != "dying" else col[0] + " (dying)"
                doms[key] = {"id": int(col[1]), "mem": int(col[3]), "max": int(col[4]),
                             "target": int(col[5]), "claim": int(col[6]),
                             "paged": int(col[7]), "state": col[-1]}
            elif ":" in line:
                k, v = line.split(":", 1)
                v = v.split()
                if v and v[0].isdigit():
                    fields[k.strip()] = int(v[0])
        if "Domain-0" not in doms or "free_pages" not in fields:
            raise RuntimeError("xensim info shows no host: %r" % out)
        return fields, doms

    def xs_read(self, path):
        return self.run("xs-read", path).strip()

    def guest_write(self, domid, key, value):
        """Write a key under the guest's own directory, as the guest"""
        self.run("xs-write", "/local/domain/%d/%s" % (domid, key), value, str(domid))

    def guest_env(self, domid):
        env = dict(os.environ)
        env.update(LD_PRELOAD=self.preload, XENSIM_DOMID=str(domid),
                   XENSIM_SOCKET=self.socket)
        return env


def pv_xml(name, mib, extra=""):
    return """<domain type='xen'>
  <name>%s</name>
  <memory unit='MiB'>%d</memory>
  %s
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='xenpv'>linux</type>
    <kernel>/boot/vmlinuz-simulated</kernel>
  </os>
</domain>
""" % (name, mib, extra)


def need_mib(mib):
    """What libxl_domain_need_memory() says a 1-vCPU PV domain of mib
    needs, in MiB: the target, shadow memory (4 KiB per 256 vCPUs and 2 per
    MiB), the PV extra (1 MiB), rounded up to 2 MiB"""
    kib = mib * 1024 + 4 * (256 + 2 * mib) + 1024
    return (kib + 2047) // 2048 * 2048 // 1024


class EventLoop:
    """libvirt's default event loop in a thread of its own, as a client
    that listens for events runs it"""

    def __init__(self):
        self.stop = threading.Event()
        # a periodic timer wakes the loop so that it sees stop even when
        # no event comes
        libvirt.virEventAddTimeout(100, lambda *_args: None, None)
        self.thread = threading.Thread(target=self.run, name="libvirt-events", daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            libvirt.virEventRunDefaultImpl()

    def close(self):
        self.stop.set()
        self.thread.join(BOUND_S)


class Test:
    def __init__(self, args):
        self.args = args
        self.c = Checks()
        self.host = Host(args.xensim, args.socket, args.preload)
        libvirt.virEventRegisterDefaultImpl()
        # errors are the checks' business: no default handler printing them
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
        self.conn = libvirt.open(args.uri)
        # with an event loop the client sends keepalives, and would drop
        # the connection of a daemon that answers late on a loaded machine
        self.conn.setKeepAlive(0, 0)
        self.events = EventLoop()

    def host_dom(self, name):
        return self.host.info()[1].get(name)

    # --- the client -------------------------------------------------------
    def client_library(self):
        # the bindings' library is Debian's libvirt0, not the build's
        with open("/proc/self/maps", encoding="ascii", errors="replace") as maps:
            libs = {line.split()[-1] for line in maps if "libvirt.so" in line}
        self.c.ok("the bindings use Debian's libvirt0 client library",
                  libs and all(p.startswith("/usr/lib/") for p in libs), "loaded %s" % libs)
        self.c.equal("the daemon is libvirt 9.0.0", 9000000, self.conn.getLibVersion())
        self.c.equal("the driver is libxl", "Xen", self.conn.getType())

    # --- domains for the rest ---------------------------------------------
    def define_domains(self):
        balloon = ("<devices><memballoon model='xen'><stats period='%d'/>"
                   "</memballoon></devices>" % AGENT_PERIOD)
        self.dom = self.conn.defineXML(pv_xml("agent", AGENT_MIB, balloon))
        self.off = self.conn.defineXML(pv_xml("off", 512))
        self.dom.create()
        self.domid = self.dom.ID()
        hd = self.host_dom("agent")
        self.c.ok("create(): the domain runs on the host",
                  hd is not None and hd["id"] == self.domid and hd["mem"] == AGENT_MIB,
                  "host shows %r for domid %d" % (hd, self.domid))
        self.c.equal("the XML's statistics period reaches the guest at start",
                     str(AGENT_PERIOD),
                     self.host.xs_read("/local/domain/%d/memory/stats-period" % self.domid))

    def hypervisor_tags(self):
        """actual and rss as the host holds them (KiB).  This host has no
        paging, so rss is the allocation here: what paged-out memory does
        to rss is libxlmemstatstest's (its "paged memory and RSS" case);
        this checks the figures reach the bindings."""
        hd = self.host_dom("agent")
        return {"actual": hd["mem"] * MIB, "rss": (hd["mem"] - hd["paged"]) * MIB}

    def expect_stats(self, what, want, got):
        for tag in sorted(want):
            self.c.equal("%s: %s" % (what, tag), want[tag], got.get(tag))
        extra = sorted(set(got) - set(want) - {"last_update"})
        self.c.ok("%s: no other tags" % what, not extra, "also %s" % extra)

    # --- dom.memoryStats() of a record the guest wrote ---------------------
    def memory_stats_record(self):
        fig = {"total": 900000, "free": 123456, "avail": 654321, "caches": 200000,
               "swapin": 48, "swapout": 96, "majflt": 1234, "minflt": 567890,
               "htlbok": 5, "htlbfail": 2}
        record = "1 t=1000 " + " ".join("%s=%d" % kv for kv in fig.items())
        before = int(time.time())
        self.host.guest_write(self.domid, "data/memstats", record)
        seen = wait_until(lambda: self.dom.memoryStats().get("unused") == fig["free"])
        after = int(time.time())
        if not self.c.ok("memoryStats(): the guest's record is seen", seen,
                         "memoryStats() %r within %d s" % (self.dom.memoryStats(), BOUND_S)):
            return
        # read again two seconds later: a last_update stamped at the query
        # rather than at the daemon's read would be past the window
        time.sleep(2)
        stats = self.dom.memoryStats()
        want = {"available": fig["total"], "unused": fig["free"], "usable": fig["avail"],
                "disk_caches": fig["caches"], "swap_in": fig["swapin"],
                "swap_out": fig["swapout"], "major_fault": fig["majflt"],
                "minor_fault": fig["minflt"], "hugetlb_pgalloc": fig["htlbok"],
                "hugetlb_pgfail": fig["htlbfail"]}
        want.update(self.hypervisor_tags())
        self.expect_stats("memoryStats()", want, stats)
        # dom0's clock when the daemon read it, not the guest's t=1000
        self.c.ok("memoryStats(): last_update is dom0's time of the read",
                  before <= stats.get("last_update", -1) <= after,
                  "last_update %r, not in %d..%d" % (stats.get("last_update"), before, after))
        self.record = {"want": want, "last_update": stats.get("last_update")}

    # --- getAllDomainStats / domainListGetStats ----------------------------
    def bulk_stats(self):
        if not hasattr(self, "record"):
            self.c.ok("bulk statistics: the record to compare with", False,
                      "memoryStats() did not see the guest's record")
            return
        want = self.record["want"]
        # domstats has the QEMU driver's names: balloon.<tag>, the
        # allocation as balloon.current, last_update as balloon.last-update
        expected = {"balloon." + t: v for t, v in want.items() if t != "actual"}
        expected["balloon.current"] = want["actual"]
        # the configured maximum, as the XML above has it
        expected["balloon.maximum"] = AGENT_MIB * MIB
        expected["balloon.last-update"] = self.record["last_update"]
        running = {n: d for n, d in self.host.info()[1].items() if d["state"] != "dying"}
        every = self.conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_BALLOON)
        by_name = {d.name(): s for d, s in every}
        # what the host runs, dom0 among them, and the inactive definition
        self.c.equal("getAllDomainStats(BALLOON): every domain in one call",
                     sorted(list(running) + ["off"]), sorted(by_name))
        self.c.equal("getAllDomainStats(BALLOON): dom0's balloon.current is the host's",
                     running["Domain-0"]["mem"] * MIB,
                     by_name.get("Domain-0", {}).get("balloon.current"))
        got = by_name.get("agent", {})
        for field in sorted(expected):
            self.c.equal("getAllDomainStats(BALLOON): %s" % field, expected[field], got.get(field))
        self.c.ok("getAllDomainStats(BALLOON): balloon fields only",
                  all(k.startswith("balloon.") for k in got), "fields %s" % sorted(got))
        self.c.equal("getAllDomainStats(BALLOON): an inactive domain's configured memory",
                     {"balloon.current": 512 * MIB, "balloon.maximum": 512 * MIB},
                     by_name.get("off"))
        listed = self.conn.domainListGetStats([self.dom, self.off],
                                              libvirt.VIR_DOMAIN_STATS_BALLOON)
        self.c.equal("domainListGetStats(BALLOON): the domains asked for",
                     ["agent", "off"], [d.name() for d, _s in listed])
        self.c.equal("domainListGetStats(BALLOON): the same fields as getAllDomainStats",
                     {n: by_name.get(n) for n in ("agent", "off")},
                     {d.name(): s for d, s in listed})

    # --- our agent writing as the guest ------------------------------------
    def memory_stats_agent(self):
        # a /proc of the test's own making, which the agent reads as the
        # guest's kernel's
        proc = os.path.join(self.args.work, "proc")
        os.makedirs(proc, exist_ok=True)
        meminfo = {"MemTotal": 880000, "MemFree": 250000, "MemAvailable": 600000,
                   "Buffers": 20000, "Cached": 300000, "Committed_AS": 400000}
        vmstat = {"pswpin": 100, "pswpout": 250, "pgfault": 50000, "pgmajfault": 700,
                  "htlb_buddy_alloc_success": 3, "htlb_buddy_alloc_fail": 1}
        with open(os.path.join(proc, "meminfo"), "w", encoding="ascii") as f:
            f.writelines("%s: %d kB\n" % kv for kv in meminfo.items())
        with open(os.path.join(proc, "vmstat"), "w", encoding="ascii") as f:
            f.writelines("%s %d\n" % kv for kv in vmstat.items())
        agent = subprocess.run([self.args.agent, "--once", "--proc-root", proc],
                               env=self.host.guest_env(self.domid),
                               capture_output=True, text=True, check=False)
        if not self.c.equal("xenmemstatd --once as the guest: exit status", 0, agent.returncode):
            print(agent.stderr, end="")
            return
        seen = wait_until(lambda: self.dom.memoryStats().get("available") == meminfo["MemTotal"])
        if not self.c.ok("memoryStats(): the agent's record is seen", seen,
                         "memoryStats() %r within %d s" % (self.dom.memoryStats(), BOUND_S)):
            return
        page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
        want = {"available": meminfo["MemTotal"], "unused": meminfo["MemFree"],
                "usable": meminfo["MemAvailable"],
                "disk_caches": meminfo["Buffers"] + meminfo["Cached"],
                "swap_in": vmstat["pswpin"] * page_kib, "swap_out": vmstat["pswpout"] * page_kib,
                "major_fault": vmstat["pgmajfault"],
                "minor_fault": vmstat["pgfault"] - vmstat["pgmajfault"],
                "hugetlb_pgalloc": vmstat["htlb_buddy_alloc_success"],
                "hugetlb_pgfail": vmstat["htlb_buddy_alloc_fail"]}
        want.update(self.hypervisor_tags())
        self.expect_stats("memoryStats() of the agent", want, self.dom.memoryStats())

    # --- the node's memory, net of claims ----------------------------------
    def node_figures(self):
        """The host read before and after the daemon's figures: returns
        (before, daemon's, after), from a moment when the host's free memory
        net of claims held across the daemon's answers.  A build populating
        under its claim leaves it as it is (what it takes comes out of its
        claim); a build's end, or a balloon, may move it, and then the
        figures are read again, a bounded number of times."""
        for _attempt in range(10):
            h1 = self.host.info()[0]
            d = {"free": self.conn.getFreeMemory(),
                 "stats": self.conn.getMemoryStats(libvirt.VIR_NODE_MEMORY_STATS_ALL_CELLS),
                 "cells": self.conn.getCellsFreeMemory(0, 1)}
            h2 = self.host.info()[0]
            if h1["free_memory"] == h2["free_memory"]:
                break
        return h1, d, h2

    def check_node(self, what, h1, d, h2):
        stats = d["stats"]
        self.c.equal("%s: getMemoryStats(ALL_CELLS) fields" % what,
                     ["claimed", "free", "total"], sorted(stats))
        self.c.equal("%s: getMemoryStats total is the host's" % what,
                     h1["total_memory"], stats.get("total", 0) // MIB)
        # free memory net of claims is what xl info's free_memory is
        self.c.ok("%s: getFreeMemory() is the host's free memory net of claims" % what,
                  d["free"] // (MIB * 1024) == h1["free_memory"] == h2["free_memory"],
                  "%d bytes, host %d MiB" % (d["free"], h1["free_memory"]))
        self.c.equal("%s: getMemoryStats free is getFreeMemory()" % what,
                     d["free"], stats.get("free", 0) * 1024)
        self.c.equal("%s: getCellsFreeMemory(0, 1) is getFreeMemory()" % what,
                     [d["free"]], d["cells"])
        # what is free and what is claimed add up to the host's free pages,
        # which a populating build moves between the two reads
        lo, hi = sorted((h1["free_pages"] * 4, h2["free_pages"] * 4))
        total = stats.get("free", 0) + stats.get("claimed", 0)
        self.c.ok("%s: free + claimed are the host's free pages" % what, lo <= total <= hi,
                  "%d KiB, host %d..%d KiB" % (total, lo, hi))
        lo, hi = sorted((h1["outstanding_claims"], h2["outstanding_claims"]))
        claimed = stats.get("claimed", 0) // MIB
        self.c.ok("%s: claimed is the host's outstanding claims" % what, lo <= claimed <= hi,
                  "%d MiB, host %d..%d MiB" % (claimed, lo, hi))

    def node_memory(self):
        h1, d, h2 = self.node_figures()
        self.c.equal("at rest: no claims on the host", 0, h1["outstanding_claims"])
        self.c.equal("at rest: getMemoryStats claimed", 0, d["stats"].get("claimed"))
        self.check_node("at rest", h1, d, h2)

        # a claim build under way: the host populates 512 MiB/s, so a
        # 3 GiB domain holds its claim for seconds; its own client starts it
        slow = self.conn.defineXML(pv_xml("slow", 3072, "<memoryClaim/>"))
        result = {}

        def start():
            conn = libvirt.open(self.args.uri)
            try:
                conn.lookupByName("slow").create()
                result["ok"] = True
            except libvirt.libvirtError as e:
                result["error"] = str(e)
            finally:
                conn.close()

        starter = threading.Thread(target=start)
        starter.start()
        staked = wait_until(lambda: (self.host_dom("slow") or {}).get("claim", 0) > 0)
        if self.c.ok("a claim build holds its claim on the host", staked,
                     "host shows %r" % self.host_dom("slow")):
            h1, d, h2 = self.node_figures()
            self.c.ok("during a claim build: getMemoryStats claimed",
                      d["stats"].get("claimed", 0) > 0, "%r" % d["stats"])
            self.check_node("during a claim build", h1, d, h2)
        starter.join(BOUND_S * 3)
        self.c.ok("the claim domain started", result.get("ok") and slow.isActive(),
                  "%r" % result)
        h1, d, h2 = self.node_figures()
        self.c.equal("after the build: no claims on the host", 0, h1["outstanding_claims"])
        self.check_node("after the build", h1, d, h2)

    # --- setMemory() and the balloon change event --------------------------
    def set_memory(self):
        target = AGENT_MIB * MIB // 2
        seen, reached = [], threading.Event()

        def on_balloon(_conn, _dom, actual, _opaque):
            seen.append(actual)
            if actual == target:
                reached.set()

        cb = self.conn.domainEventRegisterAny(self.dom, libvirt.VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE,
                                              on_balloon, None)
        try:
            self.dom.setMemory(target)
            self.c.ok("setMemory(): the balloon target reaches the host",
                      wait_until(lambda: self.host_dom("agent")["target"] == target // MIB),
                      "host shows %r" % self.host_dom("agent"))
            self.c.ok("setMemory(): the guest's balloon reaches it",
                      wait_until(lambda: self.host_dom("agent")["mem"] == target // MIB),
                      "host shows %r" % self.host_dom("agent"))
            self.c.ok("BALLOON_CHANGE event with the new allocation", reached.wait(BOUND_S),
                      "events %r within %d s" % (seen, BOUND_S))
            self.c.ok("BALLOON_CHANGE events only between the old and new allocation",
                      all(target <= a <= AGENT_MIB * MIB for a in seen), "events %r" % seen)
        finally:
            self.conn.domainEventDeregisterAny(cb)
        self.c.equal("info(): the memory after setMemory()", target, self.dom.info()[2])
        self.c.equal("memoryStats(): actual after setMemory()", target,
                     self.dom.memoryStats().get("actual"))

    # --- setMemoryStatsPeriod() --------------------------------------------
    def stats_period(self):
        key = "/local/domain/%d/memory/stats-period" % self.domid
        self.dom.setMemoryStatsPeriod(3, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        self.c.equal("setMemoryStatsPeriod(3, LIVE) reaches the guest's key", "3",
                     self.host.xs_read(key))
        self.c.ok("setMemoryStatsPeriod(3, LIVE): the live XML",
                  "<stats period='3'/>" in self.dom.XMLDesc(0), self.dom.XMLDesc(0))
        inactive = self.dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
        self.c.ok("setMemoryStatsPeriod(3, LIVE) leaves the config",
                  "<stats period='%d'/>" % AGENT_PERIOD in inactive, inactive)
        self.dom.setMemoryStatsPeriod(0, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        self.c.equal("setMemoryStatsPeriod(0) stops the guest's agent", "0", self.host.xs_read(key))
        try:
            self.dom.setMemoryStatsPeriod(86401, libvirt.VIR_DOMAIN_AFFECT_LIVE)
            self.c.ok("setMemoryStatsPeriod(86401) is refused", False, "it was accepted")
        except libvirt.libvirtError as e:
            self.c.equal("setMemoryStatsPeriod(86401): VIR_ERR_INVALID_ARG",
                         libvirt.VIR_ERR_INVALID_ARG, e.get_error_code())
        self.c.equal("a refused period leaves the guest's key", "0", self.host.xs_read(key))

    # --- a claim domain that cannot fit ------------------------------------
    def refused(self, what, name, mib, start):
        fields, doms = self.host.info()
        try:
            start()
            self.c.ok("%s: refused" % what, False, "a %d MiB claim domain started" % mib)
            return
        except libvirt.libvirtError as e:
            err = e
        self.c.equal("%s: error code VIR_ERR_OPERATION_FAILED" % what,
                     libvirt.VIR_ERR_OPERATION_FAILED, err.get_error_code())
        self.c.equal("%s: error domain VIR_FROM_LIBXL" % what,
                     libvirt.VIR_FROM_LIBXL, err.get_error_domain())
        # the host's figures as read just before: free memory net of claims,
        # claims; nothing in flight, autoballooning off
        want = ("operation failed: not enough memory to start domain '%s': it needs %d MiB; "
                "%d MiB are free, of which %d MiB are claimed by other domains and 0 MiB are "
                "reserved by starts in progress; dom0 could give 0 MiB (autoballoon is off)"
                % (name, need_mib(mib), fields["free_memory"], fields["outstanding_claims"]))
        self.c.equal("%s: the message names the sizes" % what, want, err.get_error_message())
        # what a program would match on
        m = re.search(r"it needs (\d+) MiB; (\d+) MiB are free", err.get_error_message() or "")
        self.c.ok("%s: need and free parse from the message" % what,
                  m and int(m.group(1)) > int(m.group(2)), "message %r" % err.get_error_message())
        fields, doms = self.host.info()
        self.c.equal("%s: no claim left on the host" % what, 0, fields["outstanding_claims"])
        self.c.ok("%s: no domain left on the host" % what,
                  not any(k.split()[0] == name for k in doms), "host shows %s" % sorted(doms))

    def claim_refused(self):
        extra = "<memoryClaim/>"
        big = self.conn.defineXML(pv_xml("big", 16384, extra))
        self.refused("create() of a claim domain too big for the host", "big", 16384, big.create)
        self.c.ok("the refused domain is not running", not big.isActive(),
                  "state %r" % big.state())
        self.refused("createXML() of a claim domain too big for the host", "bigt", 16384,
                     lambda: self.conn.createXML(pv_xml("bigt", 16384, extra), 0))
        try:
            self.conn.lookupByName("bigt")
            self.c.ok("the refused transient domain is gone", False, "the daemon still has it")
        except libvirt.libvirtError as e:
            self.c.equal("the refused transient domain is gone: VIR_ERR_NO_DOMAIN",
                         libvirt.VIR_ERR_NO_DOMAIN, e.get_error_code())

    def run(self):
        for name, step in (("client", self.client_library),
                           ("domains", self.define_domains),
                           ("memoryStats", self.memory_stats_record),
                           ("bulk statistics", self.bulk_stats),
                           ("agent", self.memory_stats_agent),
                           ("node memory", self.node_memory),
                           ("setMemory", self.set_memory),
                           ("statistics period", self.stats_period),
                           ("claims", self.claim_refused)):
            with self.c.section(name):
                step()
            if name == "domains" and not hasattr(self, "domid"):
                break
        self.events.close()
        self.conn.close()
        print("client-python: %d checks passed, %d failed" % (self.c.passed, self.c.failed))
        return 0 if self.c.failed == 0 and self.c.passed > 0 else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for opt in ("uri", "xensim", "socket", "preload", "agent", "work"):
        p.add_argument("--" + opt, required=True)
    return Test(p.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
