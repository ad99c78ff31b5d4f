#!/usr/bin/env bash
# A simulated Xen host and a private libvirt daemon with the libxl driver
# on it: ours (the build's libvirtd) or Debian's stock one.
#
#   scripts/daemon.sh start DIR [--stock] [--libxl-conf FILE]
#                     [--libvirtd-conf-extra FILE] [-- XENSIM_CREATE_OPTIONS...]
#   scripts/daemon.sh stop DIR [--keep-host]
#   scripts/daemon.sh uri DIR
#
# XENSIM_DAEMON_WRAPPER, if set, is a command (words split by the shell)
# our daemon runs under, e.g. valgrind and its options; a slow wrapper
# wants XENSIM_DAEMON_START_WAIT, the seconds a start waits for the
# daemon's socket (default 30), and XENSIM_DAEMON_STOP_WAIT, the seconds a
# stop waits for the daemon to exit before it kills it (default 30; a
# daemon that had to be killed makes the stop fail, its host stopped all
# the same).
#
# XENSIM_PRELOAD, if set, is the libxenlight preload to use instead of the
# build's, and XENSIM_DRIVER_DIR a directory holding the libxl driver
# module our daemon loads instead of the build's (LIBVIRT_DRIVER_DIR): the
# pair scripts/libxl-patched.sh builds against the patched libxl headers.
#
# DIR holds everything: the host's socket (DIR/xensim.sock), the daemon's
# sockets (DIR/run), its configuration, state and logs.  The simulated
# host is started only if it is not running yet, so it outlives a daemon
# restart, as a real hypervisor outlives libvirtd.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${XENSIM_BUILD_DIR:-$top/build}
libvirt_build=$build/subprojects/libvirt
prefix=$build/install
xensim=$build/tools/xensim/xensim
preload=${XENSIM_PRELOAD:-$build/tools/xensim/libxensim-preload.so}

die() { echo "daemon: $*" >&2; exit 1; }

host_running() {
    "$xensim" --socket "$1/xensim.sock" info >/dev/null 2>&1
}

start_host() {
    local dir=$1; shift
    if host_running "$dir"; then
        return 0
    fi
    "$xensim" --socket "$dir/xensim.sock" create "$@" > "$dir/xensim.pid"
}

wait_socket() {
    local dir=$1 log=$2 pid=$3 i
    for i in $(seq 1 $(( ${XENSIM_DAEMON_START_WAIT:-30} * 10 ))); do
        [ -S "$dir/run/libvirt-sock" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    tail -20 "$log" >&2 || true
    die "the libvirt daemon did not create $dir/run/libvirt-sock"
}

start_ours() {
    local dir=$1 libxl_conf=$2 conf_extra=$3
    mkdir -p "$dir/run" "$dir/log" "$dir/var" "$dir/etc" "$prefix/var" "$prefix/etc/libvirt"
    if [ -n "$libxl_conf" ]; then
        cp "$libxl_conf" "$dir/etc/libxl.conf"
    else
        : > "$dir/etc/libxl.conf"
    fi
    cat > "$dir/libvirtd.conf" <<CONF
unix_sock_dir = "$dir/run"
log_outputs = "1:file:$dir/log/libvirtd.log"
log_filters = "1:libxl 2:qemu 3:event 3:rpc 3:util 3:conf 3:object 3:security"
CONF
    if [ -n "$conf_extra" ]; then
        cat "$conf_extra" >> "$dir/libvirtd.conf"
    fi
    rm -f "$dir/run/libvirt-sock"
    # The libxl driver's directories and libxl.conf are fixed at build time
    # under the build's prefix: a private mount namespace puts DIR's there.
    # The lock files of the consoles it serves go to /var/lock, compiled in
    # too (virChrdevOpen; /run/lock on Debian): DIR's lock/ covers it there,
    # so that they stay off the host.  A booted Debian always has
    # /run/lock (systemd's tmpfiles make it); a container that never
    # booted may lack it, and it is made as tmpfiles would make it.
    local lockdir
    lockdir=$(realpath -m /var/lock)
    [ -d "$lockdir" ] || mkdir -p -m 1777 "$lockdir"
    mkdir -p "$dir/lock"
    local driver_env=()
    if [ -n "${XENSIM_DRIVER_DIR:-}" ]; then
        [ -f "$XENSIM_DRIVER_DIR/libvirt_driver_libxl.so" ] ||
            die "XENSIM_DRIVER_DIR=$XENSIM_DRIVER_DIR has no libvirt_driver_libxl.so"
        driver_env=(LIBVIRT_DRIVER_DIR="$XENSIM_DRIVER_DIR")
    fi
    env "${driver_env[@]}" \
    XENSIM_SOCKET=$dir/xensim.sock \
    LD_PRELOAD=$preload \
    LD_LIBRARY_PATH=$libvirt_build/src \
    LIBVIRT_DIR_OVERRIDE=1 \
    setsid unshare --mount --propagation private \
        sh -c 'mount --bind "$1" "$2" && mount --bind "$3" "$4" &&
               mount --bind "$5" "$6" && shift 6 && exec "$@"' sh \
        "$dir/var" "$prefix/var" "$dir/etc" "$prefix/etc/libvirt" \
        "$dir/lock" "$lockdir" \
        ${XENSIM_DAEMON_WRAPPER:-} \
        "$libvirt_build/src/libvirtd" -f "$dir/libvirtd.conf" -p "$dir/libvirtd.pid" \
        > "$dir/log/libvirtd.stderr" 2>&1 < /dev/null &
    wait_socket "$dir" "$dir/log/libvirtd.log" $!
}

start_stock() {
    local dir=$1 libxl_conf=$2 conf_extra=$3
    XENSIM_SOCKET=$dir/xensim.sock STOCK_LIBXL_CONF=$libxl_conf \
    STOCK_LIBVIRTD_CONF_EXTRA=$conf_extra \
        "$top/scripts/stock-daemon.sh" start "$dir" "$preload" >/dev/null
}

# alive PID: the process runs.  One that exited is gone even while it
# waits, a zombie, for whoever adopted it to reap it (its parent, the
# start's shell, is long gone), which some init processes take seconds
# to do.
alive() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state=$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$1/stat" 2>/dev/null || true)
    [ -n "$state" ] && [ "$state" != Z ]
}

stop_daemon() {
    local dir=$1 pid i
    [ -f "$dir/libvirtd.pid" ] || return 0
    pid=$(cat "$dir/libvirtd.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 1 $(( ${XENSIM_DAEMON_STOP_WAIT:-30} * 10 ))); do
            alive "$pid" || break
            sleep 0.1
        done
        if alive "$pid"; then
            kill -KILL "$pid" 2>/dev/null || true
            rm -f "$dir/libvirtd.pid"
            echo "daemon: libvirtd $pid did not exit on SIGTERM; killed" >&2
            return 1
        fi
    fi
    rm -f "$dir/libvirtd.pid"
}

uri() {
    echo "xen+unix:///system?socket=$1/run/libvirt-sock"
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|stop|uri DIR [--stock] [-- xensim create options]"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
shift 2

case $cmd in
    start)
        stock=0
        libxl_conf=
        conf_extra=
        while [ $# -gt 0 ]; do
            case $1 in
                --stock) stock=1 ;;
                --libxl-conf) libxl_conf=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
                --libvirtd-conf-extra) conf_extra=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
                --) shift; break ;;
                *) die "unknown option '$1'" ;;
            esac
            shift
        done
        [ -x "$xensim" ] && [ -f "$preload" ] || die "build first: ./run build"
        start_host "$dir" "$@"
        if [ "$stock" = 1 ]; then
            echo stock > "$dir/flavour"
            start_stock "$dir" "$libxl_conf" "$conf_extra"
        else
            echo ours > "$dir/flavour"
            start_ours "$dir" "$libxl_conf" "$conf_extra"
        fi
        uri "$dir"
        ;;
    stop)
        if [ "$(cat "$dir/flavour" 2>/dev/null)" = stock ]; then
            "$top/scripts/stock-daemon.sh" stop "$dir" >/dev/null
        else
            stop_daemon "$dir" || status=$?
        fi
        if [ "${1:-}" != --keep-host ] && host_running "$dir"; then
            "$xensim" --socket "$dir/xensim.sock" stop
        fi
        exit "${status:-0}"
        ;;
    uri)
        uri "$dir"
        ;;
    *)
        die "unknown command '$cmd'"
        ;;
esac
