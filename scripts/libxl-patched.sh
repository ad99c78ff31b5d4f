#!/usr/bin/env bash
# libvirt's libxl driver module and the simulated host's libxenlight
# preload built again against the headers of a libxl patched with our
# series (xen-patches/, docs/xen-patches.md), so that the code under
# #ifdef LIBXL_HAVE_* in src/libxl/ and tools/xensim/shim/ is compiled
# and can run.  Each source is compiled with the build's own command
# (build/compile_commands.json), the patched tree's tools/include first
# on the include path, and linked with the build's own link command, the
# patched libxenlight in place of Debian's, so that the link proves every
# new symbol the module imports is there.  At run time the soname
# (libxenlight.so.4.17) resolves to Debian's library, no rpath being set:
# on the simulated host the preload answers the new calls, and
# tests/xen-patches.sh checks the imports against the preload's exports.
# Nothing in the build directory changes; 33 files, about 10 s of CPU.
#
# Usage: scripts/libxl-patched.sh BUILD_DIR XEN_TREE OUT_DIR
#   BUILD_DIR  a configured and built tree (./run build; build/ by default)
#   XEN_TREE   a xen source tree with the series applied and tools/libs
#              built (scripts/xen-patches.sh apply, then minimal), or a
#              root with the patched packages of ./run xen unpacked in it
#              (libxen-dev and the libraries: usr/include,
#              usr/lib/x86_64-linux-gnu)
#   OUT_DIR    created; gets driver/libvirt_driver_libxl.so (a directory
#              for LIBVIRT_DRIVER_DIR) and libxensim-preload.so
set -euo pipefail

die() { printf 'libxl-patched: error: %s\n' "$*" >&2; exit 1; }

build=${1:?usage: libxl-patched.sh BUILD_DIR XEN_TREE OUT_DIR}
tree=${2:?usage: libxl-patched.sh BUILD_DIR XEN_TREE OUT_DIR}
out=${3:?usage: libxl-patched.sh BUILD_DIR XEN_TREE OUT_DIR}
build=$(cd "$build" && pwd)
tree=$(cd "$tree" && pwd)
[ -f "$build/compile_commands.json" ] || die "$build has no compile_commands.json: build first"
if [ -f "$tree/usr/include/libxl.h" ]; then
    include=$tree/usr/include
    lib=$tree/usr/lib/x86_64-linux-gnu/libxenlight.so
    libdirs=("$tree/usr/lib/x86_64-linux-gnu/")
else
    include=$tree/tools/include
    lib=$tree/tools/libs/light/libxenlight.so
    libdirs=("$tree"/tools/libs/*/)
fi
[ -f "$include/libxl.h" ] || die "$include has no libxl.h"
grep -q LIBXL_HAVE_CLAIM_ON_RESTORE "$include/libxl.h" ||
    die "$include/libxl.h is not patched (no LIBXL_HAVE_CLAIM_ON_RESTORE)"
[ -e "$lib" ] || die "no $lib: build the patched tools/libs first"
mkdir -p "$out/obj" "$out/driver"
out=$(cd "$out" && pwd)

module_target=subprojects/libvirt/src/libvirt_driver_libxl.so
module_objdir=subprojects/libvirt/src/libxl/libvirt_driver_libxl_impl.a.p/
impl_lib=subprojects/libvirt/src/libxl/libvirt_driver_libxl_impl.a
preload_target=tools/xensim/libxensim-preload.so
preload_objdir=tools/xensim/libxensim-preload.so.p/

# compile_commands.json to one shell command a line: the build's compile
# command with the patched headers first, its dependency file dropped and
# the object written to OUT_DIR/obj/<target>/
python3 - "$build/compile_commands.json" "$include" "$out/obj" \
        "$module_objdir" "$preload_objdir" > "$out/compile.sh" <<'PY'
import json, os, shlex, sys

db, include, objdir, *prefixes = sys.argv[1:]
seen = set()
for entry in json.load(open(db)):
    output = entry["output"]
    prefix = next((p for p in prefixes if output.startswith(p)), None)
    if prefix is None or output in seen:
        continue
    seen.add(output)
    args = shlex.split(entry["command"])
    new = [args[0], "-I" + include]
    skip = 0
    for i, a in enumerate(args[1:], 1):
        if skip:
            skip -= 1
            continue
        if a in ("-MQ", "-MF"):
            skip = 1
            continue
        if a == "-MD":
            continue
        if a == "-o":
            skip = 1
            dest = os.path.join(objdir, os.path.basename(prefix.rstrip("/")),
                                os.path.basename(output))
            new += ["-o", dest]
            continue
        new.append(a)
    print("cd %s && mkdir -p %s && %s" % (
        shlex.quote(entry["directory"]), shlex.quote(os.path.dirname(dest)),
        " ".join(shlex.quote(a) for a in new)))
PY
n=$(wc -l < "$out/compile.sh")
[ "$n" -gt 20 ] || die "found only $n sources of the driver and the preload in compile_commands.json"
# two at a time, each its own shell; the first failure stops the build
tr '\n' '\0' < "$out/compile.sh" |
    xargs -0 -P 2 -I{} sh -c '{}' > "$out/compile.log" 2>&1 ||
    { tail -30 "$out/compile.log" >&2; die "a source does not compile against the patched headers"; }

# the link commands as ninja has them, with the new objects and the
# patched libxenlight (and its own libraries for the link's -z defs)
link_command() {
    ninja -C "$build" -t commands "$1" | tail -1
}
rpath_links=
for d in "${libdirs[@]}"; do
    rpath_links+=" -Wl,-rpath-link,$d"
done

module_objs=$(ls "$out/obj/$(basename "$module_objdir")"/*.o)
rm -f "$out/libvirt_driver_libxl_impl.a"
ar rcs "$out/libvirt_driver_libxl_impl.a" $module_objs
cmd=$(link_command "$module_target")
cmd=${cmd/"-o $module_target "/"-o $out/driver/libvirt_driver_libxl.so "}
cmd=${cmd/" $impl_lib "/" $out/libvirt_driver_libxl_impl.a "}
cmd=${cmd/" /usr/lib/x86_64-linux-gnu/libxenlight.so "/" $lib$rpath_links "}
case $cmd in
    *"$out/driver/libvirt_driver_libxl.so"*"$out/libvirt_driver_libxl_impl.a"*"$lib"*) ;;
    *) die "unexpected link command of $module_target: $cmd" ;;
esac
(cd "$build" && eval "$cmd") > "$out/link.log" 2>&1 ||
    { cat "$out/link.log" >&2; die "the driver module does not link"; }

cmd=$(link_command "$preload_target")
for o in "$out/obj/$(basename "$preload_objdir")"/*.o; do
    cmd=${cmd/" $preload_objdir$(basename "$o") "/" $o "}
done
cmd=${cmd/"-o $preload_target "/"-o $out/libxensim-preload.so "}
cmd=${cmd/" /usr/lib/x86_64-linux-gnu/libxenlight.so "/" $lib$rpath_links "}
case $cmd in
    *"$preload_objdir"*) die "the preload's link command kept an object of the build: $cmd" ;;
esac
(cd "$build" && eval "$cmd") >> "$out/link.log" 2>&1 ||
    { cat "$out/link.log" >&2; die "the preload does not link"; }
echo "$out"
