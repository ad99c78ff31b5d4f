/*
 * patched.c: the calls our Xen toolstack patches add to libxenlight
 * (xen-patches/, docs/xen-patches.md), on the simulated host
 *
 * Compiled against Debian's stock libxl.h this file defines nothing: the
 * preload then is a stock libxenlight.  Compiled against the patched
 * headers (scripts/libxl-patched.sh), each LIBXL_HAVE_ define brings its
 * calls, which follow what the patches make libxl do: free memory net of
 * outstanding claims (patch 2) and the balloon and paging targets
 * (patch 4).  Each call says on stderr (the daemon's) that it was made,
 * so that a test can tell the new call from the old way to the same
 * result.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

/* which calls this preload has; an empty file is not ISO C */
const char xensim_shim_patched[] =
#ifdef LIBXL_HAVE_UNCLAIMED_FREE_MEMORY
    " unclaimed-free-memory"
#endif
#ifdef LIBXL_HAVE_MEMORY_TARGETS
    " memory-targets"
#endif
#ifdef LIBXL_HAVE_CLAIM_ON_RESTORE
    " claim-on-restore"
#endif
    "";


#ifdef LIBXL_HAVE_UNCLAIMED_FREE_MEMORY
/* free plus scrub pages minus outstanding claims, never below 0 */
static int
shim_unclaimed_kb(libxl_ctx *ctx, uint64_t *kb)
{
    libxl_physinfo info;
    uint64_t free_pages;
    int rc;

    if ((rc = libxl_get_physinfo(ctx, &info)) < 0)
        return rc;
    free_pages = info.free_pages + info.scrub_pages;
    *kb = free_pages > info.outstanding_pages ?
          (free_pages - info.outstanding_pages) * 4 : 0;
    return 0;
}


int
libxl_get_unclaimed_free_memory(libxl_ctx *ctx, uint64_t *memkb)
{
    int rc = shim_unclaimed_kb(ctx, memkb);

    if (rc == 0)
        xensim_shim_log("libxl_get_unclaimed_free_memory: %" PRIu64 " KiB", *memkb);
    return rc;
}


/* checks at once, then once a second for up to wait_secs seconds */
int
libxl_wait_for_unclaimed_free_memory(libxl_ctx *ctx, uint32_t domid,
                                     uint64_t memory_kb, int wait_secs)
{
    uint64_t kb = 0;
    int rc;

    for (;;) {
        if ((rc = shim_unclaimed_kb(ctx, &kb)) < 0)
            return rc;
        if (kb >= memory_kb)
            return 0;
        if (wait_secs-- <= 0)
            break;
        sleep(1);
    }
    xensim_shim_log("domain %u: only %" PRIu64 " of %" PRIu64
                    " KiB free and unclaimed", domid, kb, memory_kb);
    return ERROR_NOMEM;
}
#endif /* LIBXL_HAVE_UNCLAIMED_FREE_MEMORY */


#ifdef LIBXL_HAVE_MEMORY_TARGETS
static int
shim_read_u64(xensim_conn *c, uint32_t domid, const char *key, uint64_t *v)
{
    char path[96];

    snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, key);
    return xensim_shim_xs_read_u64(c, path, v);
}


/* ERROR_DOMAIN_NOTFOUND for a domain that does not exist, as every
 * target call of patch 4 */
static int
shim_domain_exists(xensim_conn *c, uint32_t domid, xensim_dominfo *info)
{
    if (xensim_dominfo_get(c, domid, info) < 0)
        return ERROR_DOMAIN_NOTFOUND;
    return 0;
}


/* libxl_set_memory_target() absolute and not enforced */
int
libxl_domain_set_balloon_target(libxl_ctx *ctx, uint32_t domid,
                                uint64_t target_kb)
{
    xensim_conn *c = xensim_shim_conn();
    xensim_dominfo info;
    int rc;

    if (!c)
        return ERROR_FAIL;
    if ((rc = shim_domain_exists(c, domid, &info)) < 0)
        return rc;
    if (target_kb > INT64_MAX)
        return ERROR_INVAL;
    rc = libxl_set_memory_target(ctx, domid, (int64_t)target_kb, 0, 0);
    xensim_shim_log("libxl_domain_set_balloon_target: domain %u %" PRIu64
                    " KiB: %d", domid, target_kb, rc);
    return rc;
}


/* memory/target plus memory/videoram */
int
libxl_domain_get_balloon_target(libxl_ctx *ctx, uint32_t domid,
                                uint64_t *target_kb)
{
    xensim_conn *c = xensim_shim_conn();
    xensim_dominfo info;
    uint64_t target, videoram = 0;
    int rc;

    (void)ctx;
    if (!c)
        return ERROR_FAIL;
    if ((rc = shim_domain_exists(c, domid, &info)) < 0)
        return rc;
    if ((rc = shim_read_u64(c, domid, "memory/target", &target)) < 0)
        return xensim_shim_error("libxl_domain_get_balloon_target", rc);
    shim_read_u64(c, domid, "memory/videoram", &videoram);
    *target_kb = target + videoram;
    return 0;
}


/* memory/target-tot_pages, in KiB: HVM only, at least one page, at most
 * the domain's maximum and INT_MAX (xenpaging parses it with %d) */
int
libxl_domain_set_paging_target(libxl_ctx *ctx, uint32_t domid,
                               uint64_t target_kb)
{
    xensim_conn *c = xensim_shim_conn();
    xensim_dominfo info;
    char path[96];
    char value[32];
    int rc;

    (void)ctx;
    if (!c)
        return ERROR_FAIL;
    if ((rc = shim_domain_exists(c, domid, &info)) < 0)
        return rc;
    if (info.type != XENSIM_DOMAIN_HVM) {
        xensim_shim_log("domain %u: a paging target needs an HVM domain", domid);
        return ERROR_INVAL;
    }
    /* patch 4 bounds it by Xen's maxmem (info.max_memkb), which an
     * actor's clip may have lowered below static-max */
    if (target_kb < 4 || target_kb > info.max_pages * 4 || target_kb > INT_MAX) {
        xensim_shim_log("domain %u: paging target %" PRIu64 " KiB is not in"
                        " 4 to %" PRIu64 " KiB", domid, target_kb, info.max_pages * 4);
        return ERROR_INVAL;
    }
    snprintf(path, sizeof(path), "/local/domain/%u/memory/target-tot_pages", domid);
    snprintf(value, sizeof(value), "%" PRIu64, target_kb);
    rc = xensim_shim_error("libxl_domain_set_paging_target",
                           xensim_xs_write_value(c, path, value, strlen(value)));
    xensim_shim_log("libxl_domain_set_paging_target: domain %u %" PRIu64
                    " KiB: %d", domid, target_kb, rc);
    return rc;
}


int
libxl_domain_get_paging_target(libxl_ctx *ctx, uint32_t domid,
                               uint64_t *target_kb)
{
    xensim_conn *c = xensim_shim_conn();
    xensim_dominfo info;
    int rc;

    (void)ctx;
    if (!c)
        return ERROR_FAIL;
    if ((rc = shim_domain_exists(c, domid, &info)) < 0)
        return rc;
    if (shim_read_u64(c, domid, "memory/target-tot_pages", target_kb) < 0)
        *target_kb = LIBXL_MEMKB_DEFAULT;
    return 0;
}
#endif /* LIBXL_HAVE_MEMORY_TARGETS */
