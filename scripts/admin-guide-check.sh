#!/usr/bin/env bash
# Run every command block of docs/admin-guide.md, as the guide says, on a
# simulated Xen host and check that each command prints what the guide
# shows, so that the guide cannot drift from the packages.
#
#   admin-guide-check.sh [DEBS_DIR]     (default .cache/deb/out; ./run deb guide)
#
# The setting (root; nothing of the machine's own packages changes):
# - the host: a throwaway Debian 12 root (scripts/deb-root.sh) with
#   Debian's libvirt-daemon-system and libvirt-daemon-driver-xen at
#   9.0.0-4+deb12u2, the packages of DEBS_DIR copied to /root, and
#   /usr/sbin/libvirtd of the installed package running in it (chroot, its
#   own mount and network namespaces) on a simulated Xen host: the
#   simulator (build/tools/xensim/xensim) runs outside, its socket is bind
#   mounted into the root, and the daemon runs with the simulator's
#   libxenlight layer preloaded, as scripts/stock-daemon.sh runs Debian's.
#   There is no systemd in the root: "systemctl restart libvirtd" is done
#   as stop and start of that daemon.
# - the guest: a second root with systemd (as an installed Debian 12 guest
#   has), xenmemstatd_*.deb in /root, and Xen's libraries for the preload.
#   At a '<!-- guide: simulate start-agent NAME -->' mark the installed
#   /usr/sbin/xenmemstatd runs there as domain NAME's guest (what the unit
#   does in a real guest), reading a 1 GiB Debian 12 guest's /proc files
#   (tests/xenmemstatddata/debian12-1g).
# Each command runs in the root's /root with bash, DEBIAN_FRONTEND=
# noninteractive (there is no terminal) and its output (stdout and stderr
# together) is matched against the guide (scripts/guide-blocks.py says how
# '…' marks what varies).  Prints PASS/FAIL per command and ends with
# "admin-guide-check: N passed, N failed".
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# GUIDE=FILE checks another copy of the guide (to see a drift caught)
guide=${GUIDE:-$top/docs/admin-guide.md}
debs=${1:-$top/.cache/deb/out}
build=${XENSIM_BUILD_DIR:-$top/build}
xensim=$build/tools/xensim/xensim
preload=$build/tools/xensim/libxensim-preload.so
debian_version=9.0.0-4+deb12u2
our_version=$("$top/scripts/deb.sh" version)
# a Debian 12 Xen host with libvirt, as the guide starts from
host_packages=(libvirt-daemon-system libvirt-daemon-driver-xen)
# the simulated host, as a small production one: 16 GiB, dom0_mem=2G
host_options=(--memory 16G --dom0 2G)
start_timeout=30   # seconds for the daemon's socket
stop_timeout=10    # seconds between SIGTERM and SIGKILL

passed=0 failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
log() { printf '== %s\n' "$*"; }
die() { printf 'admin-guide-check: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (chroot, mounts, namespaces)"
[ -f "$guide" ] || die "no guide at $guide"
[ -x "$xensim" ] && [ -f "$preload" ] || die "no simulator in $build: run ./run build first"
ls "$debs"/libvirt-daemon-driver-xen_"$our_version"_*.deb >/dev/null 2>&1 ||
    die "no libvirt-daemon-driver-xen $our_version in $debs: run ./run deb first"
ls "$debs"/xenmemstatd_*.deb >/dev/null 2>&1 || die "no xenmemstatd package in $debs"
debs=$(cd "$debs" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/overcommit-guide.XXXXXX")
host=$work/host
guest=$work/guest
sim=$work/sim
daemon_pid=
agent_pids=()
. "$top/scripts/deb-root.sh"
cleanup() {
    local p
    for p in "${agent_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    daemon_stop || true
    "$xensim" --socket "$sim/xensim.sock" stop >/dev/null 2>&1 || true
    deb_root_cleanup
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
# an interrupted run cleans up too
trap 'exit 130' INT TERM

apt_root() {
    local root=$1; shift
    in_root "$root" apt-get -y -q --no-install-recommends "$@" \
        >>"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log" >&2; die "apt-get $* failed in $root"; }
}

# The simulator's socket and preload, visible in ROOT
attach_sim() {
    local root=$1
    mkdir -p "$root/run/xensim" "$root/usr/local/lib/xensim"
    mount --bind "$sim" "$root/run/xensim"; deb_root_mounts+=("$root/run/xensim")
    cp "$preload" "$root/usr/local/lib/xensim/"
}

# The packaged daemon of the host root on the simulated host, in place of
# its systemd unit
daemon_start() {
    local deadline=$((SECONDS + start_timeout))
    rm -f "$host/run/libvirt/libvirt-sock"
    setsid unshare --mount --net --propagation private \
        chroot "$host" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        LD_PRELOAD=/usr/local/lib/xensim/libxensim-preload.so \
        XENSIM_SOCKET=/run/xensim/xensim.sock /usr/sbin/libvirtd \
        </dev/null >>"$work/libvirtd.log" 2>&1 &
    daemon_pid=$!
    until [ -S "$host/run/libvirt/libvirt-sock" ]; do
        kill -0 "$daemon_pid" 2>/dev/null || { tail -20 "$work/libvirtd.log" >&2; die "libvirtd exited"; }
        [ $SECONDS -lt $deadline ] || die "no libvirtd socket after $start_timeout s"
        sleep 0.1
    done
}

daemon_stop() {
    local i
    [ -n "$daemon_pid" ] || return 0
    kill -TERM "$daemon_pid" 2>/dev/null || true
    for ((i = 0; i < stop_timeout * 10; i++)); do
        kill -0 "$daemon_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
    daemon_pid=
}

setting() {
    log "the host: a Debian 12 root with Debian's ${host_packages[*]} $debian_version"
    make_root "$host"
    local p pkgs=()
    for p in "${host_packages[@]}"; do pkgs+=("$p=$debian_version"); done
    apt_root "$host" install "${pkgs[@]}"
    find "$debs" -maxdepth 1 -name "*_${our_version}_*.deb" ! -name '*-dbgsym_*' \
        -exec cp -t "$host/root/" {} +
    log "the guest: a Debian 12 root with systemd, $(basename "$debs"/xenmemstatd_*.deb) in /root"
    make_root "$guest"
    # libxenmisc4.17 (libxenlight) and the rest are the preload's, not the agent's
    apt_root "$guest" install systemd libxenmisc4.17
    cp "$debs"/xenmemstatd_*.deb "$guest/root/"
    mkdir -p "$guest/usr/local/share/xensim"
    cp -r "$top/tests/xenmemstatddata/debian12-1g" "$guest/usr/local/share/xensim/"

    log "the simulated Xen host (xensim create ${host_options[*]}) and Debian's libvirtd on it"
    mkdir -p "$sim"
    "$xensim" --socket "$sim/xensim.sock" create "${host_options[@]}" > "$sim/xensim.pid"
    attach_sim "$host"
    attach_sim "$guest"
    daemon_start
}

# COMMAND run on WHERE (host or guest) as the guide says, output to FILE
run_cmd() {
    local where=$1 cmd=$2 out=$3 root
    case $where in
        host) root=$host ;;
        guest) root=$guest ;;
    esac
    if [ "$where" = host ] && [ "$cmd" = "systemctl restart libvirtd" ]; then
        daemon_stop
        daemon_start
        : > "$out"
        return 0
    fi
    chroot "$root" env -i -C /root PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        DEBIAN_FRONTEND=noninteractive bash -c "$cmd" </dev/null >"$out" 2>&1
}

# NAME's guest runs the installed agent, until the record it writes is seen
start_agent() {
    local name=$1 id i
    id=$(in_root "$host" virsh domid "$name") || die "no domain $name for its agent"
    setsid chroot "$guest" env -i XENSIM_DOMID="$id" \
        LD_PRELOAD=/usr/local/lib/xensim/libxensim-preload.so \
        XENSIM_SOCKET=/run/xensim/xensim.sock \
        /usr/sbin/xenmemstatd --proc-root /usr/local/share/xensim/debian12-1g \
        </dev/null >>"$work/agent-$name.log" 2>&1 &
    agent_pids+=($!)
    for ((i = 0; i < 200; i++)); do
        [ -n "$("$xensim" --socket "$sim/xensim.sock" xs-read "/local/domain/$id/data/memstats" 2>/dev/null)" ] &&
            return 0
        sleep 0.1
    done
    cat "$work/agent-$name.log" >&2
    die "the agent of $name wrote no record in 20 s"
}

simulate() {
    local action=$1
    case ${action%% *} in
        start-agent) start_agent "${action#* }" ;;
        *) die "unknown simulated step '$action'" ;;
    esac
}

# One command of the guide: it prints what the guide shows, and fails
# exactly when the guide shows an error
check_cmd() {
    local step=$1 where cmd until line out deadline rc shown
    where=$(cat "$step/where") cmd=$(cat "$step/cmd") until=$(cat "$step/until")
    line=$(cat "$step/line")
    out=$step/actual
    shown="line $line ($where): # ${cmd%%$'\n'*}"
    deadline=$((SECONDS + until))
    while :; do
        rc=0
        run_cmd "$where" "$cmd" "$out" || rc=$?
        if python3 "$top/scripts/guide-blocks.py" match "$step/expected" "$out" > "$step/diff"; then
            if grep -q '^error: ' "$step/expected"; then
                [ "$rc" != 0 ] || { fail "$shown: exit 0, but the guide shows an error"; return; }
            else
                [ "$rc" = 0 ] || { fail "$shown: exit $rc"; cat "$out"; return; }
            fi
            pass "$shown"
            return
        fi
        [ $SECONDS -lt $deadline ] || break
        sleep 0.5
    done
    fail "$shown (exit $rc)"
    cat "$step/diff"
}

write_file() {
    local step=$1 where path root
    where=$(cat "$step/where") path=$(cat "$step/cmd")
    case $where in host) root=$host ;; guest) root=$guest ;; esac
    case $path in /*) ;; *) path=/root/$path ;; esac
    cp "$step/expected" "$root$path"
}

start=$(date +%s)
setting
python3 "$top/scripts/guide-blocks.py" split "$guide" "$work/steps"
log "the guide's commands, $(basename "$guide")"
for step in "$work"/steps/*; do
    case $(cat "$step/kind") in
        cmd) check_cmd "$step" ;;
        file) write_file "$step" ;;
        simulate) simulate "$(cat "$step/cmd")" ;;
    esac
done
echo "admin-guide-check: $passed passed, $failed failed in $(( $(date +%s) - start )) s"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
