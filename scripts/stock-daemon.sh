#!/bin/bash
# Run Debian 12's *stock* libvirtd (package libvirt-daemon 9.0.0) with its
# libxl driver on a machine without Xen, fully fenced off from the host.
#
#   scripts/stock-daemon.sh install
#       Install the Debian packages the stock daemon needs (only what is
#       missing; no service is started or enabled).
#   scripts/stock-daemon.sh start DIR [LD_PRELOAD_LIB]
#       Start /usr/sbin/libvirtd in a private mount namespace whose libvirt
#       paths live under DIR; LD_PRELOAD_LIB (the simulated-Xen shim) is
#       preloaded into the daemon only. Prints the client URI.
#   scripts/stock-daemon.sh stop DIR
#       SIGTERM, up to 10 s, then SIGKILL.
#   scripts/stock-daemon.sh status DIR
#       Exit 0 and print the URI if the daemon of DIR runs, else exit 1.
#
# Why a mount namespace: the stock daemon's paths are compiled in
# (/run/libvirt, /var/lib/libvirt, /etc/libvirt, ...; see libxl_conf.h), so
# the only way to keep it off the host is to show it other directories at
# those paths. Inside the namespace:
#   /etc, /var    copy-on-write overlays of the host's: the daemon reads the
#                 host's files, but whatever it writes lands in
#                 DIR/cow/{etc,var}/upper, never on the host. An overlay is
#                 needed because the libvirt mount points (/var/lib/libvirt,
#                 ...) do not exist on a host without libvirt-daemon-system,
#                 and creating them would change the host. It also catches
#                 writes to paths nobody predicted: anything that shows up in
#                 DIR/cow/*/upper besides the mount points is such a write.
#   /run          a fresh tmpfs. It hides the host's runtime sockets (D-Bus,
#                 systemd, polkit), so the daemon cannot talk to them, and
#                 takes /run/libvirtd.pid and friends. /var/run is a symlink
#                 to /run on Debian 12, so it is covered too; so is
#                 /var/lock (/run/lock, made in the tmpfs as a booted
#                 system has it), where the daemon locks the consoles it
#                 serves.
#   /etc/libvirt       <- DIR/etc    (package defaults + our libvirtd.conf,
#                                     libxl.conf; persistent domain configs)
#   /run/libvirt       <- DIR/run    (sockets, libxl/ status XML: kept across
#                                     restarts, like a daemon restart on a
#                                     real host)
#   /var/lib/libvirt   <- DIR/lib
#   /var/log/libvirt   <- DIR/log    (libvirtd.log, libxl/*.log)
#   /var/cache/libvirt <- DIR/cache
# The namespace lives exactly as long as the daemon (and any child it left):
# nothing is ever mounted in the host's namespace.
#
# DIR layout afterwards: libvirtd.pid, drivers/ (the driver directory),
# etc/ run/ lib/ log/ cache/ (above), cow/ (overlay layers).
#
# Environment: the daemon gets the caller's (less LD_PRELOAD,
# LD_LIBRARY_PATH, systemd and D-Bus variables), so the shim's own settings such as XENSIM_SOCKET pass
# through; a socket the daemon connects to must lie outside /etc, /var and
# /run. STOCK_LIBVIRTD_CONF_EXTRA=FILE is appended to the libvirtd.conf
# written for it. STOCK_LIBXL_CONF=FILE is copied in as libxl.conf instead of the
# default one written here (e.g. to test autoballoon=0).

set -euo pipefail

# The Debian packages (see `install` for why each).
PACKAGES=(libvirt-daemon libvirt-daemon-driver-xen libvirt-clients)

LIBVIRTD=/usr/sbin/libvirtd
DRIVER_SRC_DIR=/usr/lib/x86_64-linux-gnu/libvirt/connection-driver
START_TIMEOUT=30   # seconds to wait for the socket
STOP_TIMEOUT=10    # seconds between SIGTERM and SIGKILL

PROG=${0##*/}
SELF=$(realpath -e "$0")

die() {
    echo "$PROG: error: $*" >&2
    exit 1
}

note() {
    echo "$PROG: $*" >&2
}

usage() {
    cat >&2 <<EOF
usage: $PROG install
       $PROG start DIR [LD_PRELOAD_LIB]
       $PROG stop DIR
       $PROG status DIR
EOF
    exit 2
}

require_root() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (the libxl driver only loads in a privileged daemon, and mount namespaces need root)"
}

# ---------------------------------------------------------------- install

is_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) == "ii"* ]]
}

# The policy file we may have added, so the EXIT trap can remove it.
ADDED_POLICY_RC_D=""

remove_added_policy() {
    if [[ -n $ADDED_POLICY_RC_D ]]; then
        rm -f "$ADDED_POLICY_RC_D"
    fi
}

cmd_install() {
    require_root
    # Package choice (checked with apt-cache depends and the packages'
    # contents):
    #  - libvirt-daemon: /usr/sbin/libvirtd itself. It hard-depends on
    #    libvirt0 and libvirt-daemon-driver-qemu (apt pulls them in; the qemu
    #    module is never loaded, see LIBVIRT_DRIVER_DIR below) and, through
    #    libparted2, dmidecode.
    #  - libvirt-daemon-driver-xen: the libxl driver module under test.
    #  - libvirt-clients: the stock virsh (and /etc/libvirt/libvirt.conf).
    # Not libvirt-daemon-system: it brings init scripts, polkit, users and
    # default networks, and starts the daemon on the host. Recommends are off.
    # None of the maintainer scripts of the packages above starts or enables
    # anything (libvirt-daemon has none; libvirt-clients only moves an old
    # conffile; libvirt0 only triggers ldconfig); the policy-rc.d below is a
    # guard in case that ever changes.
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        is_installed "$p" || missing+=("$p")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi

    # apt-get update once, only if apt does not know a package yet.
    for p in "${missing[@]}"; do
        if ! apt-cache show --no-all-versions "$p" >/dev/null 2>&1; then
            note "apt does not know $p yet: running apt-get update"
            apt-get -o DPkg::Lock::Timeout=900 update -qq
            break
        fi
    done

    # Forbid package scripts to start services while we install.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        ADDED_POLICY_RC_D=/usr/sbin/policy-rc.d
        trap remove_added_policy EXIT
        printf '#!/bin/sh\n# added by %s for the duration of one apt-get run\nexit 101\n' \
            "$PROG" >"$ADDED_POLICY_RC_D"
        chmod 755 "$ADDED_POLICY_RC_D"
    fi

    # apt's chatter (even with -qq, e.g. debconf's "delaying package
    # configuration") is kept and shown only if the install fails.
    note "installing ${missing[*]}"
    local aptlog
    aptlog=$(mktemp)
    if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 \
        install -y -qq --no-install-recommends "${missing[@]}" >"$aptlog" 2>&1; then
        cat "$aptlog" >&2
        rm -f "$aptlog"
        die "apt-get install ${missing[*]} failed"
    fi
    rm -f "$aptlog"

    remove_added_policy
    ADDED_POLICY_RC_D=""
}

# ---------------------------------------------------------------- helpers

# Absolute path of DIR (symlinks resolved), created after the checks. It
# must not lie under /etc, /var or /run: those are replaced inside the
# namespace, so the daemon would write DIR's files into the overlay or the
# tmpfs instead of the real DIR (and overlayfs refuses an upper layer inside
# its lower one).
resolve_dir() {
    local dir
    dir=$(realpath -m "$1")
    # The path goes unquoted into mount options (a comma splits them), the
    # printed URI and libvirtd.conf: keep it to plain characters.
    [[ $dir =~ ^[A-Za-z0-9._/+-]+$ ]] ||
        die "DIR may hold only letters, digits and . _ + - / : $dir"
    case "$dir/" in
        /etc/* | /var/* | /run/*) die "DIR must not be under /etc, /var or /run: $dir" ;;
        /) die "DIR must not be /" ;;
    esac
    mkdir -p "$dir"
    printf '%s\n' "$dir"
}

uri_of() {
    printf 'xen+unix:///system?socket=%s/run/libvirt-sock\n' "$1"
}

# Pid of the daemon of DIR if it runs (and really is libvirtd, so a stale pid
# file never makes us signal an unrelated process), else nothing.
running_pid() {
    local dir=$1 pid exe
    [[ -r $dir/libvirtd.pid ]] || return 0
    pid=$(head -n1 "$dir/libvirtd.pid" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
    # "(deleted)" follows the name if the package was upgraded meanwhile.
    if [[ $exe == "$LIBVIRTD" || $exe == "$LIBVIRTD (deleted)" ]]; then
        printf '%s\n' "$pid"
    fi
}

# True while PID runs. A zombie does not count: the daemon we start is our
# child until this script exits, and kill -0 succeeds on an unreaped child.
alive() {
    local stat
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# ---------------------------------------------------------------- start

# The package defaults of /etc/libvirt: the files there that installed
# packages own (libvirt-clients: libvirt.conf, libvirt-admin.conf), not what
# an admin added (hook scripts would act on the host's behalf), and never
# over what an earlier run left in DIR/etc (persistent domain configs, a
# test's edits).
seed_etc_libvirt() {
    local dir=$1 owners f target
    local -a pkgs
    owners=$(dpkg-query -S /etc/libvirt 2>/dev/null) || return 0
    # "pkg1, pkg2: /etc/libvirt" -> pkg1 pkg2
    mapfile -t pkgs < <(sed 's/: .*//; s/, /\n/g' <<<"$owners")
    while read -r f; do
        [[ -f $f && ! -L $f ]] || continue
        target=$dir/etc/${f#/etc/libvirt/}
        [[ -e $target ]] && continue
        mkdir -p "${target%/*}"
        cp -p -- "$f" "$target"
    done < <(dpkg-query -L "${pkgs[@]}" 2>/dev/null | grep '^/etc/libvirt/')
}

write_libvirtd_conf() {
    local dir=$1
    cat >"$dir/etc/libvirtd.conf" <<EOF
# Written by $PROG for a private stock libvirtd; rewritten at every start.

# Sockets in DIR/run (also visible as /run/libvirt inside the namespace):
# libvirt-sock, libvirt-sock-ro, libvirt-admin-sock.
unix_sock_dir = "$dir/run"

# Root only, and no polkit. A privileged libvirtd built with polkit (as
# Debian's) defaults to auth "polkit" with a world-writable socket: root
# clients bypass it, any other user would make the daemon ask polkitd over
# D-Bus, which is not there (the private /run hides the host's bus).
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
unix_sock_admin_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"

# No records into the host kernel's audit log (domain start/stop, ...).
audit_level = 0

# Everything to our own file (no journald, no syslog): debug by default,
# the RPC, event-loop and object chatter at warning. util.dbus stays at
# debug, so any attempt to reach D-Bus shows up here.
log_level = 1
log_filters = "3:remote 4:event 3:util.json 3:util.object 3:util.netlink 3:util.threadjob 3:rpc 3:access 3:auth"
log_outputs = "1:file:$dir/log/libvirtd.log"
EOF
    # settings a caller adds to both daemons it compares (scripts/daemon.sh)
    if [[ -n ${STOCK_LIBVIRTD_CONF_EXTRA:-} ]]; then
        cat -- "$STOCK_LIBVIRTD_CONF_EXTRA" >>"$dir/etc/libvirtd.conf"
    fi
}

write_libxl_conf() {
    local dir=$1
    if [[ -n ${STOCK_LIBXL_CONF:-} ]]; then
        cp -- "$STOCK_LIBXL_CONF" "$dir/etc/libxl.conf"
        return 0
    fi
    # Debian ships libxl.conf only in libvirt-daemon-system (all comments
    # there); we want the driver's built-in defaults, stated here.
    cat >"$dir/etc/libxl.conf" <<EOF
# Written by $PROG; every setting at the stock driver's default.
# autoballoon: default depends on dom0_mem= in Xen's command line.
# lock_manager: unset, i.e. "nop": no virtlockd, no lockd plugin.
EOF
}

# The driver directory: only the libxl module, so libvirtd loads no other
# hypervisor or secondary driver (it skips the missing ones with an info
# line "Module ... does not exist"; libvirt_driver_libxl.so links no other
# driver module, only libvirt.so.0). Fewer drivers also means less start-up time and nothing else that
# could touch the host (network/nwfilter drivers would create bridges and
# firewall rules, nodedev would talk to udev).
make_driver_dir() {
    local dir=$1
    rm -rf "$dir/drivers"
    mkdir -p "$dir/drivers"
    ln -s "$DRIVER_SRC_DIR/libvirt_driver_libxl.so" "$dir/drivers/libvirt_driver_libxl.so"
}

cmd_start() {
    [[ $# -ge 1 && $# -le 2 ]] || usage
    require_root
    [[ -x $LIBVIRTD ]] || die "$LIBVIRTD missing: run '$PROG install' first"
    [[ -e $DRIVER_SRC_DIR/libvirt_driver_libxl.so ]] ||
        die "$DRIVER_SRC_DIR/libvirt_driver_libxl.so missing: run '$PROG install' first"

    local dir preload=""
    dir=$(resolve_dir "$1")
    if [[ $# -eq 2 && -n $2 ]]; then
        # Absolute, because ld.so resolves LD_PRELOAD against the cwd.
        preload=$(realpath -e "$2" 2>/dev/null) || die "LD_PRELOAD_LIB not found: $2"
    fi

    # The simulated Xen host's socket (tools/xensim, passed on in the
    # environment) must be reachable from inside: /run is replaced there,
    # and connect() to a unix socket through an overlay is refused
    # (ECONNREFUSED: the overlay inode is not the socket's).
    if [[ -n ${XENSIM_SOCKET:-} ]]; then
        case "$(realpath -m "$XENSIM_SOCKET")/" in
            /etc/* | /var/* | /run/*)
                die "XENSIM_SOCKET=$XENSIM_SOCKET is under /etc, /var or /run, which the daemon cannot reach; put it in DIR or /tmp" ;;
        esac
    fi

    local pid
    pid=$(running_pid "$dir")
    [[ -z $pid ]] || die "a daemon already runs for $dir (pid $pid); stop it first"

    mkdir -p "$dir"/{etc,run,lib,log,cache} "$dir"/cow/{etc,var}/{upper,work}
    seed_etc_libvirt "$dir"
    write_libvirtd_conf "$dir"
    write_libxl_conf "$dir"
    make_driver_dir "$dir"
    # Sockets left by a killed daemon would satisfy the wait below at once;
    # libvirtd unlinks and recreates them anyway.
    rm -f "$dir"/run/libvirt-sock "$dir"/run/libvirt-sock-ro "$dir"/run/libvirt-admin-sock
    rm -f "$dir/libvirtd.pid"
    # Both logs grow across runs; remember where this run starts, so a
    # failure shows this run's lines only.
    touch "$dir/log/libvirtd.stderr" "$dir/log/libvirtd.log"
    LOG_OFFSETS=("$(stat -c %s "$dir/log/libvirtd.stderr")" "$(stat -c %s "$dir/log/libvirtd.log")")

    # Keep the client-side environment out of the daemon: a caller's
    # LD_PRELOAD must not reach unshare/mount/libvirtd, nor its
    # LD_LIBRARY_PATH (a test runner's points at our own libvirt build,
    # whose libvirt.so is not the one Debian's libvirtd links), a systemd unit's
    # NOTIFY_SOCKET/LISTEN_FDS would make libvirtd notify or take over that
    # unit's sockets, and D-Bus addresses would bypass the private /run.
    unset LD_PRELOAD LD_LIBRARY_PATH NOTIFY_SOCKET LISTEN_FDS LISTEN_PID LISTEN_FDNAMES \
        DBUS_SYSTEM_BUS_ADDRESS DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR \
        LIBVIRT_DEFAULT_URI

    # setsid: its own session, so a Ctrl-C or hang-up of the caller's
    # terminal does not reach the daemon. The script itself re-enters below
    # (namespace_exec) inside the new namespace and execs libvirtd, so the
    # background pid is the daemon's pid.
    setsid unshare --mount --propagation private -- \
        bash "$SELF" __namespace_exec "$dir" "$preload" "$(readlink /proc/self/ns/mnt)" \
        </dev/null >>"$dir/log/libvirtd.stderr" 2>&1 &
    pid=$!
    disown "$pid" # a daemon, not a job: no "Killed" notice from bash

    local deadline=$((SECONDS + START_TIMEOUT))
    while [[ ! -S $dir/run/libvirt-sock ]]; do
        if ! alive "$pid"; then
            start_failed "$dir" "libvirtd exited before creating its socket"
        fi
        if ((SECONDS >= deadline)); then
            kill -KILL "$pid" 2>/dev/null || true
            start_failed "$dir" "no socket $dir/run/libvirt-sock after ${START_TIMEOUT} s (killed pid $pid)"
        fi
        sleep 0.1
    done
    uri_of "$dir"
}

# Byte offsets of libvirtd.stderr and libvirtd.log when this start began.
LOG_OFFSETS=(0 0)

start_failed() {
    local dir=$1 msg=$2
    rm -f "$dir/libvirtd.pid"
    echo "$PROG: error: $msg" >&2
    # This start's part of each log: of stderr what is not a copy of the
    # debug/info lines libvirtd prints there before it reads its config (a
    # crash, ld.so's complaints); of libvirtd.log the errors, or else its end.
    local lines
    lines=$(tail -c "+$((LOG_OFFSETS[0] + 1))" "$dir/log/libvirtd.stderr" 2>/dev/null |
        grep -v -E ': [0-9]+: (debug|info) : ' | tail -n 20 || true)
    if [[ -n $lines ]]; then
        echo "--- $dir/log/libvirtd.stderr (this start):" >&2
        printf '%s\n' "$lines" >&2
    fi
    lines=$(tail -c "+$((LOG_OFFSETS[1] + 1))" "$dir/log/libvirtd.log" 2>/dev/null |
        grep -E ': [0-9]+: error : ' | tail -n 20 || true)
    if [[ -n $lines ]]; then
        echo "--- errors in $dir/log/libvirtd.log (this start):" >&2
    else
        lines=$(tail -c "+$((LOG_OFFSETS[1] + 1))" "$dir/log/libvirtd.log" 2>/dev/null | tail -n 20)
        [[ -z $lines ]] || echo "--- end of $dir/log/libvirtd.log (this start):" >&2
    fi
    [[ -z $lines ]] || printf '%s\n' "$lines" >&2
    exit 1
}

# Runs as the only process of the new mount namespace (via unshare): mount
# the private views, then become libvirtd. Any failing mount ends it, and
# cmd_start reports that with the stderr log.
namespace_exec() {
    local dir=$1 preload=$2 host_ns=${3:-}

    # Never mount over the host's /etc, /var and /run: refuse to run in the
    # namespace cmd_start ran in (/proc/1 may be unreadable in a sandbox, so
    # cmd_start passes its own).
    [[ -n $host_ns && $(readlink /proc/self/ns/mnt) != "$host_ns" ]] ||
        die "__namespace_exec must run inside a new mount namespace (see cmd_start)"

    # Our pid becomes libvirtd's (exec keeps it); libvirtd rewrites and locks
    # the same file itself (-p) once it runs.
    echo $$ >"$dir/libvirtd.pid"

    # -n on every mount: otherwise mount(8) records mounts in libmount's
    # /run/mount/utab, creating /run/mount on the host's /run before our
    # tmpfs covers it (seen with strace). /run goes first for the same
    # reason. --make-rprivate: nothing below may propagate to the host,
    # whatever unshare's default.
    mount -n --make-rprivate /
    mount -n -t tmpfs -o mode=0755,size=64m stock-libvirt-run /run
    mount -n -t overlay stock-libvirt-etc \
        -o "lowerdir=/etc,upperdir=$dir/cow/etc/upper,workdir=$dir/cow/etc/work" /etc
    mount -n -t overlay stock-libvirt-var \
        -o "lowerdir=/var,upperdir=$dir/cow/var/upper,workdir=$dir/cow/var/work" /var

    local target src
    for target in /etc/libvirt:etc /run/libvirt:run /var/lib/libvirt:lib \
        /var/log/libvirt:log /var/cache/libvirt:cache; do
        src=$dir/${target#*:}
        target=${target%%:*}
        mkdir -p "$target"  # into the overlay or tmpfs, not the host
        mount -n --bind "$src" "$target"
    done
    # /var/lock is /run/lock on Debian 12, where a booted system's
    # tmpfiles (legacy.conf) make it, world-writable and sticky: the
    # daemon puts the lock file of a console it serves there
    # (virChrdevOpen), and without it every `virsh console` fails
    mkdir -p -m 1777 /run/lock

    cd /
    export LIBVIRT_DRIVER_DIR=$dir/drivers
    if [[ -n $preload ]]; then
        export LD_PRELOAD=$preload
    fi
    exec "$LIBVIRTD" -f "$dir/etc/libvirtd.conf" -p "$dir/libvirtd.pid"
}

# ---------------------------------------------------------------- stop

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    require_root
    local dir pid
    dir=$(realpath -e "$1" 2>/dev/null) || die "no such directory: $1"
    pid=$(running_pid "$dir")

    if [[ -n $pid ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
            note "libvirtd (pid $pid) still running ${STOP_TIMEOUT} s after SIGTERM: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            wait_gone "$pid" 5 || die "pid $pid survived SIGKILL"
        fi
    else
        note "no daemon running for $dir"
    fi

    # A child the daemon left behind would keep the namespace (and its
    # overlays) alive: end whatever still runs in it.
    local -a leftovers
    mapfile -t leftovers < <(namespace_members "$dir")
    if [[ ${#leftovers[@]} -gt 0 ]]; then
        note "ending processes left in the daemon's namespace: ${leftovers[*]}"
        kill -TERM "${leftovers[@]}" 2>/dev/null || true
        # up to a second to go on their own
        local i p alive
        for i in $(seq 1 10); do
            alive=0
            for p in "${leftovers[@]}"; do
                kill -0 "$p" 2>/dev/null && alive=1
            done
            [ "$alive" = 1 ] || break
            sleep 0.1
        done
        kill -KILL "${leftovers[@]}" 2>/dev/null || true
    fi
    rm -f "$dir/libvirtd.pid"

    # Nothing is mounted in the host's namespace by design; check it anyway:
    # no mount point under DIR, no mount source named by us (mountinfo: field
    # 5 is the mount point; the source follows the fs type after " - ").
    if awk -v d="$dir" '
            { for (i = 7; $i != "-"; i++) ; src = $(i + 2) }
            $5 == d || index($5, d "/") == 1 || src ~ /^stock-libvirt-/ { found = 1 }
            END { exit !found }' /proc/self/mountinfo; then
        die "a mount of the daemon of $dir is visible on the host"
    fi
}

# Pids of the processes in a namespace of DIR: those whose /run/libvirt is
# DIR/run (same device and inode, through /proc/PID/root). Not by namespace
# id: the kernel reuses those once a namespace is gone. Never a process of
# the caller's own namespace.
namespace_members() {
    local dir=$1 host_ns p
    host_ns=$(readlink /proc/self/ns/mnt)
    for p in /proc/[0-9]*; do
        [[ $p/root/run/libvirt -ef $dir/run ]] || continue
        [[ $(readlink "$p/ns/mnt" 2>/dev/null) != "$host_ns" ]] || continue
        alive "${p#/proc/}" && echo "${p#/proc/}"
    done
    return 0
}

wait_gone() {
    local pid=$1 secs=$2 i
    for ((i = 0; i < secs * 10; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    ! alive "$pid"
}

# ---------------------------------------------------------------- status

cmd_status() {
    [[ $# -eq 1 ]] || usage
    local dir pid
    dir=$(realpath -e "$1" 2>/dev/null) || return 1
    pid=$(running_pid "$dir")
    [[ -n $pid ]] || return 1
    uri_of "$dir"
}

# ---------------------------------------------------------------- main

[[ $# -ge 1 ]] || usage
cmd=$1
shift
case "$cmd" in
    install) [[ $# -eq 0 ]] || usage; cmd_install ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    __namespace_exec) namespace_exec "$@" ;;
    *) usage ;;
esac
