/*
 * memstat_sample.c: parse /proc/meminfo and /proc/vmstat, format records
 *
 * The text comes from the kernel, but a counter we get wrong would be
 * reported to the host as a fact, so parsing is strict: a line of a
 * counter we use must look exactly as the kernel prints it, a counter that
 * appears twice is ambiguous, and either makes that counter missing rather
 * than guessed.  Lines we do not use are ignored, whatever they hold, so
 * that a new kernel's additions never break a sample.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "memstat_sample.h"

/* Names in the record, indexed by enum memstat_field; the host's parser
 * (src/libxl/libxl_memstats.c) knows the same names */
static const char *const memstat_field_names[MEMSTAT_NFIELDS] = {
    [MEMSTAT_TOTAL] = "total",
    [MEMSTAT_FREE] = "free",
    [MEMSTAT_AVAIL] = "avail",
    [MEMSTAT_CACHES] = "caches",
    [MEMSTAT_SWAPIN] = "swapin",
    [MEMSTAT_SWAPOUT] = "swapout",
    [MEMSTAT_MAJFLT] = "majflt",
    [MEMSTAT_MINFLT] = "minflt",
    [MEMSTAT_HTLBOK] = "htlbok",
    [MEMSTAT_HTLBFAIL] = "htlbfail",
    [MEMSTAT_COMMITTED] = "committed",
    [MEMSTAT_SUGGEST] = "suggest",
};

/* An unsigned long long has at most 20 decimal digits */
#define MEMSTAT_DIGITS_MAX 20

/* One kernel counter as found in a file */
struct memstat_raw {
    unsigned long long value;
    unsigned int seen;      /* lines that carried its name */
    bool ok;                /* the last such line was well formed */
};

/* Split one line into its counter name and value.  Returns false when the
 * line has no name at all; otherwise *valid says whether the value is
 * exactly as the kernel prints it. */
typedef bool (*memstat_split_fn)(const char *line,
                                 size_t len,
                                 size_t *namelen,
                                 unsigned long long *value,
                                 bool *valid);

/* /proc/meminfo counters we use */
enum {
    MEMINFO_TOTAL = 0,
    MEMINFO_FREE,
    MEMINFO_AVAILABLE,
    MEMINFO_BUFFERS,
    MEMINFO_CACHED,
    MEMINFO_COMMITTED,

    MEMINFO_LAST
};

static const char *const meminfo_names[MEMINFO_LAST] = {
    [MEMINFO_TOTAL] = "MemTotal",
    [MEMINFO_FREE] = "MemFree",
    [MEMINFO_AVAILABLE] = "MemAvailable",
    [MEMINFO_BUFFERS] = "Buffers",
    [MEMINFO_CACHED] = "Cached",
    [MEMINFO_COMMITTED] = "Committed_AS",
};

/* /proc/vmstat counters we use */
enum {
    VMSTAT_PSWPIN = 0,
    VMSTAT_PSWPOUT,
    VMSTAT_PGFAULT,
    VMSTAT_PGMAJFAULT,
    VMSTAT_HTLB_OK,
    VMSTAT_HTLB_FAIL,

    VMSTAT_LAST
};

static const char *const vmstat_names[VMSTAT_LAST] = {
    [VMSTAT_PSWPIN] = "pswpin",
    [VMSTAT_PSWPOUT] = "pswpout",
    [VMSTAT_PGFAULT] = "pgfault",
    [VMSTAT_PGMAJFAULT] = "pgmajfault",
    [VMSTAT_HTLB_OK] = "htlb_buddy_alloc_success",
    [VMSTAT_HTLB_FAIL] = "htlb_buddy_alloc_fail",
};


void
memstat_sample_init(struct memstat_sample *sample)
{
    memset(sample, 0, sizeof(*sample));
}


/* Exactly @len decimal digits and nothing else: no sign, no space, no
 * base prefix, as the kernel prints counters and as the host parses them */
bool
memstat_parse_decimal(const char *s,
                      size_t len,
                      unsigned long long *value)
{
    unsigned long long v = 0;
    size_t i;

    if (len == 0 || len > MEMSTAT_DIGITS_MAX)
        return false;
    for (i = 0; i < len; i++) {
        unsigned int digit;

        if (s[i] < '0' || s[i] > '9')
            return false;
        digit = s[i] - '0';
        if (v > (ULLONG_MAX - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    *value = v;
    return true;
}


/* "Name:" then spaces, the value, and " kB": every counter we read from
 * meminfo is in kB, and a line without the unit would be a count of
 * something else */
static bool
memstat_split_meminfo(const char *line,
                      size_t len,
                      size_t *namelen,
                      unsigned long long *value,
                      bool *valid)
{
    static const char unit[] = " kB";
    const size_t unitlen = sizeof(unit) - 1;
    const char *colon = memchr(line, ':', len);
    size_t pos;
    size_t digits;

    if (!colon)
        return false;
    *namelen = colon - line;
    *valid = false;

    pos = *namelen + 1;
    if (pos >= len || line[pos] != ' ')
        return true;
    while (pos < len && line[pos] == ' ')
        pos++;
    if (len - pos <= unitlen ||
        memcmp(line + len - unitlen, unit, unitlen) != 0)
        return true;
    digits = len - unitlen - pos;
    *valid = memstat_parse_decimal(line + pos, digits, value);
    return true;
}


/* "name value", one space between */
static bool
memstat_split_vmstat(const char *line,
                     size_t len,
                     size_t *namelen,
                     unsigned long long *value,
                     bool *valid)
{
    const char *space = memchr(line, ' ', len);

    if (!space)
        return false;
    *namelen = space - line;
    *valid = memstat_parse_decimal(space + 1, len - *namelen - 1, value);
    return true;
}


static void
memstat_scan(const char *text,
             size_t len,
             memstat_split_fn split,
             const char *const *names,
             struct memstat_raw *raw,
             size_t nnames)
{
    size_t start = 0;

    memset(raw, 0, nnames * sizeof(*raw));

    while (start < len) {
        const char *line = text + start;
        const char *nl = memchr(line, '\n', len - start);
        size_t linelen = nl ? (size_t)(nl - line) : len - start;
        size_t namelen;
        unsigned long long value = 0;
        bool valid;
        size_t i;

        start += linelen + 1;
        if (!split(line, linelen, &namelen, &value, &valid))
            continue;
        for (i = 0; i < nnames; i++) {
            if (strlen(names[i]) == namelen &&
                memcmp(names[i], line, namelen) == 0) {
                raw[i].seen++;
                raw[i].ok = valid;
                raw[i].value = value;
                break;
            }
        }
    }
}


static bool
memstat_raw_get(const struct memstat_raw *raw,
                unsigned long long *value)
{
    if (raw->seen != 1 || !raw->ok)
        return false;
    *value = raw->value;
    return true;
}


static void
memstat_set(struct memstat_sample *sample,
            enum memstat_field field,
            unsigned long long value)
{
    sample->value[field] = value;
    sample->present[field] = true;
}


static void
memstat_clear(struct memstat_sample *sample,
              enum memstat_field first,
              enum memstat_field last)
{
    int i;

    for (i = first; i <= (int)last; i++) {
        sample->value[i] = 0;
        sample->present[i] = false;
    }
}


/**
 * memstat_suggest_kib:
 * @total_kib: MemTotal
 * @committed_kib: Committed_AS
 *
 * The memory target the guest suggests for itself, in KiB:
 *
 *   min(MemTotal, max(128 MiB, Committed_AS + max(MemTotal / 10, 64 MiB)))
 *
 * Committed_AS is the memory the kernel has promised to processes (their
 * private writable mappings), whether they have touched it yet or not:
 * what they could come to use without the guest running out.  It leaves
 * out what the kernel itself needs (slab, page tables, stacks) and the
 * page cache that keeps the files in use in memory, and it moves between
 * two of our samples (10 s apart by default) faster than a host can
 * follow.  A target of Committed_AS alone would thrash the page cache
 * and swap or OOM at the next burst, hence the reserve on top of it:
 *
 * - a tenth of MemTotal, because the kernel's own use and a useful page
 *   cache grow with the guest, and 10 % is the reserve that in-kernel
 *   selfballooning came to add to Committed_AS after reports of OOMs;
 * - at least 64 MiB, because in a small guest a tenth is a few tens of
 *   MiB, less than a single burst such as a package installation takes
 *   (the two terms meet at a MemTotal of 640 MiB).
 *
 * The floor of 128 MiB is what a Debian 12 guest needs to keep its kernel,
 * systemd and this agent running at all: an idle guest's Committed_AS can
 * be a few tens of MiB, and no suggestion should let a host squeeze it
 * below what it takes to stay alive.  MemTotal bounds the suggestion last,
 * so it wins over the floor in a guest smaller than 128 MiB: a guest
 * cannot use more than it has, and the host caps it there anyway.  Under
 * Xen's balloon driver MemTotal shrinks with the balloon, so the
 * suggestion says how far the guest could shrink, never how far it should
 * grow; committed above total is what shows a guest needing more.
 *
 * A sum that would overflow saturates: the suggestion is then MemTotal.
 */
unsigned long long
memstat_suggest_kib(unsigned long long total_kib,
                    unsigned long long committed_kib)
{
    unsigned long long reserve = total_kib / MEMSTAT_SUGGEST_RESERVE_DIVISOR;
    unsigned long long want;

    if (reserve < MEMSTAT_SUGGEST_RESERVE_MIN_KIB)
        reserve = MEMSTAT_SUGGEST_RESERVE_MIN_KIB;
    want = committed_kib > ULLONG_MAX - reserve ? ULLONG_MAX
                                                : committed_kib + reserve;
    if (want < MEMSTAT_SUGGEST_FLOOR_KIB)
        want = MEMSTAT_SUGGEST_FLOOR_KIB;
    return want < total_kib ? want : total_kib;
}


/**
 * memstat_parse_meminfo:
 * @text: the content of /proc/meminfo, not necessarily NUL-terminated
 * @len: its length
 * @sample: receives total, free, avail, caches, committed and suggest
 *
 * Each of those fields is present only if its counters were found, once
 * each, well formed; suggest only with both MemTotal and Committed_AS.
 */
void
memstat_parse_meminfo(const char *text,
                      size_t len,
                      struct memstat_sample *sample)
{
    struct memstat_raw raw[MEMINFO_LAST];
    unsigned long long v;
    unsigned long long buffers;
    unsigned long long cached;

    memstat_clear(sample, MEMSTAT_TOTAL, MEMSTAT_CACHES);
    memstat_clear(sample, MEMSTAT_COMMITTED, MEMSTAT_SUGGEST);
    memstat_scan(text, len, memstat_split_meminfo,
                 meminfo_names, raw, MEMINFO_LAST);

    if (memstat_raw_get(&raw[MEMINFO_TOTAL], &v))
        memstat_set(sample, MEMSTAT_TOTAL, v);
    if (memstat_raw_get(&raw[MEMINFO_FREE], &v))
        memstat_set(sample, MEMSTAT_FREE, v);
    /* Linux 3.14 and later; the host falls back to free without it */
    if (memstat_raw_get(&raw[MEMINFO_AVAILABLE], &v))
        memstat_set(sample, MEMSTAT_AVAIL, v);
    /* Page cache the guest can drop under pressure, as virtio-balloon's
     * disk_caches counts it */
    if (memstat_raw_get(&raw[MEMINFO_BUFFERS], &buffers) &&
        memstat_raw_get(&raw[MEMINFO_CACHED], &cached) &&
        buffers <= ULLONG_MAX - cached)
        memstat_set(sample, MEMSTAT_CACHES, buffers + cached);
    /* Every kernel since 2.6 has it; it may exceed MemTotal where the
     * kernel lets processes overcommit */
    if (memstat_raw_get(&raw[MEMINFO_COMMITTED], &v)) {
        memstat_set(sample, MEMSTAT_COMMITTED, v);
        if (sample->present[MEMSTAT_TOTAL])
            memstat_set(sample, MEMSTAT_SUGGEST,
                        memstat_suggest_kib(sample->value[MEMSTAT_TOTAL], v));
    }
}


/**
 * memstat_parse_vmstat:
 * @text: the content of /proc/vmstat, not necessarily NUL-terminated
 * @len: its length
 * @page_kib: the guest's page size in KiB, to convert swap pages
 * @sample: receives swapin, swapout, majflt, minflt, htlbok and htlbfail
 */
void
memstat_parse_vmstat(const char *text,
                     size_t len,
                     unsigned long page_kib,
                     struct memstat_sample *sample)
{
    struct memstat_raw raw[VMSTAT_LAST];
    unsigned long long v;
    unsigned long long faults;
    unsigned long long major;

    memstat_clear(sample, MEMSTAT_SWAPIN, MEMSTAT_HTLBFAIL);
    memstat_scan(text, len, memstat_split_vmstat,
                 vmstat_names, raw, VMSTAT_LAST);

    /* Counted in pages; a count whose KiB do not fit is not reported */
    if (memstat_raw_get(&raw[VMSTAT_PSWPIN], &v) &&
        page_kib > 0 && v <= ULLONG_MAX / page_kib)
        memstat_set(sample, MEMSTAT_SWAPIN, v * page_kib);
    if (memstat_raw_get(&raw[VMSTAT_PSWPOUT], &v) &&
        page_kib > 0 && v <= ULLONG_MAX / page_kib)
        memstat_set(sample, MEMSTAT_SWAPOUT, v * page_kib);

    if (memstat_raw_get(&raw[VMSTAT_PGMAJFAULT], &major)) {
        memstat_set(sample, MEMSTAT_MAJFLT, major);
        /* pgfault counts major faults too.  The two are summed from
         * per-CPU counters at slightly different moments, so pgfault can
         * momentarily lag: report no minor faults then, not a wrapped
         * difference */
        if (memstat_raw_get(&raw[VMSTAT_PGFAULT], &faults))
            memstat_set(sample, MEMSTAT_MINFLT,
                        faults >= major ? faults - major : 0);
    }

    /* Only kernels built with CONFIG_HUGETLB_PAGE have these */
    if (memstat_raw_get(&raw[VMSTAT_HTLB_OK], &v))
        memstat_set(sample, MEMSTAT_HTLBOK, v);
    if (memstat_raw_get(&raw[VMSTAT_HTLB_FAIL], &v))
        memstat_set(sample, MEMSTAT_HTLBFAIL, v);
}


/* Without the guest's size, nothing else in a sample can be put in
 * proportion, and the host would have only half a picture */
bool
memstat_sample_valid(const struct memstat_sample *sample)
{
    return sample->present[MEMSTAT_TOTAL];
}


static bool
memstat_append(char *buf,
               size_t size,
               size_t *used,
               const char *name,
               unsigned long long value)
{
    int n = snprintf(buf + *used, size - *used, " %s=%llu", name, value);

    if (n < 0 || (size_t)n >= size - *used)
        return false;
    *used += n;
    return true;
}


/**
 * memstat_format_record:
 * @sample: a valid sample
 * @now: seconds since the epoch; left out if negative
 * @buf: receives the record, NUL-terminated
 * @size: size of @buf
 *
 * The record for data/memstats: the version, then "name=value" for each
 * present field, single spaces between, nothing after the last.
 *
 * Returns the record's length, or -1 if the sample is invalid or @buf is
 * too small (then @buf holds nothing usable).
 */
int
memstat_format_record(const struct memstat_sample *sample,
                      time_t now,
                      char *buf,
                      size_t size)
{
    size_t used;
    int n;
    int i;

    if (!memstat_sample_valid(sample) || !buf || size == 0)
        return -1;

    n = snprintf(buf, size, "%s", MEMSTAT_RECORD_VERSION);
    if (n < 0 || (size_t)n >= size)
        goto error;
    used = n;

    if (now >= 0 &&
        !memstat_append(buf, size, &used, "t", (unsigned long long)now))
        goto error;
    for (i = 0; i < MEMSTAT_NFIELDS; i++) {
        if (sample->present[i] &&
            !memstat_append(buf, size, &used, memstat_field_names[i],
                            sample->value[i]))
            goto error;
    }
    if (used > MEMSTAT_RECORD_MAX)
        goto error;
    return (int)used;

 error:
    buf[0] = '\0';
    return -1;
}


/**
 * memstat_format_old_keys:
 * @sample: a sample
 * @keys: receives the values of data/meminfo_total and data/meminfo_free
 *
 * meminfo_free is what the guest could use without swapping, which is
 * MemAvailable where the kernel has it: older agents report that, and a
 * toolstack sizing a balloon from it would otherwise count the page cache
 * as used.
 *
 * Returns 0, or -1 if the sample has not both values.
 */
int
memstat_format_old_keys(const struct memstat_sample *sample,
                        struct memstat_old_keys *keys)
{
    unsigned long long usable;

    if (!memstat_sample_valid(sample))
        return -1;
    if (sample->present[MEMSTAT_AVAIL])
        usable = sample->value[MEMSTAT_AVAIL];
    else if (sample->present[MEMSTAT_FREE])
        usable = sample->value[MEMSTAT_FREE];
    else
        return -1;

    snprintf(keys->total, sizeof(keys->total), "%llu",
             sample->value[MEMSTAT_TOTAL]);
    snprintf(keys->free, sizeof(keys->free), "%llu", usable);
    return 0;
}
