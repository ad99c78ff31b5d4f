#!/usr/bin/python3
# virt-manager's details window on one domain of our daemon, read and
# driven through the accessibility tree (AT-SPI, as virt-manager's own UI
# tests do): the memory usage it shows against the guest's figures and the
# simulated host's, its memory graph checked pixel by pixel in a
# screenshot, and a new current allocation set on its Memory page reaching
# the guest's balloon.  Run by tests/virt-manager.sh inside a private X
# server and D-Bus session; prints a PASS or FAIL line per check and exits
# non-zero on any FAIL.
#
# Every wait polls its condition with a bound.  Widgets are found by what
# a person sees (the "Memory usage" frame, the "Current allocation:"
# label, the hardware list's "Memory" row), never by coordinates.

import argparse
import os
import signal
import subprocess
import sys
import time

# This process reads the tree; it must not join it (a client that serves
# no accessibility requests would stall the registry's calls to it)
os.environ["NO_AT_BRIDGE"] = "1"

import gi  # noqa: E402
gi.require_version("Gdk", "3.0")
gi.require_version("GdkPixbuf", "2.0")
from gi.repository import Gdk, Gio  # noqa: E402
import pyatspi  # noqa: E402

# A bound for what virt-manager does at once (a page shown, a label
# refreshed at its 1 s interval); generous for a loaded machine
BOUND = 30
# The start: python, GTK, the connection and the first statistics
START_BOUND = 90

checks = 0
failures = 0
started = time.monotonic()


def report(ok, what):
    global checks, failures
    if ok:
        checks += 1
        verdict = "PASS"
    else:
        failures += 1
        verdict = "FAIL"
    print("%s: %s [%.1f s]" % (verdict, what, time.monotonic() - started), flush=True)
    return ok


def wait_for(seconds, cond):
    """Poll COND every 0.1 s until it returns something true; that value,
    or None once SECONDS of the wall clock have passed."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            value = cond()
        except Exception:  # a widget gone or not there yet
            value = None
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.1)


class Host:
    """The simulated host, read through xensim info, and the guest's
    /proc/meminfo that our agent reads."""

    def __init__(self, xensim, socket, domain, meminfo):
        self.cmd = [xensim, "--socket", socket]
        self.domain = domain
        self.meminfo = meminfo

    def dom(self, column):
        """A column of the domain's line in xensim info (MiB)"""
        out = subprocess.run(self.cmd + ["info"], check=True,
                             capture_output=True, text=True).stdout
        names = None
        for line in out.splitlines():
            f = line.split()
            if f and f[0] == "Name":
                names = f
            elif names and f and f[0] == self.domain and f[-1] != "dying":
                return int(f[names.index(column)])
        raise RuntimeError("no domain %s in xensim info" % self.domain)

    def guest_free_kib(self):
        with open(self.meminfo) as f:
            for line in f:
                if line.startswith("MemFree:"):
                    return int(line.split()[1])
        raise RuntimeError("no MemFree in " + self.meminfo)

    def set_guest_free_kib(self, kib):
        with open(self.meminfo) as f:
            lines = f.read().splitlines()
        lines = ["MemFree:        %8d kB" % kib if x.startswith("MemFree:") else x
                 for x in lines]
        tmp = self.meminfo + ".new"
        with open(tmp, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.rename(tmp, self.meminfo)


def walk(node):
    yield node
    for i in range(node.childCount):
        child = node.getChildAtIndex(i)
        if child is not None:
            yield from walk(child)


def find(root, role, name=None, test=None):
    """The first node under ROOT of ROLE, named NAME, for which TEST holds"""
    for n in walk(root):
        if n.getRoleName() != role:
            continue
        if name is not None and n.name != name:
            continue
        if test is not None and not test(n):
            continue
        return n
    return None


def label_text(node):
    # The Text interface is read from the application each time; a name
    # may come from the client's cache
    t = node.queryText()
    return t.getText(0, t.characterCount)


def extents(node):
    e = node.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
    return e.x, e.y, e.width, e.height


def has_state(node, state):
    # states may come from the client's cache: read them afresh
    node.clear_cache()
    return node.getState().contains(state)


def on_screen(node):
    x, y, w, h = extents(node)
    return x >= 0 and y >= 0 and w > 1 and h > 1


def pretty_mib(kib):
    """A figure as virt-manager prints memory under 10 GiB"""
    return "%.0f MiB" % (kib / 1024.0)


class Screen:
    def __init__(self):
        display = Gdk.Display.open(os.environ["DISPLAY"])
        if display is None:
            raise RuntimeError("cannot open display " + os.environ["DISPLAY"])
        self.root = display.get_default_screen().get_root_window()

    def grab(self, box=None):
        x, y, w, h = box or (0, 0, self.root.get_width(), self.root.get_height())
        return Gdk.pixbuf_get_from_window(self.root, x, y, w, h)


def fill_height(pixbuf, x):
    """The graph's filled height in column X: dark pixels in a row up
    from its bottom (the fill and its line are drawn in the foreground
    colour on a light background)"""
    px = pixbuf.get_pixels()
    rs, n = pixbuf.get_rowstride(), pixbuf.get_n_channels()
    height = 0
    for y in range(pixbuf.get_height() - 1, -1, -1):
        r, g, b = px[y * rs + x * n:y * rs + x * n + 3]
        if r + g + b > 3 * 96:
            break
        height += 1
    return height


def graph_shows(screen, graph, fraction):
    """The memory graph's newest columns filled to FRACTION of its height
    (within 3 pixels, the line's width and a tick line above the fill);
    the graph's pixels and what was measured"""
    box = extents(graph)
    pb = screen.grab(box)
    w, h = pb.get_width(), pb.get_height()
    # the newest sample is drawn at the right edge, the one before it a
    # few pixels left: a column between them, and the edge itself
    heights = [fill_height(pb, x) for x in (w - 3, w - 2)]
    want = fraction * (h - 1)
    filled_cols = sum(1 for x in range(w) if fill_height(pb, x) > 0)
    ok = all(abs(v - want) <= 3 for v in heights) and filled_cols >= 3
    return ok, pb, "filled %s px of %d at the right edge (%.1f expected), %d columns filled" % (
        "/".join(map(str, heights)), h, want, filled_cols)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--uri", required=True)
    ap.add_argument("--domain", required=True)
    ap.add_argument("--xensim", required=True)
    ap.add_argument("--socket", required=True)
    ap.add_argument("--meminfo", required=True, help="the guest's /proc/meminfo")
    ap.add_argument("--max-mib", type=int, required=True,
                    help="the domain's maximum memory, as its XML says")
    ap.add_argument("--new-mib", type=int, required=True,
                    help="the current allocation to set")
    ap.add_argument("--new-free-kib", type=int, required=True,
                    help="the guest's MemFree to report last")
    ap.add_argument("--shots", required=True, help="screenshot path prefix")
    ap.add_argument("--log", required=True, help="virt-manager's debug log")
    args = ap.parse_args()
    host = Host(args.xensim, args.socket, args.domain, args.meminfo)

    # The private dconf of this session: accessibility on (GTK's bridge
    # then serves the tree), memory polling on at a 1 s interval, and no
    # saved connections: virt-manager opens only --connect's
    Gio.Settings.new("org.gnome.desktop.interface").set_boolean("toolkit-accessibility", True)
    stats = Gio.Settings.new("org.virt-manager.virt-manager.stats")
    stats.set_boolean("enable-memory-poll", True)
    stats.set_int("update-interval", 1)
    conns = Gio.Settings.new("org.virt-manager.virt-manager.connections")
    Gio.Settings.sync()
    report(list(conns.get_strv("uris")) == [] and list(conns.get_strv("autoconnect")) == [],
           "the private settings hold no saved connections")
    # read back by another process of the session, as virt-manager will
    # read it: a setting kept only in this process's memory would not be
    polled = subprocess.run(["gsettings", "get", "org.virt-manager.virt-manager.stats",
                             "enable-memory-poll"], capture_output=True, text=True)
    report(polled.stdout.strip() == "true",
           "memory polling is on in the private settings (gsettings: %r)" % polled.stdout.strip())

    env = dict(os.environ)
    del env["NO_AT_BRIDGE"]
    log = open(args.log, "w")
    vm = subprocess.Popen(["virt-manager", "--no-fork", "--debug", "--connect", args.uri,
                           "--show-domain-performance", args.domain],
                          stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                          env=env)
    try:
        run(args, host, vm)
    finally:
        vm.terminate()
        try:
            vm.wait(timeout=BOUND)
        except subprocess.TimeoutExpired:
            vm.kill()
            vm.wait()
    print("virt-manager: %d checks passed, %d failed" % (checks, failures))
    return 1 if failures else 0


def shot(screen, frame, path, what):
    screen.grab(extents(frame)).savev(path, "png", [], [])
    print("screenshot (%s): %s" % (what, path), flush=True)


def run(args, host, vm):
    def alive_app():
        if vm.poll() is not None:
            raise SystemExit("virt-manager exited with %s; see %s" % (vm.returncode, args.log))
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            a = desktop.getChildAtIndex(i)
            if a is not None and a.get_process_id() == vm.pid:
                return a
        return None

    # The details window, at its Performance page, with the memory frame
    def memory_frame():
        app = alive_app()
        if app is None:
            return None
        app.clear_cache()
        # the window's title is "DOMAIN on CONNECTION"
        frame = find(app, "frame", test=lambda n: n.name.startswith(args.domain + " on "))
        if frame is None:
            return None
        panel = find(frame, "panel", "Memory usage")
        if panel is None or not on_screen(panel):
            return None
        # the frame's own title is a label too
        label = find(panel, "label", test=lambda n: label_text(n) != "Memory usage")
        graph = find(panel, "drawing area")
        if label is None or graph is None:
            return None
        return app, frame, label, graph

    found = wait_for(START_BOUND, memory_frame)
    if not report(found is not None,
                  "virt-manager shows the domain's Performance page with its memory usage"):
        print("--- virt-manager's log")
        sys.stdout.write(open(args.log).read()[-4000:])
        return
    app, frame, label, graph = found
    screen = Screen()
    max_kib = args.max_mib * 1024

    def expect_label(what, mib_now, free_kib):
        want = "%s of %s" % (pretty_mib(mib_now * 1024 - free_kib), pretty_mib(max_kib))
        got = wait_for(BOUND, lambda: label_text(label) == want and want)
        report(got is not None, "%s: virt-manager shows '%s' (got '%s')" % (
            what, want, label_text(label)))

    def expect_graph(what, mib_now, free_kib, path):
        fraction = (mib_now * 1024 - free_kib) / float(mib_now * 1024)
        last = [None]

        def cond():
            ok, pb, detail = graph_shows(screen, graph, fraction)
            last[0] = detail
            return ok
        ok = wait_for(BOUND, cond) is not None
        report(ok, "%s: the memory graph is not empty and shows %.0f %% used: %s" % (
            what, 100 * fraction, last[0]))
        shot(screen, frame, path, what)

    # --- what the guest says, shown --------------------------------------
    mib = host.dom("Mem(MiB)")
    free = host.guest_free_kib()
    expect_label("the guest's figures", mib, free)
    expect_graph("the guest's figures", mib, free, args.shots + "-1-guest.png")

    # --- a new current allocation from the Memory page -------------------
    hwlist = find(frame, "table", "hw-list")
    rows = [hwlist.getChildAtIndex(i) for i in range(hwlist.childCount)]

    def row_named(name):
        for i, r in enumerate(rows):
            if r is not None and any(r.getChildAtIndex(j).name == name
                                     for j in range(r.childCount)):
                return i
        raise RuntimeError("no row %s in the hardware list" % name)

    hwlist.querySelection().selectChild(row_named("Memory"))
    memtab = find(frame, "filler", "memory-tab")
    report(wait_for(BOUND, lambda: on_screen(memtab)) is not None, "the Memory page is shown")
    current = find(memtab, "label", "Current allocation:")
    spin = [r.getTarget(0) for r in current.getRelationSet()
            if r.getRelationType() == pyatspi.RELATION_LABEL_FOR][0]
    value = spin.queryValue()
    report(int(value.currentValue) == mib,
           "the Current allocation spin button holds the host's %d MiB (%d)" % (
               mib, int(value.currentValue)))
    value.currentValue = args.new_mib
    apply = find(frame, "push button", "config-apply")
    report(wait_for(BOUND, lambda: has_state(apply, pyatspi.STATE_SENSITIVE))
           is not None, "Apply is enabled once the allocation changed")
    apply.queryAction().doAction(0)
    target = wait_for(BOUND, lambda: host.dom("Target") == args.new_mib)
    report(target is not None, "the guest's balloon target on the host is %d MiB (%d)" % (
        args.new_mib, host.dom("Target")))
    reached = wait_for(BOUND, lambda: host.dom("Mem(MiB)") == args.new_mib)
    report(reached is not None, "the guest's balloon reached %d MiB (%d)" % (
        args.new_mib, host.dom("Mem(MiB)")))

    hwlist.querySelection().selectChild(row_named("Performance"))
    report(wait_for(BOUND, lambda: on_screen(graph)) is not None, "the Performance page is shown again")
    expect_label("the new allocation", args.new_mib, free)
    expect_graph("the new allocation", args.new_mib, free, args.shots + "-2-setmem.png")

    # --- the guest's own figures move: virt-manager follows --------------
    host.set_guest_free_kib(args.new_free_kib)
    expect_label("the guest's new figures", args.new_mib, args.new_free_kib)
    expect_graph("the guest's new figures", args.new_mib, args.new_free_kib,
                 args.shots + "-3-guest-free.png")

    report(vm.poll() is None, "virt-manager ran throughout")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    sys.exit(main())
