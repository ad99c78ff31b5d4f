#!/usr/bin/python3
"""Check that a benchmark's line parses and that its figures agree with
each other.

Usage:
  bench-lines.py check NAME OUTPUT  check what bench/NAME.sh printed
  bench-lines.py selftest           every check against lines made to break it

A benchmark prints one line "NAME: <ours> vs <baseline> (ratio Nx)"
first; policy, rebalance and load print further lines after it (one per
strategy; the actor's cycle; the daemons' CPU and RSS), which must be
there, each in its place, and nothing else may.

Each check has a name; `check` prints "FAIL: NAME: CHECK: detail" for each
check the line breaks and exits 1 if any.  The figures are the ones the
benchmarks print (bench/*.sh); the checks are arithmetic between them (a
ratio is the quotient of the figures it is built from, counts add up,
nothing holds more than there was), plus the errors each side must have
failed with.
"""

import re
import sys

RATIO = r"(?P<ratio>[0-9]+\.[0-9]x|inf|n/a)"
OUR_REFUSAL = "not enough memory to start domain"
STOCK_BUILD_FAILURE = "libxenlight failed to create new domain"


def ratio_agrees(printed, denominator, numerator):
    """printed is numerator / denominator with one decimal (inf, n/a)"""
    if denominator == 0:
        return printed == ("n/a" if numerator == 0 else "inf")
    if not printed.endswith("x"):
        return False
    return abs(float(printed[:-1]) - numerator / denominator) <= 0.05 + 1e-9


# ---------------------------------------------------------------- claims

CLAIMS = re.compile(
    r"claims: refused in (?P<o_ms>\d+) ms, (?P<o_pop>\d+) of (?P<o_free>\d+) "
    r'MiB free populated: "(?P<o_err>[^"]*)" vs stock failed in (?P<s_ms>\d+) '
    r"ms, (?P<s_pop>\d+) of (?P<s_free>\d+) MiB free populated: "
    r'"(?P<s_err>[^"]*)" \(ratio ' + RATIO + r"\)")


def claims(m):
    f = {k: int(v) for k, v in m.groupdict().items() if k.endswith(("_ms", "_pop", "_free"))}
    need = re.search(r"it needs (\d+) MiB", m["o_err"])
    return [
        ("ours populated <= free", f["o_pop"] <= f["o_free"]),
        ("ours populated nothing", f["o_pop"] == 0),
        ("stock populated <= free", f["s_pop"] <= f["s_free"]),
        ("the same free memory on both hosts", f["o_free"] == f["s_free"]),
        ("ours failed with our refusal", m["o_err"].startswith(OUR_REFUSAL)),
        ("our refusal's need exceeds the free memory",
         need is not None and int(need[1]) > f["o_free"]),
        ("stock failed in the build", m["s_err"].startswith(STOCK_BUILD_FAILURE)),
        ("stock took time and populated memory", f["s_ms"] > 0 and f["s_pop"] > 0),
        ("ratio = stock ms / ours ms", ratio_agrees(m["ratio"], f["o_ms"], f["s_ms"])),
    ]


# ---------------------------------------------------------------- storm

STORM_SIDE = (
    r"(?P<{p}n>\d+) of (?P<{p}mib>\d+) MiB at once on (?P<{p}free>\d+) MiB free: "
    r"(?P<{p}ran>\d+) ran \((?P<{p}doms>\d+) on the host, (?P<{p}held>\d+) MiB\), "
    r"(?P<{p}failed>\d+) failed \((?P<{p}kinds>(?:\d+ \"[^\"]*\", )*)"
    r"(?P<{p}partway>\d+) part-way, slowest in (?P<{p}slowest>\d+) ms\), "
    r"(?P<{p}timeouts>\d+) client timeouts, (?P<{p}claims>\d+) MiB claims left, "
    r"settled in (?P<{p}settle>\d+) ms")
STORM = re.compile(r"storm: " + STORM_SIDE.format(p="o_") + r" vs stock " +
                   STORM_SIDE.format(p="s_") + r" \(ratio " + RATIO + r"\)")


def storm(m):
    checks = []
    sides = {}
    for p, who in (("o_", "ours"), ("s_", "stock")):
        f = {k[2:]: int(v) for k, v in m.groupdict().items()
             if k.startswith(p) and k != p + "kinds"}
        kinds = re.findall(r'(\d+) "([^"]*)"', m[p + "kinds"])
        sides[who] = f
        checks += [
            (who + ": ran + failed = started", f["ran"] + f["failed"] == f["n"]),
            (who + ": starts and domains counted", f["n"] > 0 and f["mib"] > 0),
            (who + ": failures by error add up", sum(int(c) for c, _ in kinds) == f["failed"]),
            (who + ": part-way <= failed", f["partway"] <= f["failed"]),
            (who + ": timeouts <= failed", f["timeouts"] <= f["failed"]),
            (who + ": the host runs what the clients saw run", f["doms"] == f["ran"]),
            (who + ": the running domains hold their memory", f["held"] >= f["ran"] * f["mib"]),
            (who + ": held <= free", f["held"] <= f["free"]),
            (who + ": slowest failure <= settle", f["slowest"] <= f["settle"]),
            (who + ": a failure's time only with failures", f["failed"] > 0 or f["slowest"] == 0),
            # every start has returned: no build is left to hold a claim
            (who + ": no claims left", f["claims"] == 0),
        ]
        if who == "ours":
            checks.append(("ours: failures are our refusal or client timeouts",
                           all(t.startswith(OUR_REFUSAL) or "keepalive" in t
                               for _, t in kinds)))
            checks.append(("ours: something ran", f["ran"] > 0))
            checks.append(("ours: no failed start built part-way", f["partway"] == 0))
    checks += [
        ("the same storm on both hosts",
         all(sides["ours"][k] == sides["stock"][k] for k in ("n", "mib", "free"))),
        ("ratio = stock settle / ours settle",
         ratio_agrees(m["ratio"], sides["ours"]["settle"], sides["stock"]["settle"])),
    ]
    return checks


# ---------------------------------------------------------------- autoballoon

AUTOBALLOON_SIDE = (
    r"(?:started it in (?P<{p}ok_ms>\d+) ms with (?P<{p}ok_free>\d+) MiB free"
    r"|refused it in (?P<{p}no_ms>\d+) ms with (?P<{p}no_free>\d+) MiB free: "
    r"\"(?P<{p}err>[^\"]*)\"), dom0 gave (?P<{p}gave>-?\d+) MiB "
    r"\((?P<{p}before>\d+) -> (?P<{p}after>\d+) MiB\), it holds (?P<{p}held>\d+) MiB")
AUTOBALLOON = re.compile(r"autoballoon: " + AUTOBALLOON_SIDE.format(p="o_") +
                         r" vs stock " + AUTOBALLOON_SIDE.format(p="s_") +
                         r" \(ratio " + RATIO + r"\)")


def autoballoon(m):
    checks = []
    sides = {}
    for p, who in (("o_", "ours"), ("s_", "stock")):
        started = m[p + "ok_ms"] is not None
        free = int(m[p + ("ok_free" if started else "no_free")])
        gave, before, after, held = (int(m[p + k]) for k in ("gave", "before", "after", "held"))
        sides[who] = (free, before, held)
        if who == "ours":
            checks.append(("ours: started it", started))
        checks += [
            (who + ": dom0 gave = before - after", gave == before - after),
            (who + ": a started domain holds memory, a refused one none",
             held > 0 if started else held == 0),
            (who + ": held <= free + what dom0 gave", held <= free + max(gave, 0)),
        ]
    checks += [
        ("the same host on both sides", sides["ours"][:2] == sides["stock"][:2]),
        ("ratio = ours held / stock held",
         ratio_agrees(m["ratio"], sides["stock"][2], sides["ours"][2])),
    ]
    return checks


# ---------------------------------------------------------------- stats

STATS = re.compile(
    r"stats: (?P<o_doms>\d+) domains in (?P<o_ms>[0-9]+\.[0-9]) ms, one "
    r"GetAllDomainStats call, (?P<o_guest>\d+) with the guest's figures vs stock "
    r"(?P<s_ms>[0-9]+\.[0-9]) ms, memoryStats per domain for (?P<s_doms>\d+), "
    r"(?P<s_guest>\d+) with the guest's figures \(ratio " + RATIO + r"\)")


def stats(m):
    d = {k: int(m[k]) for k in ("o_doms", "o_guest", "s_doms", "s_guest")}
    o_ms, s_ms = float(m["o_ms"]), float(m["s_ms"])
    return [
        ("ours: guest figures <= domains", d["o_guest"] <= d["o_doms"]),
        ("ours: every guest's figures (all domains but dom0)", d["o_guest"] == d["o_doms"] - 1),
        ("stock: guest figures <= domains", d["s_guest"] <= d["s_doms"]),
        ("the same domains on both hosts", d["o_doms"] == d["s_doms"]),
        ("domains besides dom0", d["o_doms"] >= 2),
        ("times measured", o_ms > 0 and s_ms > 0),
        ("ratio = stock ms / ours ms", ratio_agrees(m["ratio"], o_ms, s_ms)),
    ]


# ---------------------------------------------------------------- rebalance

REBALANCE_SIDE = (
    r"(?P<{p}doms>\d+) domains, (?P<{p}targets>\d+) targets in (?P<{p}us>[0-9]+\.[0-9]) us "
    r"\(median of (?P<{p}runs>\d+) runs\)")
REBALANCE = re.compile(r"rebalance: " + REBALANCE_SIDE.format(p="o_") + r" vs squeezed " +
                       REBALANCE_SIDE.format(p="s_") + r" \(ratio " + RATIO + r"\)")


def rebalance(m, c):
    d = {k: int(m[k]) for k in ("o_doms", "o_targets", "o_runs", "s_doms", "s_targets", "s_runs")}
    o_us, s_us = float(m["o_us"]), float(m["s_us"])
    return [
        ("the same domains on both sides", d["o_doms"] == d["s_doms"]),
        ("the same runs on both sides", d["o_runs"] == d["s_runs"]),
        ("ours: targets <= domains", d["o_targets"] <= d["o_doms"]),
        ("squeezed: targets <= domains", d["s_targets"] <= d["s_doms"]),
        ("ours wrote targets", d["o_targets"] > 0),
        ("times measured", o_us > 0 and s_us > 0),
        # the promise: a decision over the domains in well under 1 ms
        ("ours under 1 ms", o_us < 1000),
        ("ratio = squeezed us / ours us", ratio_agrees(m["ratio"], o_us, s_us)),
    ] + actor_cycle(c)


ACTOR_CYCLE = re.compile(
    r"rebalance: actor cycle: (?P<n>\d+) auto domains on a simulated host "
    r"\((?:all started|as many as started in (?P<limit>\d+) s, of (?P<want>\d+))\), "
    r"(?P<ms>[0-9]+\.[0-9]) ms \(median of (?P<cycles>\d+) cycles\), "
    r"(?P<written>\d+) targets written in them; (?P<started>\d+) started in "
    r"(?P<secs>[0-9]+\.[0-9]) s")


def actor_cycle(c):
    n, cycles, written, started = (int(c[k]) for k in ("n", "cycles", "written", "started"))
    partial = c["want"] is not None
    return [
        ("the cycles are over the domains that started", n == started),
        ("the cycle ran over some domains", n > 0),
        ("cycles measured", cycles > 0 and float(c["ms"]) > 0),
        ("at most a target per domain and cycle", written <= n * cycles),
        # fewer than asked for only because the time to start them ran out
        ("fewer domains only when the time to start them ran out",
         not partial or (n < int(c["want"]) and float(c["secs"]) >= int(c["limit"]))),
    ]

# ---------------------------------------------------------------- policy

POLICY = re.compile(
    r"policy: (?P<auto>\d+) domains \(auto\) vs (?P<qmemman>\d+) \(qmemman-style\), "
    r"(?P<static>\d+) \(static\) \(ratio " + RATIO + r"\)")
POLICY_STRATEGY = (
    r"{label}: (?P<started>\d+) started, 1 failed start \(needing (?P<need>\d+) MiB: "
    r"(?P<free>\d+) MiB free, (?P<above>\d+) MiB above the floors\), (?P<fits>\d+) failed "
    r"starts that would have fit at the floors; (?P<targets>\d+) targets set; below need "
    r"(?P<below>[0-9]+\.[0-9]{{3}}) "
    "MiB\u00b7s, " r"(?P<oom>\d+) OOM kills, (?P<secs>\d+) s after the last start")
POLICY_LINES = [re.compile(POLICY_STRATEGY.format(label=label))
                for label in ("auto", "qmemman-style", "static")]


def policy(m, *sides):
    checks = []
    secs = set()
    for who, side in zip(("auto", "qmemman", "static"), sides):
        f = {k: int(v) for k, v in side.groupdict().items() if k != "below"}
        secs.add(f["secs"])
        checks += [
            (who + ": the count of the first line", f["started"] == int(m[who])),
            (who + ": a failed start that would have fit is one the floors cover",
             f["fits"] == (1 if f["free"] + f["above"] >= f["need"] else 0)),
            (who + ": a start needs memory", f["need"] > 0),
        ]
    a = {k: float(v) for k, v in sides[0].groupdict().items()}
    # static allocation moves nothing
    checks.append(("static: no target set", int(sides[2]["targets"]) == 0))
    checks += [
        ("the trace ran as long for every strategy", len(secs) == 1 and secs.pop() > 0),
        ("auto: something started", int(m["auto"]) > 0),
        # what admission promises: it refuses only what would not fit even
        # with every auto domain at its floor
        ("auto: no refused start would have fit at the floors", a["fits"] == 0),
        # and the auto actor's: no guest lacks what it uses
        ("auto: no guest went below its need or was OOM-killed",
         a["below"] == 0 and a["oom"] == 0),
        ("ratio = auto / qmemman-style",
         ratio_agrees(m["ratio"], int(m["qmemman"]), int(m["auto"]))),
    ]
    return checks


# ---------------------------------------------------------------- squeeze

SQUEEZE = re.compile(
    r"squeeze: (?P<gap>\d+) MiB from (?P<n>\d+) idle auto domains, started in "
    r"(?P<o_s>[0-9]+\.[0-9]{2}) s vs (?P<l_s>[0-9]+\.[0-9]{2}) s for their balloons "
    r"to free (?P<freed>\d+) MiB when asked directly \(ratio " + RATIO + r"\)")


def squeeze(m):
    gap, n, freed = int(m["gap"]), int(m["n"]), int(m["freed"])
    o, l = float(m["o_s"]), float(m["l_s"])
    # the ratio is of the times in ms, the times are printed to 10 ms
    lo = (l - 0.005) / (o + 0.005) if o > 0 else 0
    hi = (l + 0.005) / (o - 0.005) if o > 0.005 else float("inf")
    printed = float(m["ratio"][:-1]) if m["ratio"].endswith("x") else -1
    return [
        ("a start that needed memory from the guests", gap > 0 and n > 0),
        ("the balloons freed the gap, in shares of the guests",
         gap <= freed < gap + n),
        ("times measured", o > 0 and l > 0),
        ("ratio = limit / ours", lo - 0.05 <= printed <= hi + 0.05),
        # the start waits for the balloons: it cannot beat them (less the
        # host's sampling)
        ("ours is not faster than the balloons", o >= l - 0.1),
        # the promise: the squeeze costs at most half a second beyond them
        ("ours within the limit + 0.5 s", o <= l + 0.5),
    ]


# ---------------------------------------------------------------- hostile

HOSTILE = re.compile(
    r"hostile: others' records seen in (?P<f_p50>\d+) ms \(worst (?P<f_max>\d+) ms\), "
    r"daemon CPU (?P<f_cpu>\d+)% with one guest writing (?P<rate>\d+) records/s "
    r"\((?P<mode>lies|garbage|oversized), (?P<refused>\d+) refused\) vs "
    r"(?P<b_p50>\d+) ms \(worst (?P<b_max>\d+) ms\), CPU (?P<b_cpu>\d+)% without "
    r"\(ratio " + RATIO + r"\); (?P<same>\d+) of (?P<n>\d+) other guests' targets "
    r"unchanged, the writer's (?P<w_mib>\d+) MiB of a (?P<ceiling>\d+) MiB ceiling")


def hostile(m):
    f = {k: int(v) for k, v in m.groupdict().items() if k not in ("mode", "ratio")}
    return [
        ("medians within the worst", f["f_p50"] <= f["f_max"] and f["b_p50"] <= f["b_max"]),
        ("records seen, not instantly", f["b_p50"] > 0 and f["f_p50"] > 0),
        ("the guest wrote", f["rate"] > 0),
        ("lies are well formed: none refused", m["mode"] != "lies" or f["refused"] == 0),
        ("CPU of two cores at most", f["f_cpu"] <= 200 and f["b_cpu"] <= 200),
        ("ratio = with / without", ratio_agrees(m["ratio"], f["b_p50"], f["f_p50"])),
        # the bounds docs/threat-model.md states
        ("the others' targets did not move", f["same"] == f["n"] and f["n"] > 0),
        ("the writer within its ceiling", f["w_mib"] <= f["ceiling"]),
        ("others' records within 2 flushes of theirs without it",
         f["f_p50"] <= f["b_p50"] + 200),
    ]


# ---------------------------------------------------------------- load

LOAD_SIDE = (
    r"p99 poll (?P<{p}p99>\d+) ms \(p50 (?P<{p}p50>\d+) ms, max (?P<{p}max>\d+) ms\), "
    r"(?P<{p}polls>\d+) polls, (?P<{p}missed>\d+) ticks missed, (?P<{p}errors>\d+) errors, "
    r"(?P<{p}timeouts>\d+) RPC timeouts, (?P<{p}lost>\d+) lost, (?P<{p}stale>\d+) stale of "
    r"(?P<{p}records>\d+) records; (?P<{p}storms>\d+) storms of (?P<{p}k>\d+) x "
    r"(?P<{p}mib>\d+) MiB: (?P<{p}ran>\d+) ran, (?P<{p}failed>\d+) failed "
    r"\((?P<{p}refused>\d+) refused, (?P<{p}partway>\d+) part-way\)")
LOAD = re.compile(
    r"load: (?P<domains>\d+) domains \((?P<auto>\d+) auto\), (?P<clients>\d+) clients "
    r"polling every 1 s for (?P<seconds>\d+) s: " + LOAD_SIDE.format(p="o_") +
    r" vs stock " + LOAD_SIDE.format(p="s_") + r" \(ratio " + RATIO + r"\)")
LOAD_DAEMON = (
    r"{label} CPU (?P<{p}cpu>\d+\.\d)% \(\d+-\d+ s (?P<{p}cpu_first>\d+\.\d)%, "
    r"last \d+ s (?P<{p}cpu_last>\d+\.\d)%: (?P<{p}cpu_v>flat|not flat)\), "
    r"(?P<{p}per_poll>\d+\.\d) ms per poll, RSS (?P<{p}rss>\d+\.\d) MiB \(\d+-\d+ s (?P<{p}rss_first>\d+\.\d), last \d+ s "
    r"(?P<{p}rss_last>\d+\.\d) MiB, (?P<{p}slope>[+-]\d+\.\d\d) MiB/min over the last "
    r"80 %: (?P<{p}rss_v>flat|not flat)\), (?P<{p}targets>\d+) auto targets set, "
    r"load average (?P<{p}l0>\d+\.\d\d) to (?P<{p}l1>\d+\.\d\d)")
LOAD_DETAIL = re.compile(
    r"load: " + LOAD_DAEMON.format(label="daemon", p="o_") + r" over (?P<span>\d+) s vs " +
    LOAD_DAEMON.format(label="stock", p="s_"))


def load_verdicts(f, span):
    """the verdicts bench/load-summary.py may have given for the printed
    figures, their rounding taken into account: {"cpu": set, "rss": set}"""
    cpu, rss = set(), set()
    for d in (-0.05, 0.05):
        for e in (-0.05, 0.05):
            first, last = f["cpu_first"] + d, f["cpu_last"] + e
            cpu.add(abs(last - first) <= 0.25 * first + 5)
            for g in (-0.005, 0.005):
                for sp in (span - 1, span + 1):
                    r_first, r_last = f["rss_first"] + d, f["rss_last"] + e
                    growth = (f["slope"] + g) * 0.8 * sp / 60
                    rss.add(growth <= max(4.0, 0.05 * (f["rss"] + d)) and
                            r_last - r_first <= max(4.0, 0.05 * r_first))
    return {"cpu": cpu, "rss": rss}


def load(m, d):
    n, clients, seconds = int(m["domains"]), int(m["clients"]), int(m["seconds"])
    checks = [("hosts of domains, some auto", n > 0 and 0 <= int(m["auto"]) <= n)]
    sides = {}
    for p, who in (("o_", "ours"), ("s_", "stock")):
        f = {k[2:]: int(v) for k, v in m.groupdict().items() if k.startswith(p)}
        sides[who] = f
        checks += [
            (who + ": every tick a poll, a failure or missed",
             f["polls"] + f["missed"] + f["errors"] + f["timeouts"] == clients * seconds),
            (who + ": records + lost = polls x domains",
             f["records"] + f["lost"] == f["polls"] * n),
            (who + ": stale <= records", f["stale"] <= f["records"]),
            (who + ": p50 <= p99 <= max", f["p50"] <= f["p99"] <= f["max"]),
            (who + ": ran + failed = storms x K", f["ran"] + f["failed"] == f["storms"] * f["k"]),
            (who + ": refused + part-way <= failed",
             f["refused"] + f["partway"] <= f["failed"]),
        ]
    o, s = sides["ours"], sides["stock"]
    checks += [
        ("the same storm on both sides", all(o[k] == s[k] for k in ("storms", "k", "mib"))),
        # the load claim (docs/threat-model.md)
        ("ours: no RPC timeouts, errors, lost or stale records",
         o["timeouts"] == 0 and o["errors"] == 0 and o["lost"] == 0 and o["stale"] == 0),
        ("ours: no part-way build", o["partway"] == 0),
        ("ours: every failure is our refusal", o["refused"] == o["failed"]),
        ("ratio = stock p99 / ours p99", ratio_agrees(m["ratio"], o["p99"], s["p99"])),
    ]
    span = int(d["span"])
    for p, who in (("o_", "ours"), ("s_", "stock")):
        f = {k[2:]: (v if k.endswith("_v") else float(v))
             for k, v in d.groupdict().items() if k.startswith(p)}
        v = load_verdicts(f, span)
        polls = sides[who]["polls"]
        per_poll = f["cpu"] / 100 * seconds * 1000 / polls if polls else 0.0
        # the CPU is printed to 0.05 % of a core, the figure to 0.05 ms
        slack = 0.05 + (0.05 / 100 * seconds * 1000 / polls if polls else 0.0)
        checks += [
            (who + ": CPU per poll = CPU x time / polls",
             abs(f["per_poll"] - per_poll) <= slack + 1e-9),
            (who + ": the CPU verdict agrees", (f["cpu_v"] == "flat") in v["cpu"]),
            (who + ": the RSS verdict agrees", (f["rss_v"] == "flat") in v["rss"]),
        ]
    checks += [
        ("CPU of two cores at most", float(d["o_cpu"]) <= 200 and float(d["s_cpu"]) <= 200),
        ("stock: no auto targets", int(d["s_targets"]) == 0),
        ("sampled over the run", 0.8 * seconds <= span <= seconds + 30),
    ]
    return checks


# name: (first line, its checks, the patterns of the lines after it)
BENCHES = {
    "claims": (CLAIMS, claims, []),
    "storm": (STORM, storm, []),
    "autoballoon": (AUTOBALLOON, autoballoon, []),
    "stats": (STATS, stats, []),
    "rebalance": (REBALANCE, rebalance, [ACTOR_CYCLE]),
    "policy": (POLICY, policy, POLICY_LINES),
    "squeeze": (SQUEEZE, squeeze, []),
    "hostile": (HOSTILE, hostile, []),
    "load": (LOAD, load, [LOAD_DETAIL]),
}


def failed_checks(name, output):
    pattern, checks, after = BENCHES[name]
    lines = output.split("\n")
    if len(lines) != 1 + len(after):
        return ["%d lines" % (1 + len(after))]
    m = pattern.fullmatch(lines[0])
    if not m:
        return ["the line parses"]
    more = []
    for i, (p, line) in enumerate(zip(after, lines[1:]), 2):
        mm = p.fullmatch(line)
        if not mm:
            return ["line %d parses" % i]
        more.append(mm)
    return [check for check, ok in checks(m, *more) if not ok]


def all_checks(name, output):
    """every check of a benchmark, on output that parses"""
    pattern, checks, after = BENCHES[name]
    lines = output.split("\n")
    return checks(pattern.fullmatch(lines[0]),
                  *(p.fullmatch(line) for p, line in zip(after, lines[1:])))


# ---------------------------------------------------------------- selftest

GOOD = {
    "claims": 'claims: refused in 14 ms, 0 of 3033 MiB free populated: '
              '"not enough memory to start domain \'huge\': it needs 8258 MiB" vs '
              'stock failed in 3069 ms, 2918 of 3033 MiB free populated: '
              '"libxenlight failed to create new domain \'huge\'" (ratio 219.2x)',
    "storm": 'storm: 12 of 256 MiB at once on 1150 MiB free: 4 ran (4 on the host, '
             '1024 MiB), 8 failed (8 "not enough memory to start domain", 0 part-way, '
             'slowest in 6 ms), 0 client timeouts, 0 MiB claims left, settled in '
             '1053 ms vs stock 12 of 256 MiB at once on 1150 MiB free: 4 ran (4 on '
             'the host, 1024 MiB), 8 failed (8 "libxenlight failed to create new '
             'domain", 8 part-way, slowest in 1552 ms), 0 client timeouts, 0 MiB '
             'claims left, settled in 1948 ms (ratio 1.8x)',
    "autoballoon": 'autoballoon: started it in 1368 ms with 489 MiB free, dom0 gave '
                   '287 MiB (1536 -> 1249 MiB), it holds 768 MiB vs stock refused it '
                   'in 8 ms with 489 MiB free: "Failed to balloon domain0 memory", '
                   'dom0 gave 0 MiB (1536 -> 1536 MiB), it holds 0 MiB (ratio inf)',
    "stats": "stats: 51 domains in 0.6 ms, one GetAllDomainStats call, 50 with the "
             "guest's figures vs stock 10.7 ms, memoryStats per domain for 51, 0 with "
             "the guest's figures (ratio 17.8x)",
    "rebalance": "rebalance: 1000 domains, 706 targets in 10.6 us (median of 2001 runs) vs "
                 "squeezed 1000 domains, 480 targets in 2.5 us (median of 2001 runs) "
                 "(ratio 0.2x)\n"
                 "rebalance: actor cycle: 1000 auto domains on a simulated host (all "
                 "started), 24.3 ms (median of 20 cycles), 412 targets written in them; "
                 "1000 started in 46.2 s",
    "policy": "policy: 18 domains (auto) vs 8 (qmemman-style), 2 (static) (ratio 2.2x)\n"
              "auto: 18 started, 1 failed start (needing 86 MiB: 73 MiB free, 0 MiB above "
              "the floors), 0 failed starts that would have fit at the floors; 6 targets set; "
              "below need "
              "0.000 MiB\u00b7s, 0 OOM kills, 60 s after the last start\n"
              "qmemman-style: 8 started, 1 failed start (needing 86 MiB: 63 MiB free, 806 "
              "MiB above the floors), 1 failed starts that would have fit at the floors; "
              "131 targets set; below need 0.000 MiB\u00b7s, 0 OOM kills, 60 s after the last start\n"
              "static: 2 started, 1 failed start (needing 518 MiB: 489 MiB free, 864 MiB "
              "above the floors), 1 failed starts that would have fit at the floors; 0 "
              "targets set; below need 0.000 MiB\u00b7s, 0 OOM kills, 60 s after the last start",
    "squeeze": "squeeze: 1023 MiB from 4 idle auto domains, started in 0.56 s vs 0.51 s for "
               "their balloons to free 1024 MiB when asked directly (ratio 0.9x)",
    "hostile": "hostile: others' records seen in 101 ms (worst 108 ms), daemon CPU 3% with "
               "one guest writing 1095 records/s (lies, 0 refused) vs 102 ms (worst 114 ms), "
               "CPU 1% without (ratio 1.0x); 4 of 4 other guests' targets unchanged, the "
               "writer's 256 MiB of a 256 MiB ceiling",
    "load": "load: 1000 domains (400 auto), 50 clients polling every 1 s for 600 s: p99 poll "
            "48 ms (p50 14 ms, max 212 ms), 30000 polls, 0 ticks missed, 0 errors, 0 RPC "
            "timeouts, 0 lost, 0 stale of 30000000 records; 30 storms of 8 x 8192 MiB: 120 "
            "ran, 120 failed (120 refused, 0 part-way) vs stock p99 poll 4810 ms (p50 3020 ms, "
            "max 6120 ms), 9000 polls, 21000 ticks missed, 0 errors, 0 RPC timeouts, 0 lost, "
            "9000000 stale of 9000000 records; 30 storms of 8 x 8192 MiB: 0 ran, 240 failed "
            "(0 refused, 240 part-way) (ratio 100.2x)\n"
            "load: daemon CPU 41.3% (120-180 s 40.1%, last 60 s 42.0%: flat), 8.3 ms per poll, RSS 58.2 MiB "
            "(120-180 s 57.9, last 60 s 58.3 MiB, +0.03 MiB/min over the last 80 %: flat), "
            "5123 auto targets set, load average 3.10 to 5.20 over 600 s vs stock CPU 150.2% "
            "(120-180 s 148.0%, last 60 s 151.3%: flat), 100.1 ms per poll, RSS 80.1 MiB (120-180 s 79.0, last "
            "60 s 80.5 MiB, +0.10 MiB/min over the last 80 %: flat), 0 auto targets set, load "
            "average 4.00 to 6.00",
}

# Lines made to break one check each: (bench, where, pattern, replacement,
# check).  where is "line" for the whole line, or "each" for a check of
# either side: the replacement is made in the ours part (before " vs stock
# ") for the check "ours: CHECK" and in the stock part for "stock: CHECK".
# The first match of the regular expression pattern is replaced.
BAD = [
    ("claims", "line", r"\(ratio 219\.2x\)", "(ratio 219.2)", "the line parses"),
    ("claims", "line", r"0 of 3033", "3034 of 3033", "ours populated <= free"),
    ("claims", "line", r"2918 of 3033", "3100 of 3033", "stock populated <= free"),
    ("claims", "line", r"0 of 3033", "2900 of 3033", "ours populated nothing"),
    ("claims", "line", r"2918 of 3033 MiB", "2918 of 3040 MiB", "the same free memory on both hosts"),
    ("claims", "line", r'"not enough memory', '"internal error: not enough memory',
     "ours failed with our refusal"),
    ("claims", "line", r"it needs 8258 MiB", "it needs 3000 MiB",
     "our refusal's need exceeds the free memory"),
    ("claims", "line", r'"libxenlight failed', '"Failed to balloon domain0 memory; libxenlight failed',
     "stock failed in the build"),
    ("claims", "line", r"2918 of", "0 of", "stock took time and populated memory"),
    ("claims", "line", r"\(ratio 219\.2x\)", "(ratio 200.0x)", "ratio = stock ms / ours ms"),
    ("claims", "line", r"refused in 14 ms", "refused in 0 ms", "ratio = stock ms / ours ms"),

    ("storm", "each", r"\d+ failed \(", "99 failed (", "ran + failed = started"),
    ("storm", "each", r"^\d+ of \d+ MiB", "12 of 0 MiB", "starts and domains counted"),
    ("storm", "each", r'\(\d+ "', '(1 "', "failures by error add up"),
    ("storm", "each", r"\d+ part-way", "99 part-way", "part-way <= failed"),
    ("storm", "each", r"\d+ client timeouts", "99 client timeouts", "timeouts <= failed"),
    ("storm", "each", r"\(\d+ on the host", "(99 on the host",
     "the host runs what the clients saw run"),
    ("storm", "each", r"on the host, \d+ MiB", "on the host, 1 MiB",
     "the running domains hold their memory"),
    ("storm", "each", r"on the host, \d+ MiB", "on the host, 99999 MiB", "held <= free"),
    ("storm", "each", r"slowest in \d+ ms", "slowest in 99999 ms", "slowest failure <= settle"),
    ("storm", "each", r'\d+ ran \(\d+ on the host, \d+ MiB\), \d+ failed \((\d+ "[^"]*", )*',
     "12 ran (12 on the host, 3072 MiB), 0 failed (", "a failure's time only with failures"),
    ("storm", "line", r'8 "not enough memory to start domain"',
     '8 "libxenlight failed to create new domain"',
     "ours: failures are our refusal or client timeouts"),
    ("storm", "line", r"4 ran \(4 on the host, 1024 MiB\), 8 failed \(8 \"not",
     "0 ran (0 on the host, 0 MiB), 12 failed (12 \"not", "ours: something ran"),
    ("storm", "each", r"0 MiB claims left", "768 MiB claims left", "no claims left"),
    ("storm", "line", r"0 part-way", "8 part-way", "ours: no failed start built part-way"),
    ("storm", "line", r"vs stock 12 of 256 MiB at once on 1150", "vs stock 12 of 256 MiB at once on 2150",
     "the same storm on both hosts"),
    ("storm", "line", r"\(ratio 1\.8x\)", "(ratio 1.2x)", "ratio = stock settle / ours settle"),

    ("autoballoon", "each", r"dom0 gave -?\d+ MiB", "dom0 gave 5 MiB", "dom0 gave = before - after"),
    ("autoballoon", "each", r"it holds \d+ MiB",
     lambda m: "it holds 100 MiB" if m[0] == "it holds 0 MiB" else "it holds 0 MiB",
     "a started domain holds memory, a refused one none"),
    ("autoballoon", "each", r"it holds \d+ MiB", "it holds 99999 MiB",
     "held <= free + what dom0 gave"),
    ("autoballoon", "line", r"in 8 ms with 489 MiB free", "in 8 ms with 490 MiB free",
     "the same host on both sides"),
    ("autoballoon", "line", r"\(ratio inf\)", "(ratio 1.6x)", "ratio = ours held / stock held"),
    ("autoballoon", "line", r"started it in 1368 ms with 489 MiB free",
     'refused it in 1368 ms with 489 MiB free: "Failed to balloon domain0 memory"',
     "ours: started it"),
    ("autoballoon", "line", r"started it in 1368 ms", "started it in ms", "the line parses"),

    ("stats", "line", r"50 with the guest's figures vs", "52 with the guest's figures vs",
     "ours: guest figures <= domains"),
    ("stats", "line", r"for 51, 0 with", "for 51, 60 with", "stock: guest figures <= domains"),
    ("stats", "line", r"50 with the guest's figures vs", "0 with the guest's figures vs",
     "ours: every guest's figures (all domains but dom0)"),
    ("stats", "line", r"50 with the guest's figures vs", "49 with the guest's figures vs",
     "ours: every guest's figures (all domains but dom0)"),
    ("stats", "line", r"per domain for 51", "per domain for 50", "the same domains on both hosts"),
    ("stats", "line", r"51 domains in", "1 domains in", "domains besides dom0"),
    ("stats", "line", r"stock 10\.7 ms", "stock 0.0 ms", "times measured"),
    ("stats", "line", r"\(ratio 17\.8x\)", "(ratio 1.8x)", "ratio = stock ms / ours ms"),

    ("rebalance", "line", r"10\.6 us", "10 us", "the line parses"),
    ("rebalance", "line", r"squeezed 1000 domains", "squeezed 999 domains",
     "the same domains on both sides"),
    ("rebalance", "line", r"2\.5 us \(median of 2001", "2.5 us (median of 201",
     "the same runs on both sides"),
    ("rebalance", "line", r"706 targets", "1706 targets", "ours: targets <= domains"),
    ("rebalance", "line", r"480 targets", "1480 targets", "squeezed: targets <= domains"),
    ("rebalance", "line", r"706 targets", "0 targets", "ours wrote targets"),
    ("rebalance", "line", r"in 2\.5 us", "in 0.0 us", "times measured"),
    ("rebalance", "line", r"in 10\.6 us", "in 1060.0 us", "ours under 1 ms"),
    ("rebalance", "line", r"\(ratio 0\.2x\)", "(ratio 2.0x)", "ratio = squeezed us / ours us"),
    ("rebalance", "line", r"\nrebalance: actor cycle:.*", "", "2 lines"),
    ("rebalance", "line", r"\n", "\nrebalance: actor cycle: 1 auto domains\n", "2 lines"),
    ("rebalance", "line", r"24\.3 ms", "24 ms", "line 2 parses"),
    ("rebalance", "line", r"1000 auto domains", "999 auto domains",
     "the cycles are over the domains that started"),
    ("rebalance", "line", r"1000 auto domains on a simulated host \(all started\)",
     "0 auto domains on a simulated host (all started)", "the cycle ran over some domains"),
    ("rebalance", "line", r"24\.3 ms \(median of 20", "0.0 ms (median of 20", "cycles measured"),
    ("rebalance", "line", r"median of 20 cycles", "median of 0 cycles", "cycles measured"),
    ("rebalance", "line", r"412 targets written", "20001 targets written",
     "at most a target per domain and cycle"),
    ("rebalance", "line", r"\(all started\)", "(as many as started in 120 s, of 2000)",
     "fewer domains only when the time to start them ran out"),
    ("rebalance", "line", r"\(all started\)", "(as many as started in 120 s, of 900)",
     "fewer domains only when the time to start them ran out"),

    ("policy", "line", r"\nstatic: .*", "", "4 lines"),
    ("policy", "line", r"\(ratio 2\.2x\)", "(ratio 2.2)", "the line parses"),
    ("policy", "line", r"qmemman-style: 8 started", "qmemman: 8 started", "line 3 parses"),
    ("policy", "line", r"0\.000 MiB\u00b7s", "0 MiB\u00b7s", "line 2 parses"),
    ("policy", "line", r"auto: 18 started", "auto: 17 started", "auto: the count of the first line"),
    ("policy", "line", r"qmemman-style: 8 started", "qmemman-style: 9 started",
     "qmemman: the count of the first line"),
    ("policy", "line", r"static: 2 started", "static: 3 started",
     "static: the count of the first line"),
    ("policy", "line", r"0 failed starts", "1 failed starts",
     "auto: a failed start that would have fit is one the floors cover"),
    ("policy", "line", r"0 MiB above the floors\), 0 failed starts",
     "20 MiB above the floors), 1 failed starts",
     "auto: no refused start would have fit at the floors"),
    ("policy", "line", r"63 MiB free, 806 MiB", "3 MiB free, 6 MiB",
     "qmemman: a failed start that would have fit is one the floors cover"),
    ("policy", "line", r"489 MiB free, 864 MiB", "9 MiB free, 8 MiB",
     "static: a failed start that would have fit is one the floors cover"),
    ("policy", "line", r"needing 86 MiB: 73", "needing 0 MiB: 73", "auto: a start needs memory"),
    ("policy", "line", r"needing 86 MiB: 63", "needing 0 MiB: 63", "qmemman: a start needs memory"),
    ("policy", "line", r"needing 518 MiB", "needing 0 MiB", "static: a start needs memory"),
    ("policy", "line", r"60 s after the last start$", "50 s after the last start",
     "the trace ran as long for every strategy"),
    ("policy", "line", r"18 domains \(auto\) vs 8 \(qmemman-style\), 2 \(static\) \(ratio 2\.2x\)\n"
     r"auto: 18", "0 domains (auto) vs 8 (qmemman-style), 2 (static) (ratio 0.0x)\nauto: 0",
     "auto: something started"),
    ("policy", "line", r"below need 0\.000", "below need 12.500",
     "auto: no guest went below its need or was OOM-killed"),
    ("policy", "line", r"0 OOM kills", "2 OOM kills",
     "auto: no guest went below its need or was OOM-killed"),
    ("policy", "line", r"\(ratio 2\.2x\)", "(ratio 9.0x)", "ratio = auto / qmemman-style"),
    ("policy", "line", r"0 targets set", "3 targets set", "static: no target set"),
    ("policy", "line", r"6 targets set", "6 targets", "line 2 parses"),

    ("squeeze", "line", r"0\.56 s", "0.6 s", "the line parses"),
    ("squeeze", "line", r"1023 MiB from 4", "0 MiB from 4",
     "a start that needed memory from the guests"),
    ("squeeze", "line", r"from 4 idle", "from 0 idle", "a start that needed memory from the guests"),
    ("squeeze", "line", r"free 1024 MiB", "free 1000 MiB",
     "the balloons freed the gap, in shares of the guests"),
    ("squeeze", "line", r"free 1024 MiB", "free 1030 MiB",
     "the balloons freed the gap, in shares of the guests"),
    ("squeeze", "line", r"vs 0\.51 s", "vs 0.00 s", "times measured"),
    ("squeeze", "line", r"\(ratio 0\.9x\)", "(ratio 0.5x)", "ratio = limit / ours"),
    ("squeeze", "line", r"started in 0\.56 s vs 0\.51 s", "started in 0.30 s vs 0.51 s",
     "ours is not faster than the balloons"),
    ("squeeze", "line", r"started in 0\.56 s", "started in 1.56 s",
     "ours within the limit + 0.5 s"),
    ("hostile", "line", r"\(ratio 1\.0x\)", "(ratio 1.0)", "the line parses"),
    ("hostile", "line", r"in 101 ms \(worst 108", "in 109 ms (worst 108",
     "medians within the worst"),
    ("hostile", "line", r"vs 102 ms", "vs 0 ms", "records seen, not instantly"),
    ("hostile", "line", r"writing 1095 records", "writing 0 records", "the guest wrote"),
    ("hostile", "line", r"0 refused", "3 refused", "lies are well formed: none refused"),
    ("hostile", "line", r"CPU 3%", "CPU 201%", "CPU of two cores at most"),
    ("hostile", "line", r"\(ratio 1\.0x\)", "(ratio 2.0x)", "ratio = with / without"),
    ("hostile", "line", r"4 of 4 other", "3 of 4 other", "the others' targets did not move"),
    ("hostile", "line", r"writer's 256 MiB", "writer's 300 MiB", "the writer within its ceiling"),
    ("hostile", "line", r"in 101 ms \(worst 108 ms\)(.*)\(ratio 1\.0x\)",
     r"in 400 ms (worst 408 ms)\1(ratio 3.9x)",
     "others' records within 2 flushes of theirs without it"),
    ("load", "line", r"\(ratio 100\.2x\)", "(ratio 100.2)", "the line parses"),
    ("load", "line", r"\nload: daemon.*", "", "2 lines"),
    ("load", "line", r"\+0\.03 MiB/min", "0.03 MiB/min", "line 2 parses"),
    ("load", "line", r"1000 domains \(400 auto\)", "1000 domains (1400 auto)",
     "hosts of domains, some auto"),
    ("load", "line", r"30000 polls, 0 ticks", "29990 polls, 0 ticks",
     "ours: every tick a poll, a failure or missed"),
    ("load", "line", r"9000 polls, 21000", "9000 polls, 20000",
     "stock: every tick a poll, a failure or missed"),
    ("load", "line", r"0 stale of 30000000", "0 stale of 29999999",
     "ours: records + lost = polls x domains"),
    ("load", "line", r"0 lost, 9000000 stale", "5 lost, 9000000 stale",
     "stock: records + lost = polls x domains"),
    ("load", "line", r"0 stale of 30000000", "30000001 stale of 30000000", "ours: stale <= records"),
    ("load", "line", r"9000000 stale of 9000000", "9000001 stale of 9000000",
     "stock: stale <= records"),
    ("load", "line", r"p50 14 ms", "p50 49 ms", "ours: p50 <= p99 <= max"),
    ("load", "line", r"max 6120 ms", "max 4000 ms", "stock: p50 <= p99 <= max"),
    ("load", "line", r"120 ran", "121 ran", "ours: ran + failed = storms x K"),
    ("load", "line", r"0 ran, 240 failed", "1 ran, 240 failed", "stock: ran + failed = storms x K"),
    ("load", "line", r"\(120 refused, 0 part-way\)", "(120 refused, 3 part-way)",
     "ours: refused + part-way <= failed"),
    ("load", "line", r"\(0 refused, 240 part-way\)", "(0 refused, 241 part-way)",
     "stock: refused + part-way <= failed"),
    ("load", "line", r"8 x 8192 MiB: 0 ran", "8 x 4096 MiB: 0 ran", "the same storm on both sides"),
    ("load", "line", r"30000 polls, 0 ticks missed, 0 errors",
     "29998 polls, 0 ticks missed, 2 errors",
     "ours: no RPC timeouts, errors, lost or stale records"),
    ("load", "line", r"0 RPC timeouts", "1 RPC timeouts",
     "ours: no RPC timeouts, errors, lost or stale records"),
    ("load", "line", r"\(120 refused, 0 part-way\)", "(119 refused, 1 part-way)",
     "ours: no part-way build"),
    ("load", "line", r"\(120 refused", "(110 refused", "ours: every failure is our refusal"),
    ("load", "line", r"\(ratio 100\.2x\)", "(ratio 10.2x)", "ratio = stock p99 / ours p99"),
    ("load", "line", r"last 60 s 42\.0%: flat", "last 60 s 82.0%: flat",
     "ours: the CPU verdict agrees"),
    ("load", "line", r"151\.3%: flat", "151.3%: not flat", "stock: the CPU verdict agrees"),
    ("load", "line", r"\+0\.03 MiB/min over the last 80 %: flat",
     "+3.00 MiB/min over the last 80 %: flat", "ours: the RSS verdict agrees"),
    ("load", "line", r"\+0\.10 MiB/min over the last 80 %: flat",
     "+0.10 MiB/min over the last 80 %: not flat", "stock: the RSS verdict agrees"),
    ("load", "line", r"stock CPU 150\.2%", "stock CPU 250.2%", "CPU of two cores at most"),
    ("load", "line", r", 0 auto targets set", ", 7 auto targets set", "stock: no auto targets"),
    ("load", "line", r"over 600 s vs", "over 100 s vs", "sampled over the run"),
    ("load", "line", r"8\.3 ms per poll", "7.3 ms per poll", "ours: CPU per poll = CPU x time / polls"),
    ("load", "line", r"100\.1 ms per poll", "10.1 ms per poll",
     "stock: CPU per poll = CPU x time / polls"),
]


def broken_lines():
    """(bench, check, line) for each line of BAD"""
    for name, where, pattern, repl, check in BAD:
        good = GOOD[name]
        if where == "line":
            cases = [(check, good, "")]
        else:
            ours, stock = good.split(" vs stock ")
            head, ours = ours.split(": ", 1)
            cases = [("ours: " + check, ours, (head + ": ", " vs stock " + stock)),
                     ("stock: " + check, stock, (head + ": " + ours + " vs stock ", ""))]
        for case_check, text, around in cases:
            broken, n = re.subn(pattern, repl, text, count=1)
            assert n == 1 and broken != text, (name, pattern)
            if around:
                broken = around[0] + broken + around[1]
            yield name, case_check, broken


def selftest():
    bad = 0
    for name, line in GOOD.items():
        failed = failed_checks(name, line)
        if failed:
            print("FAIL: selftest: the consistent %s line breaks: %s" % (name, "; ".join(failed)))
            bad += 1
    checked = set()
    nbroken = 0
    for name, check, line in broken_lines():
        nbroken += 1
        failed = failed_checks(name, line)
        checked.add((name, check))
        if check not in failed:
            print("FAIL: selftest: %s: a line breaking '%s' passes it (fails: %s)"
                  % (name, check, "; ".join(failed) or "nothing"))
            bad += 1
    # every check of every benchmark is shown to fail on some line
    for name in BENCHES:
        for check, _ in all_checks(name, GOOD[name]):
            if (name, check) not in checked:
                print("FAIL: selftest: %s: no line breaks '%s'" % (name, check))
                bad += 1
    print("selftest: %d consistent lines, %d broken lines, %d failures"
          % (len(GOOD), nbroken, bad))
    return 1 if bad else 0


def main():
    if sys.argv[1:] == ["selftest"]:
        return selftest()
    if len(sys.argv) != 4 or sys.argv[1] != "check" or sys.argv[2] not in BENCHES:
        print(__doc__, file=sys.stderr)
        return 2
    name, output = sys.argv[2], sys.argv[3]
    failed = failed_checks(name, output)
    for check in failed:
        print("FAIL: %s: %s: %s" % (name, check, output))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
