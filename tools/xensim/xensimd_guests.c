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

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memstat_sample.h"
#include "xensimd_internal.h"

/* As xenmemstatd: the period when the host sets none, and the longest */
#define XENSIMD_RECORD_PERIOD_DEFAULT 10
#define XENSIMD_RECORD_PERIOD_MAX 86400

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
    } else if (strcmp(key, "memory/videoram") == 0) {
        /* KiB, as libxl writes it: the balloon leaves these pages alone */
        if (xensimd_parse_u64(value, len, &v))
            xensim_domain_set_video(&d->host, domid, v / XENSIM_PAGE_KIB);
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


/* The period the host asks for in memory/stats-period, read as the guest
 * reads it: absent, the agent's default; not a number of seconds up to a
 * day, the period it has */
static unsigned int
xensimd_record_period(xensimd *d, xensimd_guest *g)
{
    char path[64];
    char *value = NULL;
    size_t len = 0;
    unsigned long long period;
    unsigned int current = g->record_started ? g->record_period :
                           XENSIMD_RECORD_PERIOD_DEFAULT;
    int rc;

    snprintf(path, sizeof(path), "/local/domain/%u/memory/stats-period", g->domid);
    rc = xensim_xs_read(d->xs, g->domid, path, &value, &len);
    if (rc == -ENOENT)
        return XENSIMD_RECORD_PERIOD_DEFAULT;
    if (rc == 0 && memstat_parse_decimal(value, len, &period) &&
        period <= XENSIMD_RECORD_PERIOD_MAX)
        current = period;
    free(value);
    return current;
}


/* One record and the two keys older agents write, with the guest's own
 * permissions, as xenmemstatd writes them (in one transaction there; the
 * daemon's requests are atomic, so no reader sees half of them).  The
 * guest's RAM is its total; what it reports using is the rest. */
static void
xensimd_record_write(xensimd *d, xensimd_guest *g, const xensim_domain *dom)
{
    struct memstat_sample sample;
    struct memstat_old_keys old;
    char record[MEMSTAT_RECORD_MAX + 1];
    char path[64];
    uint64_t total = (dom->tot_pages + dom->paged_pages) * XENSIM_PAGE_KIB;
    uint64_t used = dom->load.reported_pages * XENSIM_PAGE_KIB;
    int len;
    int rc;

    memstat_sample_init(&sample);
    sample.value[MEMSTAT_TOTAL] = total;
    sample.value[MEMSTAT_FREE] = total > used ? total - used : 0;
    sample.value[MEMSTAT_AVAIL] = sample.value[MEMSTAT_FREE];
    sample.value[MEMSTAT_SWAPIN] = dom->load.swapin_pages * XENSIM_PAGE_KIB;
    sample.value[MEMSTAT_SWAPOUT] = dom->load.swapout_pages * XENSIM_PAGE_KIB;
    sample.present[MEMSTAT_TOTAL] = sample.present[MEMSTAT_FREE] = true;
    sample.present[MEMSTAT_AVAIL] = true;
    sample.present[MEMSTAT_SWAPIN] = sample.present[MEMSTAT_SWAPOUT] = true;

    if ((len = memstat_format_record(&sample, time(NULL), record, sizeof(record))) < 0 ||
        memstat_format_old_keys(&sample, &old) < 0)
        return;

    snprintf(path, sizeof(path), "/local/domain/%u/data/memstats", g->domid);
    rc = xensim_xs_write(d->xs, g->domid, path, record, len);
    snprintf(path, sizeof(path), "/local/domain/%u/data/meminfo_total", g->domid);
    if (rc == 0)
        rc = xensim_xs_write(d->xs, g->domid, path, old.total, strlen(old.total));
    snprintf(path, sizeof(path), "/local/domain/%u/data/meminfo_free", g->domid);
    if (rc == 0)
        rc = xensim_xs_write(d->xs, g->domid, path, old.free, strlen(old.free));

    if (rc < 0) {
        if (!g->record_failing)
            fprintf(stderr, "xensim: guest %u cannot write its statistics: %s\n",
                    g->domid, strerror(-rc));
        g->record_failing = true;
        return;
    }
    g->record_failing = false;
    g->records_written++;
}


/* The guests' agents: a guest whose workload runs a trace writes its
 * statistics every period while it runs, at once when it starts or
 * resumes from a period of 0, and a new period starts a new wait, as
 * xenmemstatd's watch on memory/stats-period makes it do */
void
xensimd_guest_records(xensimd *d, uint64_t now)
{
    size_t i;

    for (i = 0; i < d->nguests; i++) {
        xensimd_guest *g = &d->guests[i];
        const xensim_domain *dom = xensim_host_find(&d->host, g->domid);
        unsigned int period;

        if (!g->records || !dom || dom->dying || dom->paused || dom->shutdown)
            continue;
        if (!dom->load.trace) {
            g->records = false;     /* set-used ended the trace */
            continue;
        }

        period = xensimd_record_period(d, g);
        if (!g->record_started) {
            g->record_started = true;
            g->record_due_ns = now;
        } else if (period != g->record_period) {
            g->record_due_ns = g->record_period == 0 ? now :
                               now + period * 1000000000ULL;
        }
        g->record_period = period;

        if (period > 0 && now >= g->record_due_ns) {
            xensimd_record_write(d, g, dom);
            g->record_due_ns = now + period * 1000000000ULL;
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
