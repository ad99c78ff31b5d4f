#!/usr/bin/env python3
# Seeds for xensimdfuzz that reach what a mutation rarely builds from
# nothing: requests carrying a valid workload trace (a workload on a
# running guest, a preset a new domain takes its trace from), a guest
# that dies slowly, a pager's whole life on a host that offers paging.
# Each seed is what the target reads: a byte of host options (bit 0:
# paging offered), then records of [client byte][16-bit little-endian
# length][bytes], the bytes being frames as xensim_proto.h lays them out.
#
# Usage: xensimd-seeds.py DIR           writes one file a seed into DIR
#        xensimd-seeds.py --check DIR   fails unless DIR holds them as
#                                       written now (a protocol change
#                                       that renumbers requests shows)

import re
import struct
import sys
from pathlib import Path

PROTO_H = Path(__file__).resolve().parents[2] / "tools" / "xensim" / "xensim_proto.h"


def operations():
    """xensim_op's codes, read from xensim_proto.h: HELLO is 1, each
    following name one more (the enum assigns no other value)"""
    text = PROTO_H.read_text()
    body = text[text.index("XENSIM_OP_HELLO = 1"):text.index("} xensim_op;")]
    names = re.findall(r"^\s*XENSIM_OP_([A-Z_]+)", body, re.M)
    return {name: code for code, name in enumerate(names, start=1)}


OP = operations()

DOM0, GUEST, STRANGER = 0, 1, 2
HOST_DEFAULT, HOST_PAGING = 0, 1 << 0          # the host options byte
DOMAIN_PV, DOMAIN_HVM = 0, 1                    # xensim_domain_type
GUEST_DIES_SLOWLY = 1 << 1
PRESET_BALLOON_RATE, PRESET_BALLOON_FLOOR, PRESET_WORKLOAD, PRESET_CLEAR = 1, 2, 4, 8
MIB = 256                       # pages


def u32(v):
    return struct.pack("<I", v)


def u64(v):
    return struct.pack("<Q", v)


def string(s):
    b = s.encode()
    return u32(len(b)) + b


def trace(points, swap=0):
    """points: (ms, used pages, reported pages)"""
    return u64(swap) + u32(len(points)) + b"".join(
        u64(ms) + u64(used) + u64(reported) for ms, used, reported in points)


def request(op, *fields):
    payload = u32(OP[op]) + b"".join(fields)
    return u32(len(payload)) + payload


def record(client, data):
    return bytes([client]) + struct.pack("<H", len(data)) + data


def build(name, mib=64, domain_type=DOMAIN_PV):
    """Requests that make a running domain of MIB (the first is domid 1)"""
    return [
        request("DOMAIN_CREATE", string(name), u32(16) + bytes(range(16)),
                u32(domain_type), u32(1)),
        request("SET_MAX", u32(1), u64(mib * MIB + MIB)),
        request("POPULATE", u32(1), u64(mib * MIB)),
        request("SET_TARGET", u32(1), u64(mib * MIB)),
        request("PAUSE", u32(1), u32(0)),
    ]


LOAD = [(0, 16 * MIB, 16 * MIB), (500, 40 * MIB, 20 * MIB), (2000, 24 * MIB, 24 * MIB)]

SEEDS = {
    "workload-trace": [(DOM0, r) for r in build("guest1") + [
        request("WORKLOAD", u32(1), trace(LOAD, swap=8 * MIB)),
        request("WORKLOAD_STATS"),
        request("WORKLOAD", u32(1), trace([])),
        request("WORKLOAD", u32(1), trace([(5, 1, 1), (4, 1, 1)])),
    ]] + [(GUEST, request("XS_READ", string("data/memstats")))],
    "preset-workload": [(DOM0, request("PRESET", string("guest1"),
                                       u32(PRESET_BALLOON_RATE | PRESET_BALLOON_FLOOR |
                                           PRESET_WORKLOAD),
                                       u64(2 * MIB), u64(32 * MIB), trace(LOAD)))] +
                       [(DOM0, r) for r in build("guest1")] + [
        (DOM0, request("PRESET", string("guest1"), u32(PRESET_BALLOON_RATE),
                       u64(0), u64(0), trace([]))),
        (DOM0, request("PRESET", string("guest1"), u32(PRESET_CLEAR),
                       u64(0), u64(0), trace([]))),
        (DOM0, request("WORKLOAD_STATS")),
    ],
    "dying-destroy": [(DOM0, r) for r in build("guest1") + [
        request("SET_GUEST_FLAGS", u32(1), u32(GUEST_DIES_SLOWLY)),
        request("DESTROY", u32(1)),
        request("DOMAIN_INFO", u32(1)),
        request("DESTROY", u32(1)),
        request("SET_GUEST_FLAGS", u32(1), u32(0)),
        request("DOMAIN_LIST"),
    ]],
    "pager-life": [(DOM0, r) for r in build("guest1", 128, DOMAIN_HVM) + [
        request("PAGER_ATTACH", u32(1)),
        request("SET_PAGING_TARGET", u32(1), u64(64 * MIB)),
        request("SHUTDOWN", u32(1), u32(0)),
        request("PAGER_DETACH", u32(1)),
        request("DESTROY", u32(1)),
    ]] + [(STRANGER, request("PAGER_ATTACH", u32(1)))],
}

# the seeds that run on a host offering paging
PAGING = {"pager-life"}


def main():
    check = sys.argv[1:2] == ["--check"]
    out = Path(sys.argv[2 if check else 1])
    stale = []
    for name, records in SEEDS.items():
        options = HOST_PAGING if name in PAGING else HOST_DEFAULT
        seed = bytes([options]) + b"".join(record(c, data) for c, data in records)
        if not check:
            out.mkdir(parents=True, exist_ok=True)
            (out / name).write_bytes(seed)
        elif not (out / name).is_file() or (out / name).read_bytes() != seed:
            stale.append(name)
        else:
            print(f"PASS: seed {name} is what the protocol makes of it")
    for name in stale:
        print(f"FAIL: seed {name} in {out} is not what {Path(__file__).name} writes now")
    sys.exit(1 if stale else 0)


if __name__ == "__main__":
    main()
