/*
 * libxlmemstatsfuzz.c: libFuzzer target for the guest statistics parser
 *
 * Whatever a guest writes to data/memstats or the old agents' keys must
 * be refused or parsed without reading out of bounds, overflowing or
 * reporting a figure a guest could use against the host.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "libxl/libxl_memstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* The suggested target a policy gets is never above what the guest has,
 * nor above the domain's maximum when that is known, and a guest whose
 * total exceeds that maximum suggests nothing */
static void
checkSuggest(const libxlMemstatsGuest *guest, unsigned long long limitKiB)
{
    bool haveTotal = guest->present[LIBXL_MEMSTATS_TOTAL];
    unsigned long long total = guest->value[LIBXL_MEMSTATS_TOTAL];
    unsigned long long kib = 0;

    if (!libxlMemstatsSuggestKiB(guest, limitKiB, &kib))
        return;
    if (!guest->present[LIBXL_MEMSTATS_SUGGEST] ||
        (haveTotal && kib > total) ||
        (limitKiB && kib > limitKiB) ||
        kib > guest->value[LIBXL_MEMSTATS_SUGGEST])
        abort();
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    libxlMemstatsHypervisor hv = { .currentKiB = 1048576, .pagedKiB = 4096 };
    virDomainMemoryStatStruct stats[VIR_DOMAIN_MEMORY_STAT_NR];
    libxlMemstatsGuest guest;
    const char *reason = NULL;
    char *keys[2] = { NULL, NULL };
    size_t start = 0;
    size_t k = 0;
    size_t i;
    int n;

    /* the record as the guest wrote it, not NUL-terminated */
    if (libxlMemstatsParseRecord((const char *)data, size, &guest, &reason) == 0) {
        n = libxlMemstatsToTags(&hv, &guest, stats, VIR_DOMAIN_MEMORY_STAT_NR);
        for (i = 0; i < (size_t)n; i++) {
            if ((stats[i].tag == VIR_DOMAIN_MEMORY_STAT_UNUSED ||
                 stats[i].tag == VIR_DOMAIN_MEMORY_STAT_USABLE) &&
                guest.present[LIBXL_MEMSTATS_TOTAL] &&
                stats[i].val > guest.value[LIBXL_MEMSTATS_TOTAL])
                abort();        /* a guest's free memory above its total */
        }
        checkSuggest(&guest, 0);
        checkSuggest(&guest, 262144);
    } else if (!reason) {
        abort();                /* refused without saying why */
    }

    /* the same bytes split at NULs, as the two keys of the old agents */
    for (i = 0; i <= size && k < 2; i++) {
        if (i == size || data[i] == '\0') {
            keys[k] = malloc(i - start + 1);
            if (!keys[k])
                return 0;
            memcpy(keys[k], data + start, i - start);
            keys[k][i - start] = '\0';
            k++;
            start = i + 1;
        }
    }
    if (libxlMemstatsParseOldAgent(keys[0], keys[1], &guest, &reason) == 0)
        libxlMemstatsToTags(&hv, &guest, stats, VIR_DOMAIN_MEMORY_STAT_NR);
    for (i = 0; i < 2; i++)
        free(keys[i]);
    return 0;
}
