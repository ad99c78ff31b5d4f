/*
 * hostile-guest.c: a guest that writes statistics records as fast as the
 * simulated host takes them, for bench/hostile.sh
 *
 *   hostile-guest SOCKET DOMID MODE SECONDS
 *
 * MODE is what it writes to its data/memstats:
 *   lies       well-formed records that change at every write and claim
 *              far more memory than the guest has (total, free, suggest)
 *   garbage    random bytes, up to the record's 1024-byte limit
 *   oversized  a well-formed record padded past that limit
 * Prints "WRITES REFUSED": the writes made, and those the host refused.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xensim_client.h"

#define RECORD_MAX 1024

static uint64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}


static size_t
make_record(const char *mode, uint64_t n, char *buf)
{
    size_t len;
    size_t i;

    if (strcmp(mode, "garbage") == 0) {
        len = 1 + rand() % RECORD_MAX;
        for (i = 0; i < len; i++)
            buf[i] = 1 + rand() % 255;      /* xenstore values hold no NUL */
        return len;
    }
    len = snprintf(buf, RECORD_MAX + 1,
                   "1 total=%" PRIu64 " free=%" PRIu64 " avail=%" PRIu64
                   " committed=%" PRIu64 " suggest=%" PRIu64,
                   UINT64_C(1) << 40, (UINT64_C(1) << 39) + n,
                   (UINT64_C(1) << 39) + n, UINT64_C(1) << 38, UINT64_C(1) << 40);
    if (strcmp(mode, "oversized") == 0) {
        while (len < RECORD_MAX + 200)
            len += snprintf(buf + len, RECORD_MAX + 400 - len, " x%zu=1", len);
    }
    return len;
}


int
main(int argc, char **argv)
{
    char buf[RECORD_MAX + 400];
    char path[64];
    xensim_conn *c;
    uint64_t writes = 0;
    uint64_t refused = 0;
    uint64_t end;
    uint32_t domid;
    int err = 0;

    if (argc != 5 || (strcmp(argv[3], "lies") != 0 && strcmp(argv[3], "garbage") != 0 &&
                      strcmp(argv[3], "oversized") != 0)) {
        fprintf(stderr, "usage: %s SOCKET DOMID lies|garbage|oversized SECONDS\n", argv[0]);
        return 2;
    }
    domid = strtoul(argv[2], NULL, 10);
    if (!(c = xensim_conn_open(argv[1], domid, &err))) {
        fprintf(stderr, "%s: cannot connect as domain %u: %s\n", argv[0], domid, strerror(-err));
        return 1;
    }
    snprintf(path, sizeof(path), "/local/domain/%u/data/memstats", domid);
    srand(domid);
    end = now_ns() + strtoull(argv[4], NULL, 10) * 1000000000ULL;
    while (now_ns() < end) {
        size_t len = make_record(argv[3], writes, buf);

        if (xensim_xs_write_value(c, path, buf, len) < 0)
            refused++;
        writes++;
    }
    xensim_conn_close(c);
    printf("%" PRIu64 " %" PRIu64 "\n", writes, refused);
    return 0;
}
