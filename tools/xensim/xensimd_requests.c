/*
 * xensimd_requests.c: the simulated host daemon's requests
 *
 * Every request is decoded strictly (a frame that does not hold exactly
 * the fields of its operation is refused) and acts as the connection's
 * domain: only dom0 may drive the hypervisor, and xenstore requests carry
 * the caller's permissions.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xensimd_internal.h"

static void
xensimd_userdata_forget(xensimd *d, uint32_t domid)
{
    size_t i = 0;

    while (i < d->nuserdata) {
        if (d->userdata[i].domid == domid) {
            free(d->userdata[i].name);
            free(d->userdata[i].data);
            d->userdata[i] = d->userdata[--d->nuserdata];
        } else {
            i++;
        }
    }
}


static void
xensimd_put_domain(xensim_writer *w, const xensim_domain *dom)
{
    uint32_t flags = 0;

    if (dom->paused)
        flags |= XENSIM_DOMINFO_PAUSED;
    if (dom->shutdown)
        flags |= XENSIM_DOMINFO_SHUTDOWN;
    if (dom->dying)
        flags |= XENSIM_DOMINFO_DYING;

    xensim_put_u32(w, dom->domid);
    xensim_put_str(w, dom->name);
    xensim_put_bytes(w, dom->uuid, sizeof(dom->uuid));
    xensim_put_u32(w, dom->type);
    xensim_put_u32(w, dom->vcpus);
    xensim_put_u64(w, dom->tot_pages);
    xensim_put_u64(w, dom->max_pages);
    xensim_put_u64(w, dom->target_pages);
    xensim_put_u64(w, dom->outstanding_pages);
    xensim_put_u64(w, dom->paged_pages);
    xensim_put_u64(w, dom->paging_target);
    xensim_put_u64(w, dom->used_pages);
    xensim_put_u32(w, flags);
    xensim_put_u32(w, dom->shutdown_reason);
    xensim_put_u64(w, dom->cpu_time_ns);
    xensim_put_u64(w, dom->balloon.rate);
    xensim_put_u32(w, dom->pager);
    xensim_put_u64(w, dom->balloon.floor);
}


/* The host populates memory at populate_rate in all: builds running at
 * the same time share it, first come first served, as they share dom0's
 * CPUs and the memory bandwidth on a real host.  Returns how long the
 * caller must wait before the pages it got count as populated. */
static uint64_t
xensimd_populate_time(xensimd *d, uint64_t pages)
{
    uint64_t now = xensimd_now_ns();
    uint64_t start = d->populate_busy_ns > now ? d->populate_busy_ns : now;

    if (!pages || !d->host.populate_rate)
        return 0;
    d->populate_busy_ns = start + pages * 1000000000ULL / d->host.populate_rate;
    return d->populate_busy_ns - now;
}


static int
xensimd_domain_op(xensimd *d, uint32_t op, xensim_reader *r, xensim_writer *w)
{
    uint32_t domid = xensim_get_u32(r);
    uint64_t v = 0;
    uint64_t done = 0;
    int rc;

    if (op != XENSIM_OP_DOMAIN_INFO && op != XENSIM_OP_PAUSE &&
        op != XENSIM_OP_SHUTDOWN && op != XENSIM_OP_DESTROY &&
        op != XENSIM_OP_SET_GUEST_FLAGS)
        v = xensim_get_u64(r);
    else if (op != XENSIM_OP_DOMAIN_INFO && op != XENSIM_OP_DESTROY)
        v = xensim_get_u32(r);
    if (!xensim_reader_done(r))
        return -EPROTO;

    switch ((xensim_op)op) {
    case XENSIM_OP_DOMAIN_INFO: {
        xensim_domain *dom = xensim_host_find(&d->host, domid);

        if (!dom)
            return -ESRCH;
        xensimd_put_domain(w, dom);
        return 0;
    }
    case XENSIM_OP_SET_MAX:
        return xensim_domain_set_max(&d->host, domid, v);
    case XENSIM_OP_CLAIM:
        return xensim_domain_claim(&d->host, domid, v);
    case XENSIM_OP_RELEASE:
        return xensim_domain_release(&d->host, domid, v);
    case XENSIM_OP_SET_TARGET:
        return xensim_domain_set_target(&d->host, domid, v);
    case XENSIM_OP_SET_PAGING_TARGET:
        return xensim_domain_set_paging_target(&d->host, domid, v);
    case XENSIM_OP_SET_USED:
        return xensim_domain_set_used(&d->host, domid, v);
    case XENSIM_OP_SET_BALLOON_RATE:
        return xensim_domain_set_balloon(&d->host, domid, v);
    case XENSIM_OP_SET_BALLOON_FLOOR:
        return xensim_domain_set_balloon_floor(&d->host, domid, v);
    case XENSIM_OP_POPULATE:
        rc = xensim_domain_populate(&d->host, domid, v, &done);
        xensim_put_u64(w, done);
        xensim_put_u64(w, xensimd_populate_time(d, done));
        return rc;
    case XENSIM_OP_PAUSE:
        return xensim_domain_pause(&d->host, domid, v != 0);
    case XENSIM_OP_SHUTDOWN:
        if ((rc = xensim_domain_shutdown(&d->host, domid, v)) == 0)
            xensim_xs_shutdown_domain(d->xs, domid);
        return rc;
    case XENSIM_OP_DESTROY: {
        xensim_domain *dom = xensim_host_find(&d->host, domid);
        xensimd_guest *g = xensimd_guest_get(d, domid, false);

        /* a domain that dies slowly stays dying until its flag goes */
        if (dom && g && (g->flags & XENSIM_GUEST_DIES_SLOWLY)) {
            if (dom->dying)
                return 0;
            if ((rc = xensim_domain_kill(&d->host, domid)) == 0) {
                xensim_xs_release_domain(d->xs, domid);
                xensimd_console_close(d, domid);
            }
            return rc;
        }
        if (dom && dom->dying) {
            rc = xensim_domain_destroy(&d->host, domid);
        } else if ((rc = xensim_domain_destroy(&d->host, domid)) == 0) {
            xensim_xs_release_domain(d->xs, domid);
        }
        if (rc == 0) {
            xensimd_userdata_forget(d, domid);
            xensimd_guest_forget(d, domid);
            xensimd_console_close(d, domid);
        }
        return rc;
    }
    case XENSIM_OP_SET_GUEST_FLAGS: {
        xensim_domain *dom = xensim_host_find(&d->host, domid);
        xensimd_guest *g;

        if (!dom)
            return -ESRCH;
        if (!(g = xensimd_guest_get(d, domid, true)))
            return -ENOMEM;
        g->flags = v;
        rc = 0;
        /* a dying domain that may die now relinquishes its pages */
        if (dom->dying && !(v & XENSIM_GUEST_DIES_SLOWLY) &&
            (rc = xensim_domain_destroy(&d->host, domid)) == 0) {
            xensimd_userdata_forget(d, domid);
            xensimd_guest_forget(d, domid);
        }
        return rc;
    }
    default:
        return -EPROTO;
    }
}


/* The pager's attachment belongs to the connection that made it: when
 * that connection goes without detaching, its pager died attached */
static int
xensimd_pager_op(xensimd *d, xensimd_client *c, uint32_t op, xensim_reader *r)
{
    uint32_t domid = xensim_get_u32(r);
    xensim_domain *dom;
    xensimd_guest *g;
    bool was_shutdown;
    int rc;

    if (!xensim_reader_done(r))
        return -EPROTO;
    if (!(dom = xensim_host_find(&d->host, domid)))
        return -ESRCH;

    if (op == XENSIM_OP_PAGER_ATTACH) {
        if (!(g = xensimd_guest_get(d, domid, true)))
            return -ENOMEM;
        if ((rc = xensim_domain_pager_attach(&d->host, domid)) == 0)
            g->pager_conn = c->id;
        return rc;
    }

    was_shutdown = dom->shutdown;
    if ((rc = xensim_domain_pager_detach(&d->host, domid)) < 0)
        return rc;
    if ((g = xensimd_guest_get(d, domid, false)))
        g->pager_conn = 0;
    /* pages left paged out crashed the guest: tell its watchers */
    if (!was_shutdown && dom->shutdown)
        xensim_xs_shutdown_domain(d->xs, domid);
    return 0;
}


/* A trace as the wire carries it (XENSIM_TRACE_POINT_WIRE); NULL with
 * *@npoints 0 for none, NULL with *@npoints > 0 on a bad one */
static xensim_trace *
xensimd_get_trace(xensim_reader *r, uint64_t *swap_pages, uint32_t *npoints)
{
    xensim_trace *trace;
    uint32_t i;

    *swap_pages = xensim_get_u64(r);
    *npoints = xensim_get_u32(r);
    if (r->failed || !*npoints)
        return NULL;
    /* bound the allocation by what the frame holds */
    if (*npoints > XENSIM_TRACE_POINTS_MAX ||
        (r->len - r->pos) / XENSIM_TRACE_POINT_WIRE < *npoints ||
        !(trace = xensim_trace_new(*npoints))) {
        r->failed = true;
        return NULL;
    }
    for (i = 0; i < *npoints; i++) {
        trace->points[i].ms = xensim_get_u64(r);
        trace->points[i].used_pages = xensim_get_u64(r);
        trace->points[i].reported_pages = xensim_get_u64(r);
    }
    if (r->failed || xensim_trace_check(trace)) {
        free(trace);
        r->failed = true;
        return NULL;
    }
    return trace;
}


/* The guest's workload: a trace starts it and the statistics records of
 * its agent; none ends the trace, the demand staying where it is */
static int
xensimd_workload_op(xensimd *d, xensim_reader *r)
{
    uint32_t domid = xensim_get_u32(r);
    uint64_t swap;
    uint32_t n;
    xensim_trace *trace = xensimd_get_trace(r, &swap, &n);
    xensim_domain *dom;
    xensimd_guest *g;
    int rc;

    if (!xensim_reader_done(r)) {
        free(trace);
        return r->failed && n ? -EINVAL : -EPROTO;
    }
    if (!(dom = xensim_host_find(&d->host, domid)) || dom->dying) {
        free(trace);
        return -ESRCH;
    }
    if (!trace)
        return xensim_domain_set_used(&d->host, domid, dom->used_pages);

    if (!(g = xensimd_guest_get(d, domid, true))) {
        free(trace);
        return -ENOMEM;
    }
    if ((rc = xensim_domain_set_workload(&d->host, domid, trace, swap)) < 0) {
        free(trace);
        return rc;
    }
    g->records = true;
    g->record_started = false;
    g->records_written = 0;
    g->record_failing = false;
    return 0;
}


/* A preset for NAME: set, replaced whole, or cleared */
static int
xensimd_preset_op(xensimd *d, xensim_reader *r)
{
    char *name = xensim_get_str(r);
    uint32_t flags = xensim_get_u32(r);
    uint64_t rate = xensim_get_u64(r);
    uint64_t floor = xensim_get_u64(r);
    uint64_t swap;
    uint32_t n;
    xensim_trace *trace = xensimd_get_trace(r, &swap, &n);
    xensimd_preset *p = NULL;
    size_t i;

    if (!name || !xensim_reader_done(r) || !*name ||
        strlen(name) >= XENSIM_NAME_MAX ||
        (flags & ~(XENSIM_PRESET_BALLOON_RATE | XENSIM_PRESET_BALLOON_FLOOR |
                   XENSIM_PRESET_WORKLOAD | XENSIM_PRESET_CLEAR)) ||
        !(flags & XENSIM_PRESET_WORKLOAD) != !trace) {
        bool bad_trace = name && r->failed && n;

        free(name);
        free(trace);
        return bad_trace ? -EINVAL : -EPROTO;
    }

    for (i = 0; i < d->npresets; i++) {
        if (!strcmp(d->presets[i].name, name))
            p = &d->presets[i];
    }
    if (p) {
        free(p->trace);
        p->trace = NULL;
    }
    if (flags & XENSIM_PRESET_CLEAR) {
        free(name);
        free(trace);
        if (p)
            *p = d->presets[--d->npresets];
        return 0;
    }
    if (!p) {
        xensimd_preset *ps = realloc(d->presets, (d->npresets + 1) * sizeof(*ps));

        if (!ps) {
            free(name);
            free(trace);
            return -ENOMEM;
        }
        d->presets = ps;
        p = &d->presets[d->npresets++];
    }
    memset(p, 0, sizeof(*p));
    strcpy(p->name, name);
    free(name);
    p->flags = flags;
    p->balloon_rate = rate;
    p->balloon_floor = floor;
    p->swap_pages = swap;
    p->trace = trace;
    return 0;
}


/* A new domain of a preset's name gets its figures from the start */
static void
xensimd_preset_apply(xensimd *d, uint32_t domid, const char *name)
{
    xensimd_preset *p = NULL;
    xensimd_guest *g;
    xensim_trace *trace;
    size_t i;

    for (i = 0; i < d->npresets; i++) {
        if (!strcmp(d->presets[i].name, name))
            p = &d->presets[i];
    }
    if (!p)
        return;
    if (p->flags & XENSIM_PRESET_BALLOON_RATE)
        xensim_domain_set_balloon(&d->host, domid, p->balloon_rate);
    if (p->flags & XENSIM_PRESET_BALLOON_FLOOR)
        xensim_domain_set_balloon_floor(&d->host, domid, p->balloon_floor);
    if ((p->flags & XENSIM_PRESET_WORKLOAD) && p->trace &&
        (g = xensimd_guest_get(d, domid, true)) &&
        (trace = xensim_trace_copy(p->trace))) {
        if (xensim_domain_set_workload(&d->host, domid, trace, p->swap_pages) < 0) {
            free(trace);
            return;
        }
        g->records = true;
        g->record_started = false;
        g->records_written = 0;
    }
}


static void
xensimd_put_workload(xensim_writer *w, xensimd *d, const xensim_domain *dom)
{
    const xensim_workload *load = &dom->load;
    xensimd_guest *g = xensimd_guest_get(d, dom->domid, false);
    uint32_t flags = 0;

    if (load->trace)
        flags |= XENSIM_WORKLOAD_TRACE;
    if (g && g->records && load->trace)
        flags |= XENSIM_WORKLOAD_RECORDS;

    xensim_put_u32(w, dom->domid);
    xensim_put_str(w, dom->name);
    xensim_put_u32(w, flags);
    xensim_put_u64(w, load->clock_ns);
    xensim_put_u64(w, dom->used_pages);
    xensim_put_u64(w, load->reported_pages);
    xensim_put_u64(w, dom->tot_pages);
    xensim_put_u64(w, dom->paged_pages);
    xensim_put_u64(w, load->swap_pages);
    xensim_put_u64(w, load->swapped_pages);
    xensim_put_u64(w, load->swapped_peak);
    xensim_put_u64(w, load->swapin_pages);
    xensim_put_u64(w, load->swapout_pages);
    xensim_put_u64(w, load->below_need_pms);
    xensim_put_u64(w, load->oom_kills);
    xensim_put_u64(w, g ? g->records_written : 0);
}


static int
xensimd_userdata_op(xensimd *d, uint32_t op, xensim_reader *r, xensim_writer *w)
{
    uint32_t domid = xensim_get_u32(r);
    char *name = xensim_get_str(r);
    const uint8_t *data = NULL;
    size_t len = 0;
    size_t i;
    int rc = -ENOENT;

    if (op == XENSIM_OP_USERDATA_SET)
        data = xensim_get_bytes(r, &len);
    if (!name || !xensim_reader_done(r)) {
        free(name);
        return -EPROTO;
    }
    if (!xensim_host_find(&d->host, domid)) {
        free(name);
        return -ESRCH;
    }

    for (i = 0; i < d->nuserdata; i++) {
        if (d->userdata[i].domid == domid && !strcmp(d->userdata[i].name, name))
            break;
    }

    if (op == XENSIM_OP_USERDATA_GET) {
        if (i < d->nuserdata) {
            xensim_put_bytes(w, d->userdata[i].data, d->userdata[i].len);
            rc = 0;
        }
        free(name);
        return rc;
    }

    if (i == d->nuserdata) {
        xensimd_userdata *u = realloc(d->userdata, (i + 1) * sizeof(*u));

        if (!u) {
            free(name);
            return -ENOMEM;
        }
        d->userdata = u;
        memset(&u[i], 0, sizeof(u[i]));
        u[i].domid = domid;
        u[i].name = name;
        d->nuserdata++;
    } else {
        free(name);
    }
    free(d->userdata[i].data);
    d->userdata[i].data = malloc(len ? len : 1);
    d->userdata[i].len = len;
    if (!d->userdata[i].data)
        return -ENOMEM;
    if (len)
        memcpy(d->userdata[i].data, data, len);
    return 0;
}


static int
xensimd_xs_op(xensimd *d, xensimd_client *c, uint32_t op,
              xensim_reader *r, xensim_writer *w)
{
    uint64_t evconn = 0;
    char *path;
    char *token = NULL;
    const uint8_t *value = NULL;
    size_t len = 0;
    xensim_xs_perm *perms = NULL;
    unsigned int nperms = 0;
    int rc = -EPROTO;
    unsigned int i;

    if (op == XENSIM_OP_XS_WATCH || op == XENSIM_OP_XS_UNWATCH)
        evconn = xensim_get_u64(r);
    if (!(path = xensim_get_str(r)))
        return -EPROTO;

    switch ((xensim_op)op) {
    case XENSIM_OP_XS_WRITE:
        value = xensim_get_bytes(r, &len);
        break;
    case XENSIM_OP_XS_WATCH:
    case XENSIM_OP_XS_UNWATCH:
        token = xensim_get_str(r);
        break;
    case XENSIM_OP_XS_SET_PERMS:
        nperms = xensim_get_u32(r);
        if (nperms == 0 || nperms > 1024)
            goto out;
        if (!(perms = calloc(nperms, sizeof(*perms)))) {
            rc = -ENOMEM;
            goto out;
        }
        for (i = 0; i < nperms; i++) {
            perms[i].id = xensim_get_u32(r);
            perms[i].perms = xensim_get_u32(r);
        }
        break;
    default:
        break;
    }
    if (!xensim_reader_done(r))
        goto out;

    switch ((xensim_op)op) {
    case XENSIM_OP_XS_READ: {
        char *val = NULL;
        size_t vlen = 0;

        if ((rc = xensim_xs_read(d->xs, c->domid, path, &val, &vlen)) == 0)
            xensim_put_bytes(w, val, vlen);
        free(val);
        break;
    }
    case XENSIM_OP_XS_WRITE:
        rc = xensim_xs_write(d->xs, c->domid, path, value, len);
        if (rc == 0) {
            char *copy = malloc(len + 1);

            if (copy) {
                memcpy(copy, value ? (const char *)value : "", len);
                copy[len] = '\0';
                xensimd_guest_saw_write(d, path, copy, len);
                free(copy);
            }
            xensimd_console_saw_write(d, c->domid, path);
        }
        break;
    case XENSIM_OP_XS_MKDIR:
        rc = xensim_xs_mkdir(d->xs, c->domid, path);
        break;
    case XENSIM_OP_XS_RM:
        rc = xensim_xs_rm(d->xs, c->domid, path);
        break;
    case XENSIM_OP_XS_DIRECTORY: {
        char **names = NULL;
        unsigned int n = 0;

        if ((rc = xensim_xs_directory(d->xs, c->domid, path, &names, &n)) == 0) {
            xensim_put_u32(w, n);
            for (i = 0; i < n; i++)
                xensim_put_str(w, names[i]);
        }
        for (i = 0; i < n; i++)
            free(names[i]);
        free(names);
        break;
    }
    case XENSIM_OP_XS_GET_PERMS: {
        xensim_xs_perm *got = NULL;
        unsigned int n = 0;

        if ((rc = xensim_xs_get_perms(d->xs, c->domid, path, &got, &n)) == 0) {
            xensim_put_u32(w, n);
            for (i = 0; i < n; i++) {
                xensim_put_u32(w, got[i].id);
                xensim_put_u32(w, got[i].perms);
            }
        }
        free(got);
        break;
    }
    case XENSIM_OP_XS_SET_PERMS:
        rc = xensim_xs_set_perms(d->xs, c->domid, path, perms, nperms);
        break;
    case XENSIM_OP_XS_WATCH:
    case XENSIM_OP_XS_UNWATCH: {
        size_t k;
        bool mine = false;

        /* events go to a connection of the same domain only */
        for (k = 0; k < d->nclients; k++) {
            if (d->clients[k].id == evconn && d->clients[k].domid == c->domid)
                mine = true;
        }
        if (!mine) {
            rc = -EINVAL;
            break;
        }
        if (op == XENSIM_OP_XS_WATCH)
            rc = xensim_xs_watch(d->xs, evconn, c->domid, path, token);
        else
            rc = xensim_xs_unwatch(d->xs, evconn, path, token);
        break;
    }
    default:
        rc = -EPROTO;
        break;
    }

 out:
    free(path);
    free(token);
    free(perms);
    return rc;
}


int
xensimd_dispatch(xensimd *d, xensimd_client *c, xensim_reader *r,
                 xensim_writer *w)
{
    uint32_t op = xensim_get_u32(r);
    bool privileged = c->domid == 0;

    if (c->domid == XENSIMD_NOBODY && op != XENSIM_OP_HELLO)
        return -EPERM;

    switch ((xensim_op)op) {
    case XENSIM_OP_HELLO: {
        uint32_t domid = xensim_get_u32(r);

        if (!xensim_reader_done(r))
            return -EPROTO;
        /* a connection says once who it acts as, and cannot change */
        if (c->domid != XENSIMD_NOBODY || domid >= XENSIM_DOMID_FIRST_RESERVED)
            return -EINVAL;
        c->domid = domid;
        xensim_put_u64(w, c->id);
        xensim_put_u64(w, d->cfg.xs_latency_ns);
        xensim_put_u64(w, d->cfg.hc_latency_ns);
        return 0;
    }

    case XENSIM_OP_PHYSINFO:
        if (!xensim_reader_done(r))
            return -EPROTO;
        xensim_put_u64(w, d->host.total_pages);
        xensim_put_u64(w, d->host.free_pages);
        xensim_put_u64(w, d->host.outstanding_pages);
        xensim_put_u64(w, d->host.xen_pages);
        xensim_put_u32(w, d->host.nr_cpus);
        xensim_put_u64(w, d->host.cpu_khz);
        xensim_put_u64(w, d->host.populate_rate);
        xensim_put_u32(w, d->host.device_setup_ms);
        xensim_put_u32(w, d->host.paging_available ? XENSIM_PHYSINFO_PAGING : 0);
        return 0;

    case XENSIM_OP_DOMAIN_LIST: {
        size_t i;

        if (!xensim_reader_done(r))
            return -EPROTO;
        xensim_put_u32(w, d->host.ndomains);
        for (i = 0; i < d->host.ndomains; i++)
            xensimd_put_domain(w, &d->host.domains[i]);
        return 0;
    }

    case XENSIM_OP_DOMAIN_CREATE: {
        char *name = xensim_get_str(r);
        size_t ulen = 0;
        const uint8_t *uuid = xensim_get_bytes(r, &ulen);
        uint32_t type = xensim_get_u32(r);
        uint32_t vcpus = xensim_get_u32(r);
        uint32_t domid = 0;
        int rc;

        if (!name || !xensim_reader_done(r) || ulen != 16 ||
            type > XENSIM_DOMAIN_PVH || vcpus > 512) {
            free(name);
            return -EPROTO;
        }
        if (!privileged) {
            free(name);
            return -EPERM;
        }
        rc = xensim_domain_create(&d->host, name, uuid, type, vcpus, &domid);
        if (rc == 0) {
            xensimd_preset_apply(d, domid, name);
            /* xenconsoled's pty: a domain without one still runs */
            xensimd_console_open(d, domid, name, type == XENSIM_DOMAIN_HVM);
            xensim_xs_introduce_domain(d->xs, domid);
            xensim_put_u32(w, domid);
        }
        free(name);
        return rc;
    }

    case XENSIM_OP_DOMAIN_INFO:
        return xensimd_domain_op(d, op, r, w);

    case XENSIM_OP_SET_MAX:
    case XENSIM_OP_CLAIM:
    case XENSIM_OP_RELEASE:
    case XENSIM_OP_SET_TARGET:
    case XENSIM_OP_SET_PAGING_TARGET:
    case XENSIM_OP_SET_USED:
    case XENSIM_OP_SET_BALLOON_RATE:
    case XENSIM_OP_SET_BALLOON_FLOOR:
    case XENSIM_OP_POPULATE:
    case XENSIM_OP_PAUSE:
    case XENSIM_OP_SHUTDOWN:
    case XENSIM_OP_DESTROY:
    case XENSIM_OP_SET_GUEST_FLAGS:
        if (!privileged)
            return -EPERM;
        return xensimd_domain_op(d, op, r, w);

    case XENSIM_OP_FAULT_NEXT:
        d->host.fault_next_populate_at = xensim_get_u64(r);
        if (!xensim_reader_done(r))
            return -EPROTO;
        return privileged ? 0 : -EPERM;

    case XENSIM_OP_USERDATA_SET:
    case XENSIM_OP_USERDATA_GET:
        if (!privileged)
            return -EPERM;
        return xensimd_userdata_op(d, op, r, w);

    case XENSIM_OP_XS_READ:
    case XENSIM_OP_XS_WRITE:
    case XENSIM_OP_XS_MKDIR:
    case XENSIM_OP_XS_RM:
    case XENSIM_OP_XS_DIRECTORY:
    case XENSIM_OP_XS_GET_PERMS:
    case XENSIM_OP_XS_SET_PERMS:
    case XENSIM_OP_XS_WATCH:
    case XENSIM_OP_XS_UNWATCH:
        return xensimd_xs_op(d, c, op, r, w);

    case XENSIM_OP_HOST_STOP:
        if (!privileged)
            return -EPERM;
        d->stop = true;
        return 0;

    case XENSIM_OP_PAGER_ATTACH:
    case XENSIM_OP_PAGER_DETACH:
        if (!privileged)
            return -EPERM;
        return xensimd_pager_op(d, c, op, r);

    case XENSIM_OP_WORKLOAD:
        if (!privileged)
            return -EPERM;
        return xensimd_workload_op(d, r);

    case XENSIM_OP_PRESET:
        if (!privileged)
            return -EPERM;
        return xensimd_preset_op(d, r);

    case XENSIM_OP_WORKLOAD_STATS: {
        size_t i;

        if (!xensim_reader_done(r))
            return -EPROTO;
        if (!privileged)
            return -EPERM;
        xensim_put_u32(w, d->host.ndomains);
        for (i = 0; i < d->host.ndomains; i++)
            xensimd_put_workload(w, d, &d->host.domains[i]);
        return 0;
    }

    case XENSIM_OP_FAULT_CALL:
        if (!privileged)
            return -EPERM;
        return xensimd_fault_op(d, r, w);

    case XENSIM_OP_EVENT:
    case XENSIM_OP_LAST:
        break;
    }
    return -EPROTO;
}
