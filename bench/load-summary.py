#!/usr/bin/python3
"""The figures of bench/load.sh, from what its clients and its sampler
wrote.

Usage:
  load-summary.py side DIR HZ KEY=VALUE...
      one daemon's run: DIR/poll.*.out (the monitoring clients),
      DIR/storm.out (the storm), DIR/samples ("MS TICKS RSS_KIB" a line:
      the daemon's utime + stime in clock ticks of HZ a second, and its
      resident memory); the KEY=VALUEs (domains, auto, clients, seconds,
      storm_k, storm_mib, partway, targets, load0, load1) are passed
      through.  Prints the side as JSON.
  load-summary.py lines OURS_JSON STOCK_JSON
      prints the benchmark's two lines.
  load-summary.py soak OURS_JSON
      prints one line of our daemon's figures alone (load.sh --soak).

Flat, over the last 80 % of the run (the first fifth is the clients'
warm-up: connections, the daemon's allocator growing to what 50 replies
at once take): the CPU of its last window (the last minute, or the last
fifth of a short run) within 25 % of its first window's plus 5 points
of a core; the resident memory's least-squares slope over it, times its
time, and its last window's mean against its first window's, each within
5 % or 4 MiB, whichever is more.
"""

import glob
import json
import math
import os
import sys

OUR_REFUSAL = "not enough memory to start domain"


def percentile(values, p):
    """nearest rank"""
    if not values:
        return 0.0
    v = sorted(values)
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)]


def window(seconds):
    return min(60.0, seconds / 5)


def cpu_flat(first, last):
    return abs(last - first) <= 0.25 * first + 5


def rss_flat(first, last, growth, mean):
    limit = max(4.0, 0.05 * mean)
    return growth <= limit and last - first <= max(4.0, 0.05 * first)


def samples_figures(path, hz, seconds):
    rows = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 3:
                rows.append((int(p[0]) / 1000, int(p[1]), int(p[2]) / 1024))
    if len(rows) < 4:
        sys.exit("load-summary: %d samples of the daemon in %s" % (len(rows), path))
    t0 = rows[0][0]
    rows = [(t - t0, c, r) for t, c, r in rows]
    span = rows[-1][0]
    w = window(span)

    def cpu(a, b):
        pts = [r for r in rows if a - 1e-6 <= r[0] <= b + 1e-6]
        if len(pts) < 2 or pts[-1][0] <= pts[0][0]:
            return 0.0
        return (pts[-1][1] - pts[0][1]) / hz / (pts[-1][0] - pts[0][0]) * 100

    def rss(a, b):
        pts = [r[2] for r in rows if a - 1e-6 <= r[0] <= b + 1e-6]
        return sum(pts) / len(pts)

    tail = [(t, r) for t, _, r in rows if t >= 0.2 * span]
    n = len(tail)
    mt = sum(t for t, _ in tail) / n
    mr = sum(r for _, r in tail) / n
    den = sum((t - mt) ** 2 for t, _ in tail)
    slope = sum((t - mt) * (r - mr) for t, r in tail) / den * 60 if den else 0.0
    a = 0.2 * span
    out = {
        "window": w, "from": a,
        "cpu": cpu(0, span), "cpu_first": cpu(a, a + w), "cpu_last": cpu(span - w, span),
        "rss": rss(0, span), "rss_first": rss(a, a + w), "rss_last": rss(span - w, span),
        "rss_slope": slope, "span": span,
    }
    out["cpu_flat"] = cpu_flat(out["cpu_first"], out["cpu_last"])
    out["rss_flat"] = rss_flat(out["rss_first"], out["rss_last"],
                               slope * 0.8 * span / 60, out["rss"])
    return out


def side(d, hz, extra):
    s = dict(extra)
    lat = []
    tot = {"polls": 0, "missed": 0, "errors": 0, "timeouts": 0, "lost": 0,
           "records": 0, "stale": 0}
    errors = []
    outs = sorted(glob.glob(os.path.join(d, "poll.*.out")))
    for path in outs:
        with open(path) as f:
            head = json.loads(f.readline())
            lat += [float(x) for x in f if x.strip()]
        for k in tot:
            tot[k] += head[k]
        if head["error"]:
            errors.append(head["error"])
    if len(outs) != int(s["clients"]):
        sys.exit("load-summary: %d of %s clients reported in %s" % (len(outs), s["clients"], d))
    s.update(tot)
    s["p50"], s["p99"], s["max"] = (percentile(lat, p) for p in (50, 99, 100))
    s["last_error"] = errors[-1] if errors else ""
    ran = failed = refused = storms = 0
    with open(os.path.join(d, "storm.out")) as f:
        for line in f:
            p = line.split(" ", 4)
            storms = max(storms, int(p[0]))
            if p[2] == "OK":
                ran += 1
            else:
                failed += 1
                err = p[4] if len(p) > 4 else ""
                for prefix in ("operation failed: ", "internal error: "):
                    if err.startswith(prefix):
                        err = err[len(prefix):]
                if err.startswith(OUR_REFUSAL):
                    refused += 1
    s.update(storms=storms, ran=ran, failed=failed, refused=refused)
    s.update(samples_figures(os.path.join(d, "samples"), hz, float(s["seconds"])))
    # all the daemon's CPU over the run (the storm, the actor, the
    # guests' records too), per poll it answered
    s["cpu_per_poll"] = (s["cpu"] / 100 * float(s["seconds"]) * 1000 / s["polls"]
                         if s["polls"] else 0.0)
    return s


def poll_figures(x):
    return ("p99 poll %.0f ms (p50 %.0f ms, max %.0f ms), %d polls, %d ticks missed, "
            "%d errors, %d RPC timeouts, %d lost, %d stale of %d records; %d storms of "
            "%s x %s MiB: %d ran, %d failed (%d refused, %s part-way)"
            % (x["p99"], x["p50"], x["max"], x["polls"], x["missed"], x["errors"],
               x["timeouts"], x["lost"], x["stale"], x["records"], x["storms"],
               x["storm_k"], x["storm_mib"], x["ran"], x["failed"], x["refused"],
               x["partway"]))


def first_line(o, s):
    one = poll_figures
    op99, sp99 = round(o["p99"]), round(s["p99"])
    ratio = ("n/a" if sp99 == 0 else "inf") if op99 == 0 else "%.1fx" % (sp99 / op99)
    return ("load: %s domains (%s auto), %s clients polling every 1 s for %s s: %s vs stock %s "
            "(ratio %s)" % (o["domains"], o["auto"], o["clients"], o["seconds"], one(o),
                            one(s), ratio))


def daemon_figures(x, label):
    w = "%.0f s" % x["window"]
    f = "%.0f-%.0f s" % (x["from"], x["from"] + x["window"])
    return ("%s CPU %.1f%% (%s %.1f%%, last %s %.1f%%: %s), %.1f ms per poll, RSS %.1f MiB (%s "
            "%.1f, last %s %.1f MiB, %+.2f MiB/min over the last 80 %%: %s), %s auto "
            "targets set, load average %s to %s"
            % (label, x["cpu"], f, x["cpu_first"], w, x["cpu_last"],
               "flat" if x["cpu_flat"] else "not flat", x["cpu_per_poll"], x["rss"], f, x["rss_first"], w,
               x["rss_last"], x["rss_slope"], "flat" if x["rss_flat"] else "not flat",
               x["targets"], x["load0"], x["load1"]))


def second_line(o, s):
    one = daemon_figures
    return "load: %s over %.0f s vs %s" % (one(o, "daemon"), o["span"], one(s, "stock"))


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "side":
        extra = dict(a.split("=", 1) for a in sys.argv[4:])
        print(json.dumps(side(sys.argv[2], int(sys.argv[3]), extra)))
    elif len(sys.argv) == 3 and sys.argv[1] == "soak":
        with open(sys.argv[2]) as f:
            o = json.load(f)
        print("load --soak: %s domains (%s auto), %s clients for %s s: %s; %s over %.0f s"
              % (o["domains"], o["auto"], o["clients"], o["seconds"], poll_figures(o),
                 daemon_figures(o, "daemon"), o["span"]))
    elif len(sys.argv) == 4 and sys.argv[1] == "lines":
        with open(sys.argv[2]) as f:
            o = json.load(f)
        with open(sys.argv[3]) as f:
            s = json.load(f)
        print(first_line(o, s))
        print(second_line(o, s))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
