# Sourced by the shell tests that run a libvirt daemon on a simulated Xen
# host: a private directory for it, removed with the daemon and the host
# on exit, and the commands to drive them.  Needs $top and $build; sets
# $work; the test sets $uri once its daemon runs.

work=$(mktemp -d "/tmp/$(basename "$0" .sh).XXXXXX")
daemon() { XENSIM_BUILD_DIR=$build "$top/scripts/daemon.sh" "$@"; }
xensimhost_cleanup() {
    daemon stop "$work" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap xensimhost_cleanup EXIT

virsh() { "$build/subprojects/libvirt/tools/virsh" -q -c "$uri" "$@"; }
xensim() { "$build/tools/xensim/xensim" --socket "$work/xensim.sock" "$@"; }
