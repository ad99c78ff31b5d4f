/*
 * hostile-guest-xen.c: a hostile guest of the real-Xen stage, run by the
 * guest's init (scripts/xen-stage/guest-init.sh) inside a PV guest
 *
 *   hostile-guest-xen SECONDS
 *
 * Through the guest's own xenstore connection (/dev/xen/xenbus) it writes
 * its data/memstats as fast as xenstored takes the writes, SECONDS each
 * in three phases, round after round until the host writes its
 * data/hostile-stop (or for 10 minutes at most):
 *   oversized  a well-formed record padded past the host's 1024-byte limit
 *   garbage    random bytes, up to that limit
 *   lies       well-formed records that change at every write and say
 *              the guest has its domain's whole maximum (memory/static-max,
 *              as much as the host believes of a guest), uses all of it and
 *              suggests far more (2^40 KiB)
 * then one lie a second for as long as it runs, so that the host's
 * record of its need stays fresh.  Throughout, its balloon ignores the
 * host's targets: whenever the balloon driver's target (its sysfs
 * target_kb, which the host's memory/target sets) is not what the guest
 * booted with, the guest writes that back, so the driver never gives
 * memory away.
 *
 * Prints on stdout (the guest's console) one line a phase:
 *   xenstage-hostile: MODE WRITES writes REFUSED refused in MS ms
 * and one line each time it undid a target:
 *   xenstage-hostile: target T KiB ignored, back to B KiB
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#define RECORD_KEY "data/memstats"
#define RECORD_MAX 1024
#define TARGET_KB "/sys/devices/system/xen_memory/xen_memory0/target_kb"
/* how often the balloon's target is looked at: the balloon driver gives
 * back a few MiB at most in that time */
#define TARGET_CHECK_NS 20000000ULL
/* the host's word to stop the flood, looked for every 100 ms */
#define STOP_KEY "data/hostile-stop"
#define STOP_CHECK_NS 100000000ULL
#define FLOOD_MAX_NS (600 * 1000000000ULL)

static uint64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}


static bool
read_target(unsigned long long *kb)
{
    FILE *f = fopen(TARGET_KB, "r");
    bool ok;

    if (!f)
        return false;
    ok = fscanf(f, "%llu", kb) == 1;
    fclose(f);
    return ok;
}


/* Put the balloon's target back to what the guest booted with */
static void
ignore_target(unsigned long long boot_kb)
{
    unsigned long long kb;
    FILE *f;

    if (!read_target(&kb) || kb == boot_kb)
        return;
    if (!(f = fopen(TARGET_KB, "w")))
        return;
    fprintf(f, "%llu\n", boot_kb);
    if (fclose(f) == 0)
        printf("xenstage-hostile: target %llu KiB ignored, back to %llu KiB\n", kb, boot_kb);
    fflush(stdout);
}


static unsigned long long
mem_total_kib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    unsigned long long kb = 0;
    char line[128];

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
            break;
    }
    fclose(f);
    return kb;
}


/* The domain's maximum, which the guest may read in its own
 * memory/static-max; twice its MemTotal if it cannot */
static unsigned long long
claimed_total_kib(struct xs_handle *xs)
{
    unsigned long long kb = 0;
    unsigned int len = 0;
    char *value = xs_read(xs, XBT_NULL, "memory/static-max", &len);

    if (!value || sscanf(value, "%llu", &kb) != 1)
        kb = 2 * mem_total_kib();
    free(value);
    return kb;
}


static size_t
make_record(const char *mode, uint64_t n, unsigned long long total, char *buf)
{
    size_t len;
    size_t i;

    if (strcmp(mode, "garbage") == 0) {
        len = 1 + rand() % RECORD_MAX;
        for (i = 0; i < len; i++)
            buf[i] = 1 + rand() % 255;
        return len;
    }
    if (strcmp(mode, "oversized") == 0) {
        len = snprintf(buf, RECORD_MAX + 1, "1 total=%llu free=%" PRIu64, total, n % 1000);
        while (len < RECORD_MAX + 200)
            len += snprintf(buf + len, RECORD_MAX + 400 - len, " x%zu=1", len);
        return len;
    }
    /* lies: uses everything it has, suggests far more than any host */
    return snprintf(buf, RECORD_MAX + 1,
                    "1 total=%llu free=%" PRIu64 " avail=%" PRIu64
                    " caches=0 committed=%llu suggest=%" PRIu64,
                    total, n % 64, n % 64, total, UINT64_C(1) << 40);
}


static bool
stop_asked(struct xs_handle *xs)
{
    unsigned int len = 0;
    char *value = xs_read(xs, XBT_NULL, STOP_KEY, &len);

    free(value);
    return value != NULL;
}


/* One phase; returns true once the host asked to stop */
static bool
write_phase(struct xs_handle *xs, const char *mode, unsigned int seconds,
            unsigned long long boot_kb, unsigned long long total)
{
    char buf[RECORD_MAX + 400];
    uint64_t start = now_ns();
    uint64_t end = start + seconds * 1000000000ULL;
    uint64_t next_check = 0;
    uint64_t next_stop = start + STOP_CHECK_NS;
    uint64_t writes = 0;
    uint64_t refused = 0;
    bool stop = false;
    uint64_t t;

    while ((t = now_ns()) < end && !stop) {
        size_t len = make_record(mode, writes, total, buf);

        if (!xs_write(xs, XBT_NULL, RECORD_KEY, buf, len))
            refused++;
        writes++;
        if (t >= next_check) {
            ignore_target(boot_kb);
            next_check = t + TARGET_CHECK_NS;
        }
        if (t >= next_stop) {
            stop = stop_asked(xs);
            next_stop = t + STOP_CHECK_NS;
        }
    }
    printf("xenstage-hostile: %s %" PRIu64 " writes %" PRIu64 " refused in %" PRIu64 " ms\n",
           mode, writes, refused, (now_ns() - start) / 1000000);
    fflush(stdout);
    return stop;
}


int
main(int argc, char **argv)
{
    static const char *const modes[] = { "oversized", "garbage", "lies" };
    char buf[RECORD_MAX + 400];
    struct xs_handle *xs;
    unsigned long long boot_kb = 0;
    unsigned long long total;
    unsigned int seconds;
    uint64_t n = 0;
    uint64_t flood_end = now_ns() + FLOOD_MAX_NS;
    size_t i;

    if (argc != 2) {
        fprintf(stderr, "usage: %s SECONDS (of each phase)\n", argv[0]);
        return 2;
    }
    if ((seconds = strtoul(argv[1], NULL, 10)) == 0 || seconds > 600) {
        fprintf(stderr, "%s: phase of '%s' seconds: it must be 1 to 600\n", argv[0], argv[1]);
        return 2;
    }
    if (!(xs = xs_open(0))) {
        fprintf(stderr, "%s: cannot open xenstore: %s\n", argv[0], strerror(errno));
        return 1;
    }
    if (!read_target(&boot_kb)) {
        fprintf(stderr, "%s: cannot read %s: %s\n", argv[0], TARGET_KB, strerror(errno));
        return 1;
    }
    total = claimed_total_kib(xs);
    srand(getpid());
    printf("xenstage-hostile: flood starts, balloon target %llu KiB held\n", boot_kb);
    fflush(stdout);

    for (i = 0; now_ns() < flood_end; i = (i + 1) % (sizeof(modes) / sizeof(modes[0]))) {
        if (write_phase(xs, modes[i], seconds, boot_kb, total))
            break;
    }
    printf("xenstage-hostile: flood ends\n");
    fflush(stdout);

    for (;;) {
        uint64_t end = now_ns() + 1000000000ULL;
        size_t len = make_record("lies", n++, total, buf);

        xs_write(xs, XBT_NULL, RECORD_KEY, buf, len);
        while (now_ns() < end) {
            ignore_target(boot_kb);
            usleep(TARGET_CHECK_NS / 1000);
        }
    }
    return 0;
}
