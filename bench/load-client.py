#!/usr/bin/python3
"""The clients of bench/load.sh, through the libvirt Python bindings.

Usage:
  load-client.py URI start FLAVOUR N AUTO
      start transient PV domains load1..loadN, one after the other; the
      first AUTO of them (ours: <memoryPolicy actor='auto'/>, floor
      80 MiB) of 256 MiB started with 96 MiB, the others of 96 MiB; every
      one with a statistics period of 1 s.  FLAVOUR stock leaves out what
      the stock driver does not know.  Prints: STARTED ELAPSED_S
  load-client.py URI records N
      prints how many of load1..loadN have fresh guest figures
      (balloon.last-update at most STALE_S old) in one getAllDomainStats
  load-client.py URI poll N GO OFFSET SECONDS OUT
      one monitoring client: one connection, kept; once connected it
      creates OUT.ready and waits for the file GO, which holds T0 (epoch
      seconds); at T0 + OFFSET and every second after it, for SECONDS
      (from T0), collects every running
      domain's statistics.  getAllDomainStats (state, cpu-total, balloon)
      where the daemon has it; otherwise (the stock driver) the domain
      list and memoryStats() of each, what a client has to do there.  A
      poll that ends after its next tick skips the ticks it overran, as
      a monitoring agent's scheduler does.  Writes OUT: a summary line
      (JSON) then one poll latency (ms) a line.
  load-client.py URI storm FLAVOUR K MIB GO SECONDS INTERVAL HOLD OUT
      the start storm: K connections, kept; OUT.ready and GO as for
      poll; at T0 and every INTERVAL
      seconds while SECONDS last, K transient domains of MIB
      (<memoryClaim/> on ours) started at once, one from each
      connection; the ones that ran are destroyed HOLD seconds after the
      last start returned.  Writes OUT: one line a start: STORM NAME
      OK|FAIL MS [ERROR]

Connections run libvirt's default event loop in a thread, as monitoring
agents do, so that libvirt's keepalive is on: a daemon that stops
answering closes them ("keepalive timeout"), which the poll counts as an
RPC timeout, reconnecting.
"""

import json
import sys
import threading
import time

import libvirt

STALE_S = 3     # a guest writes every second; the cache reads within 0.1 s

DOMAIN_XML = """<domain type='xen'>
  <name>{name}</name>
  <memory unit='MiB'>{mib}</memory>
  <currentMemory unit='MiB'>{cur}</currentMemory>
  {extra}
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='xenpv'>linux</type>
      <kernel>/boot/vmlinuz-simulated</kernel></os>
  <devices><memballoon model='xen'><stats period='1'/></memballoon></devices>
</domain>"""
AUTO_XML = ("<memoryPolicy actor='auto'/>"
            "<memtune><min_guarantee unit='MiB'>80</min_guarantee></memtune>")
STATS = (libvirt.VIR_DOMAIN_STATS_STATE | libvirt.VIR_DOMAIN_STATS_CPU_TOTAL |
         libvirt.VIR_DOMAIN_STATS_BALLOON)


def event_loop():
    libvirt.virEventRegisterDefaultImpl()

    def run():
        while True:
            libvirt.virEventRunDefaultImpl()
    threading.Thread(target=run, daemon=True).start()


def start(conn, flavour, n, auto):
    t0 = time.monotonic()
    for i in range(1, n + 1):
        if i <= auto:
            xml = DOMAIN_XML.format(name="load%d" % i, mib=256, cur=96,
                                    extra=AUTO_XML if flavour == "ours" else "")
        else:
            xml = DOMAIN_XML.format(name="load%d" % i, mib=96, cur=96, extra="")
        conn.createXML(xml, 0)
    print("%d %.1f" % (n, time.monotonic() - t0))


def fresh(stats, now):
    last = stats.get("balloon.last-update")
    return last is not None and now - last <= STALE_S


def records(conn, n):
    base = {"load%d" % i for i in range(1, n + 1)}
    now = time.time()
    got = conn.getAllDomainStats(STATS, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)
    print(sum(1 for dom, s in got if dom.name() in base and fresh(s, now)))


def collect(conn, bulk):
    """one poll -> {name: stats} (stats None: no guest figures possible)"""
    if bulk[0]:
        try:
            got = conn.getAllDomainStats(STATS,
                                         libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)
            return {dom.name(): s for dom, s in got}
        except libvirt.libvirtError as e:
            if e.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
                raise
            bulk[0] = False
    out = {}
    for dom in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
        try:
            mem = dom.memoryStats()
        except libvirt.libvirtError as e:
            # a storm's domain destroyed since the list
            if e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                continue
            raise
        out[dom.name()] = {"balloon.last-update": mem["last_update"]} \
            if "last_update" in mem else {}
    return out


def is_timeout(conn, err):
    msg = err.get_error_message() or ""
    return "keepalive" in msg or err.get_error_code() == libvirt.VIR_ERR_RPC or \
        not conn.isAlive()


def ready_go(out, go):
    """OUT.ready, then T0 from the file GO once it is there (bounded)"""
    open(out + ".ready", "w").close()
    deadline = time.monotonic() + 300
    while True:
        try:
            with open(go) as f:
                text = f.read()
            if text.endswith("\n"):
                return float(text)
        except FileNotFoundError:
            pass
        if time.monotonic() > deadline:
            sys.exit("load-client: no %s within 300 s" % go)
        time.sleep(0.01)


def poll(uri, n, go, offset, seconds, out):
    base = ["load%d" % i for i in range(1, n + 1)]
    conn = libvirt.open(uri)
    t0 = ready_go(out, go)
    bulk = [True]
    s = {"polls": 0, "missed": 0, "errors": 0, "timeouts": 0, "lost": 0,
         "records": 0, "stale": 0, "bulk": True, "error": ""}
    latencies = []
    end = t0 + seconds
    tick = t0 + offset
    while tick < end:
        delay = tick - time.time()
        if delay > 0:
            time.sleep(delay)
        began = time.monotonic()
        # a record's age is counted from when the poll was sent: the
        # daemon answers with what it had then or later
        sent = time.time()
        try:
            got = collect(conn, bulk)
        except libvirt.libvirtError as e:
            if is_timeout(conn, e):
                s["timeouts"] += 1
                try:
                    conn.close()
                except libvirt.libvirtError:
                    pass
                conn = libvirt.open(uri)
            else:
                s["errors"] += 1
            s["error"] = (e.get_error_message() or "").replace("\n", " ")
            got = None
        latencies.append((time.monotonic() - began) * 1000)
        if got is not None:
            s["polls"] += 1
            for name in base:
                st = got.get(name)
                if st is None:
                    s["lost"] += 1
                    continue
                s["records"] += 1
                if not fresh(st, sent):
                    s["stale"] += 1
        # the next tick not yet begun; the ones overrun are missed
        tick += 1
        now = time.time()
        while tick < end and tick < now:
            tick += 1
            s["missed"] += 1
    s["bulk"] = bulk[0]
    with open(out, "w") as f:
        f.write(json.dumps(s) + "\n")
        for ms in latencies:
            f.write("%.1f\n" % ms)


def storm(uri, flavour, k, mib, go, seconds, interval, hold, out):
    conns = [libvirt.open(uri) for _ in range(k)]
    t0 = ready_go(out, go)
    extra = "<memoryClaim/>" if flavour == "ours" else ""
    lines = []
    round_no = 0
    while t0 + round_no * interval < t0 + seconds:
        delay = t0 + round_no * interval - time.time()
        if delay > 0:
            time.sleep(delay)
        round_no += 1
        names = ["storm%d-%d" % (round_no, i) for i in range(1, k + 1)]
        results = [None] * k
        barrier = threading.Barrier(k)

        def one(i):
            xml = DOMAIN_XML.format(name=names[i], mib=mib, cur=mib, extra=extra)
            barrier.wait()
            began = time.monotonic()
            try:
                dom = conns[i].createXML(xml, 0)
                results[i] = ("OK", time.monotonic() - began, "", dom)
            except libvirt.libvirtError as e:
                results[i] = ("FAIL", time.monotonic() - began,
                              (e.get_error_message() or "").replace("\n", " "), None)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(k)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for name, (status, secs, err, _) in zip(names, results):
            lines.append("%d %s %s %d %s" % (round_no, name, status, secs * 1000, err))
        time.sleep(hold)
        for _, _, _, dom in results:
            if dom is not None:
                dom.destroy()
    with open(out, "w") as f:
        f.write("".join(line.rstrip() + "\n" for line in lines))


def main():
    uri, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    event_loop()
    if mode == "start":
        start(libvirt.open(uri), args[0], int(args[1]), int(args[2]))
    elif mode == "records":
        records(libvirt.open(uri), int(args[0]))
    elif mode == "poll":
        poll(uri, int(args[0]), args[1], float(args[2]), float(args[3]), args[4])
    elif mode == "storm":
        storm(uri, args[0], int(args[1]), int(args[2]), args[3], float(args[4]),
              float(args[5]), float(args[6]), args[7])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    main()
