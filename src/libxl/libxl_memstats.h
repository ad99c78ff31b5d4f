/*
 * libxl_memstats.h: guest memory statistics from guest-written xenstore keys
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * This library is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Lesser General Public License for more details.
 *
 * You should have received a copy of the GNU Lesser General Public
 * License along with this library.  If not, see
 * <http://www.gnu.org/licenses/>.
 */

#pragma once

#include "internal.h"

/* The key our guest agent writes, under the guest's data/ directory, which
 * libxl__domain_make() makes writable by the guest alone */
#define LIBXL_MEMSTATS_KEY "data/memstats"
/* Keys the existing agents (xe-guest-utilities, xen-guest-agent) write */
#define LIBXL_MEMSTATS_OLD_TOTAL_KEY "data/meminfo_total"
#define LIBXL_MEMSTATS_OLD_FREE_KEY "data/meminfo_free"

/* Longest record accepted: well under xenstored's 2048-byte node quota */
#define LIBXL_MEMSTATS_RECORD_MAX 1024

typedef enum {
    LIBXL_MEMSTATS_TOTAL = 0,   /* MemTotal, KiB */
    LIBXL_MEMSTATS_FREE,        /* MemFree, KiB */
    LIBXL_MEMSTATS_AVAILABLE,   /* MemAvailable, KiB */
    LIBXL_MEMSTATS_CACHES,      /* Buffers + Cached, KiB */
    LIBXL_MEMSTATS_SWAP_IN,     /* swapped in since boot, KiB */
    LIBXL_MEMSTATS_SWAP_OUT,    /* swapped out since boot, KiB */
    LIBXL_MEMSTATS_MAJOR_FAULT, /* major faults since boot */
    LIBXL_MEMSTATS_MINOR_FAULT, /* minor faults since boot */
    LIBXL_MEMSTATS_HUGETLB_ALLOC,
    LIBXL_MEMSTATS_HUGETLB_FAIL,
    LIBXL_MEMSTATS_GUEST_TIME,  /* the guest's clock at its write, seconds since
                                 * the epoch: informational only, as the guest
                                 * sets it */
    /* Mapped to no virDomainMemoryStats tag; for the memory policy */
    LIBXL_MEMSTATS_COMMITTED,   /* Committed_AS, KiB: what the guest's
                                 * processes could touch */
    LIBXL_MEMSTATS_SUGGEST,     /* the target the guest suggests for itself,
                                 * KiB: see libxlMemstatsSuggestKiB() */

    LIBXL_MEMSTATS_LAST
} libxlMemstatsField;

/* What one guest says about itself */
typedef struct _libxlMemstatsGuest libxlMemstatsGuest;
struct _libxlMemstatsGuest {
    unsigned long long value[LIBXL_MEMSTATS_LAST];
    bool present[LIBXL_MEMSTATS_LAST];
    /* dom0's clock when it read what the guest wrote, seconds since the
     * epoch, 0 if unknown: the LAST_UPDATE a guest cannot forge */
    unsigned long long seen;
};

/* What the hypervisor says about the guest, in KiB */
typedef struct _libxlMemstatsHypervisor libxlMemstatsHypervisor;
struct _libxlMemstatsHypervisor {
    unsigned long long currentKiB;  /* pages the domain owns */
    unsigned long long pagedKiB;    /* of which paged out */
    unsigned long long maxKiB;      /* configured maximum: AVAILABLE when the
                                     * guest says nothing, as before */
    unsigned long long limitKiB;    /* the domain's maximum memory, which no
                                     * guest figure can exceed; 0 if unknown */
};

int
libxlMemstatsParseRecord(const char *value,
                         size_t len,
                         libxlMemstatsGuest *guest,
                         const char **reason);

int
libxlMemstatsParseOldAgent(const char *totalStr,
                           const char *freeStr,
                           libxlMemstatsGuest *guest,
                           const char **reason);

int
libxlMemstatsToTags(const libxlMemstatsHypervisor *hv,
                    const libxlMemstatsGuest *guest,
                    virDomainMemoryStatPtr stats,
                    unsigned int nr_stats);

bool
libxlMemstatsSuggestKiB(const libxlMemstatsGuest *guest,
                        unsigned long long limitKiB,
                        unsigned long long *kib);

/* The key dom0 writes, under the guest's memory/ directory (readable by the
 * guest, writable by dom0 alone), to tell the agent how often to write, in
 * seconds; 0 stops it; absent leaves the agent's own default */
#define LIBXL_MEMSTATS_PERIOD_KEY "memory/stats-period"
/* Longest period accepted, as the agent accepts it: one day */
#define LIBXL_MEMSTATS_PERIOD_MAX 86400
