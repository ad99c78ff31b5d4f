/*
 * xenmemstatdsamplefuzz.c: libFuzzer target for the guest agent's /proc
 * parsing, checked against the host's parser
 *
 * The input's bytes up to the first NUL are a /proc/meminfo, the rest a
 * /proc/vmstat.  Whatever a guest's kernel (or whoever controls the
 * guest) puts there, the agent writes a record the host reads back with
 * the same figures, or writes nothing.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memstat_sample.h"
#include "libxl/libxl_memstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The host's field for each of the agent's */
static const libxlMemstatsField hostField[MEMSTAT_NFIELDS] = {
    [MEMSTAT_TOTAL] = LIBXL_MEMSTATS_TOTAL,
    [MEMSTAT_FREE] = LIBXL_MEMSTATS_FREE,
    [MEMSTAT_AVAIL] = LIBXL_MEMSTATS_AVAILABLE,
    [MEMSTAT_CACHES] = LIBXL_MEMSTATS_CACHES,
    [MEMSTAT_SWAPIN] = LIBXL_MEMSTATS_SWAP_IN,
    [MEMSTAT_SWAPOUT] = LIBXL_MEMSTATS_SWAP_OUT,
    [MEMSTAT_MAJFLT] = LIBXL_MEMSTATS_MAJOR_FAULT,
    [MEMSTAT_MINFLT] = LIBXL_MEMSTATS_MINOR_FAULT,
    [MEMSTAT_HTLBOK] = LIBXL_MEMSTATS_HUGETLB_ALLOC,
    [MEMSTAT_HTLBFAIL] = LIBXL_MEMSTATS_HUGETLB_FAIL,
    [MEMSTAT_COMMITTED] = LIBXL_MEMSTATS_COMMITTED,
    [MEMSTAT_SUGGEST] = LIBXL_MEMSTATS_SUGGEST,
};


static void
fuzzOldKeys(const struct memstat_sample *sample)
{
    struct memstat_old_keys keys;
    libxlMemstatsGuest guest;
    const char *reason = NULL;

    if (memstat_format_old_keys(sample, &keys) < 0)
        return;
    if (libxlMemstatsParseOldAgent(keys.total, keys.free, &guest, &reason) < 0 ||
        guest.value[LIBXL_MEMSTATS_TOTAL] != sample->value[MEMSTAT_TOTAL])
        abort();                /* the old keys we wrote are refused */
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t meminfoLen = nul ? (size_t)(nul - data) : size;
    struct memstat_sample sample;
    libxlMemstatsGuest guest;
    char record[MEMSTAT_RECORD_MAX + 1];
    const char *reason = NULL;
    int len;
    size_t i;

    memstat_sample_init(&sample);
    memstat_parse_meminfo((const char *)data, meminfoLen, &sample);
    if (nul)
        memstat_parse_vmstat((const char *)nul + 1, size - meminfoLen - 1,
                             4, &sample);
    if (!memstat_sample_valid(&sample))
        return 0;

    /* The agent reports the kernel's figures as they are (MemFree above
     * MemTotal included): the host bounds them, see libxlmemstatsfuzz.c.
     * What the agent computes itself it bounds. */
    if (sample.present[MEMSTAT_SUGGEST] &&
        sample.value[MEMSTAT_SUGGEST] > sample.value[MEMSTAT_TOTAL])
        abort();                /* a suggestion above what the guest has */

    if ((len = memstat_format_record(&sample, 1700000000, record,
                                     sizeof(record))) < 0)
        abort();                /* a valid sample that does not fit */
    if (libxlMemstatsParseRecord(record, len, &guest, &reason) < 0)
        abort();                /* the host refuses what the agent wrote */
    for (i = 0; i < MEMSTAT_NFIELDS; i++) {
        if (guest.present[hostField[i]] != sample.present[i] ||
            (sample.present[i] && guest.value[hostField[i]] != sample.value[i]))
            abort();            /* a figure changed between agent and host */
    }
    fuzzOldKeys(&sample);
    return 0;
}
