#!/usr/bin/env bash
# The libvirt API through Debian's python3-libvirt (on Debian's libvirt0
# client library), as OpenStack nova and ceilometer call it, against our
# daemon on a simulated Xen host: guests' memory statistics, bulk balloon
# statistics, the node's free memory net of claims, setMemory and its
# balloon change event, the statistics period, and a claim start that
# cannot fit.  The checks are in tests/client-python.py; this script only
# brings up the host and the daemon, and takes them down.
#
# Usage: client-python.sh SOURCE_ROOT BUILD_DIR AGENT
set -euo pipefail

top=$1
build=$2
agent=$3
. "$top/tests/xensimhost.sh"

# 8 GiB with dom0 at 1 GiB: room for the agent's 1 GiB guest and a 3 GiB
# claim build, none for a 16 GiB one.  Builds fill 512 MiB/s, so that the
# 3 GiB build holds its claim long enough to be seen.  Autoballooning is
# off (the host's dom0_mem=, and an empty libxl.conf).
uri=$(daemon start "$work" -- --memory 8G --dom0 1G --populate-rate 512M)

# Debian's interpreter, whose python3-libvirt this is
status=0
/usr/bin/python3 "$top/tests/client-python.py" --uri "$uri" \
    --xensim "$build/tools/xensim/xensim" --socket "$work/xensim.sock" \
    --preload "$build/tools/xensim/libxensim-preload.so" --agent "$agent" \
    --work "$work" || status=$?
exit "$status"
