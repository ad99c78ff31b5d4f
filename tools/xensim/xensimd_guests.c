/*
 * xensimd_guests.c: the simulated guests' kernels
 *
 * A real guest reacts to the xenstore keys its toolstack writes: its
 * balloon driver to memory/target, the kernel to control/shutdown.  The
 * daemon plays that part for every simulated guest.  Nothing in the guest
 * reads memory/target-tot_pages: that is the key of xenpaging, a dom0
 * process of its own (xensim-pager here) that a host without one leaves
 * unread.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xensimd_internal.h"

xensimd_guest *
xensimd_guest_get(xensimd *d, uint32_t domid, bool create)
{
    xensimd_guest *g;
    size_t i;

    for (i = 0; i < d->nguests; i++) {
        if (d->guests[i].domid == domid)
            return &d->guests[i];
    }
    if (!create)
        return NULL;
    if (!(g = realloc(d->guests, (d->nguests + 1) * sizeof(*g))))
        return NULL;
    d->guests = g;
    g = &d->guests[d->nguests++];
    memset(g, 0, sizeof(*g));
    g->domid = domid;
    return g;
}


void
xensimd_guest_forget(xensimd *d, uint32_t domid)
{
    size_t i;

    for (i = 0; i < d->nguests; i++) {
        if (d->guests[i].domid == domid) {
            d->guests[i] = d->guests[--d->nguests];
            return;
        }
    }
}


/* Parse a decimal written into xenstore; anything else is ignored, as a
 * guest kernel ignores a target it cannot parse. */
static bool
xensimd_parse_u64(const char *s, size_t len, uint64_t *v)
{
    uint64_t r = 0;
    size_t i;

    if (!len || len > 20)
        return false;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (r > (UINT64_MAX - (s[i] - '0')) / 10)
            return false;
        r = r * 10 + (s[i] - '0');
    }
    *v = r;
    return true;
}


void
xensimd_guest_saw_write(xensimd *d, const char *path, const char *value,
                        size_t len)
{
    unsigned int domid;
    int off = 0;
    const char *key;
    uint64_t v;

    if (sscanf(path, "/local/domain/%u/%n", &domid, &off) != 1 || !off)
        return;
    key = path + off;
    if (!xensim_host_find(&d->host, domid))
        return;

    if (strcmp(key, "memory/target") == 0) {
        /* the balloon driver: KiB */
        if (xensimd_parse_u64(value, len, &v))
            xensim_domain_set_target(&d->host, domid, v / XENSIM_PAGE_KIB);
    } else if (strcmp(key, "control/shutdown") == 0 && domid != 0 && len) {
        xensimd_guest *g = xensimd_guest_get(d, domid, true);
        xensim_shutdown_reason reason;

        if (!g || (g->flags & XENSIM_GUEST_IGNORES_SHUTDOWN))
            return;
        if (len == 8 && !memcmp(value, "poweroff", 8))
            reason = XENSIM_SHUTDOWN_POWEROFF;
        else if (len == 4 && !memcmp(value, "halt", 4))
            reason = XENSIM_SHUTDOWN_POWEROFF;
        else if (len == 6 && !memcmp(value, "reboot", 6))
            reason = XENSIM_SHUTDOWN_REBOOT;
        else
            return;
        g->shutdown_reason = reason;
        g->shutdown_due_ns = xensimd_now_ns() + d->cfg.guest_shutdown_ns;
    }
}


/* A pager's connection is gone without detaching: it died attached */
void
xensimd_guest_conn_gone(xensimd *d, uint64_t conn)
{
    size_t i;

    for (i = 0; i < d->nguests; i++) {
        if (d->guests[i].pager_conn == conn) {
            d->guests[i].pager_conn = 0;
            xensim_domain_pager_lost(&d->host, d->guests[i].domid);
        }
    }
}


/* A guest acknowledges the request by clearing the key (with its own
 * permissions, as a real guest must), then shuts down. */
void
xensimd_guest_shutdowns(xensimd *d, uint64_t now)
{
    size_t i;

    for (i = 0; i < d->nguests; i++) {
        xensimd_guest *g = &d->guests[i];
        char path[64];

        if (!g->shutdown_due_ns || g->shutdown_due_ns > now)
            continue;
        g->shutdown_due_ns = 0;
        snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown",
                 g->domid);
        xensim_xs_write(d->xs, g->domid, path, "", 0);
        if (xensim_domain_shutdown(&d->host, g->domid, g->shutdown_reason) == 0)
            xensim_xs_shutdown_domain(d->xs, g->domid);
    }
}
