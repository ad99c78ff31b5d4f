/*
 * memstat_sample.h: one sample of a Linux guest's memory statistics
 *
 * Pure code: the caller reads /proc and writes xenstore, so that all of
 * the parsing and formatting can be tested on fixture files.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* The first token of every record; the host refuses any other version */
#define MEMSTAT_RECORD_VERSION "1"

/* The host refuses longer records (LIBXL_MEMSTATS_RECORD_MAX); a full
 * record of thirteen 20-digit values is about 360 bytes */
#define MEMSTAT_RECORD_MAX 1024

/* An unsigned long long in decimal, and its NUL */
#define MEMSTAT_NUMBER_SIZE 21

/* Record fields, in the order they are written */
enum memstat_field {
    MEMSTAT_TOTAL = 0,  /* MemTotal, KiB */
    MEMSTAT_FREE,       /* MemFree, KiB */
    MEMSTAT_AVAIL,      /* MemAvailable, KiB */
    MEMSTAT_CACHES,     /* Buffers + Cached, KiB */
    MEMSTAT_SWAPIN,     /* pswpin, KiB */
    MEMSTAT_SWAPOUT,    /* pswpout, KiB */
    MEMSTAT_MAJFLT,     /* pgmajfault */
    MEMSTAT_MINFLT,     /* pgfault - pgmajfault */
    MEMSTAT_HTLBOK,     /* htlb_buddy_alloc_success */
    MEMSTAT_HTLBFAIL,   /* htlb_buddy_alloc_fail */
    MEMSTAT_COMMITTED,  /* Committed_AS, KiB */
    MEMSTAT_SUGGEST,    /* memstat_suggest_kib() of MemTotal and
                         * Committed_AS, KiB */

    MEMSTAT_NFIELDS
};

/* The target the guest suggests for itself (memstat_suggest_kib()):
 * Committed_AS plus a reserve of a tenth of MemTotal, at least 64 MiB,
 * never below 128 MiB nor above MemTotal.  See memstat_sample.c for why. */
#define MEMSTAT_SUGGEST_RESERVE_DIVISOR 10
#define MEMSTAT_SUGGEST_RESERVE_MIN_KIB (64ULL * 1024)
#define MEMSTAT_SUGGEST_FLOOR_KIB (128ULL * 1024)

struct memstat_sample {
    unsigned long long value[MEMSTAT_NFIELDS];
    /* A field the kernel does not have, or that we could not trust, is
     * left out of the record rather than reported as 0 */
    bool present[MEMSTAT_NFIELDS];
};

/* The keys older agents write, for toolstacks that know only those */
struct memstat_old_keys {
    char total[MEMSTAT_NUMBER_SIZE];    /* data/meminfo_total */
    char free[MEMSTAT_NUMBER_SIZE];     /* data/meminfo_free */
};

void
memstat_sample_init(struct memstat_sample *sample);

bool
memstat_parse_decimal(const char *s,
                      size_t len,
                      unsigned long long *value);

unsigned long long
memstat_suggest_kib(unsigned long long total_kib,
                    unsigned long long committed_kib);

void
memstat_parse_meminfo(const char *text,
                      size_t len,
                      struct memstat_sample *sample);

void
memstat_parse_vmstat(const char *text,
                     size_t len,
                     unsigned long page_kib,
                     struct memstat_sample *sample);

bool
memstat_sample_valid(const struct memstat_sample *sample);

int
memstat_format_record(const struct memstat_sample *sample,
                      time_t now,
                      char *buf,
                      size_t size);

int
memstat_format_old_keys(const struct memstat_sample *sample,
                        struct memstat_old_keys *keys);
