/*
 * memory.c: domains' memory targets and maximum on the simulated host,
 * as libxl_set_memory_target() and libxl_domain_setmaxmem() set them
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "shim.h"


/* As libxl__fill_dom0_memory_info(): dom0's memory keys are written the
 * first time a toolstack needs them, from what the hypervisor reports */
static int
shim_fill_dom0_memory(xensim_conn *c)
{
    const char *target_path = "/local/domain/0/memory/target";
    const char *max_path = "/local/domain/0/memory/static-max";
    xensim_dominfo dom0;
    uint64_t v;
    int rc;

    if ((rc = xensim_dominfo_get(c, 0, &dom0)) < 0)
        return rc;
    if (xensim_shim_xs_read_u64(c, target_path, &v) < 0 &&
        (rc = xensim_shim_xs_printf(c, target_path, "%" PRIu64, dom0.tot_pages * 4)) < 0)
        return rc;
    if (xensim_shim_xs_read_u64(c, max_path, &v) < 0 &&
        (rc = xensim_shim_xs_printf(c, max_path, "%" PRIu64, dom0.max_pages * 4)) < 0)
        return rc;
    return 0;
}


int
libxl_get_memory_target(libxl_ctx *ctx, uint32_t domid, uint64_t *out_target)
{
    xensim_conn *c = xensim_shim_conn();
    char path[64];

    (void)ctx;
    if (!c)
        return ERROR_FAIL;
    if (domid == 0 && shim_fill_dom0_memory(c) < 0)
        return ERROR_FAIL;
    snprintf(path, sizeof(path), "/local/domain/%u/memory/target", domid);
    return xensim_shim_error("libxl_get_memory_target",
                             xensim_shim_xs_read_u64(c, path, out_target));
}


/* As libxl_domain_setmaxmem(): never below the current target */
int
libxl_domain_setmaxmem(libxl_ctx *ctx, uint32_t domid, uint64_t max_memkb)
{
    xensim_conn *c = xensim_shim_conn();
    uint64_t target;
    char path[64];
    int rc;

    if (!c)
        return ERROR_FAIL;
    if ((rc = libxl_get_memory_target(ctx, domid, &target)) < 0)
        return rc;
    if (max_memkb < target) {
        xensim_shim_log("domain %u: memory_static_max must be greater than or "
                        "equal to memory_dynamic_max", domid);
        return ERROR_INVAL;
    }
    if ((rc = xensim_domain_u64_op(c, XENSIM_OP_SET_MAX, domid,
                                   (max_memkb + SHIM_MAXMEM_CONSTANT) / 4, NULL)) < 0)
        return xensim_shim_error("libxl_domain_setmaxmem", rc);
    snprintf(path, sizeof(path), "/local/domain/%u/memory/static-max", domid);
    return xensim_shim_error("libxl_domain_setmaxmem",
                             xensim_shim_xs_printf(c, path, "%" PRIu64, max_memkb));
}


/* As libxl_set_memory_target(): a target at most static-max, dom0 not
 * below 128 MiB, max memory moved with it when enforced, and the new
 * target written to memory/target for the balloon driver. */
int
libxl_set_memory_target(libxl_ctx *ctx, uint32_t domid, int64_t target_memkb,
                        int relative, int enforce)
{
    xensim_conn *c = xensim_shim_conn();
    uint64_t current, static_max, videoram = 0, new_target;
    char path[80];
    int rc;

    (void)ctx;
    if (!c)
        return ERROR_FAIL;
    if (domid == 0 && shim_fill_dom0_memory(c) < 0)
        return ERROR_FAIL;

    snprintf(path, sizeof(path), "/local/domain/%u/memory/target", domid);
    if ((rc = xensim_shim_xs_read_u64(c, path, &current)) < 0) {
        xensim_shim_log("domain %u: cannot get target memory info from %s", domid, path);
        return ERROR_FAIL;
    }
    snprintf(path, sizeof(path), "/local/domain/%u/memory/static-max", domid);
    if ((rc = xensim_shim_xs_read_u64(c, path, &static_max)) < 0) {
        xensim_shim_log("domain %u: cannot get memory info from %s", domid, path);
        return ERROR_FAIL;
    }
    snprintf(path, sizeof(path), "/local/domain/%u/memory/videoram", domid);
    xensim_shim_xs_read_u64(c, path, &videoram);

    if (relative) {
        if (target_memkb < 0 && (uint64_t)-target_memkb > current)
            new_target = 0;
        else
            new_target = current + target_memkb;
    } else {
        new_target = target_memkb - videoram;
    }
    if (new_target > static_max) {
        xensim_shim_log("domain %u: memory_dynamic_max must be less than or "
                        "equal to memory_static_max", domid);
        return ERROR_INVAL;
    }
    if (domid == 0 && new_target < SHIM_MIN_DOM0_MEM) {
        xensim_shim_log("new target %" PRIu64 " for dom0 is below the minimum threshold",
                        new_target);
        return ERROR_INVAL;
    }
    if (enforce &&
        (rc = xensim_domain_u64_op(c, XENSIM_OP_SET_MAX, domid,
                                   (new_target + videoram + SHIM_MAXMEM_CONSTANT) / 4,
                                   NULL)) < 0)
        return xensim_shim_error("libxl_set_memory_target", rc);

    snprintf(path, sizeof(path), "/local/domain/%u/memory/target", domid);
    return xensim_shim_error("libxl_set_memory_target",
                             xensim_shim_xs_printf(c, path, "%" PRIu64, new_target));
}


/* As libxl_wait_for_memory_target(): every 2 s, give up when the domain
 * makes no progress for wait_secs, fail at once if it grows. */
int
libxl_wait_for_memory_target(libxl_ctx *ctx, uint32_t domid, int wait_secs)
{
    uint64_t target = 0, current = 0, prev = UINT64_MAX;
    libxl_dominfo info;
    int rc;

    if ((rc = libxl_get_memory_target(ctx, domid, &target)) < 0)
        return rc;
    do {
        sleep(2);
        if ((rc = libxl_domain_info(ctx, &info, domid)) < 0)
            return rc;
        current = info.current_memkb + info.outstanding_memkb;
        libxl_dominfo_dispose(&info);
        if (current > prev)
            return ERROR_FAIL;
        if (current == prev)
            wait_secs -= 2;
        prev = current;
    } while (wait_secs > 0 && current > target);

    return current <= target ? 0 : ERROR_FAIL;
}
