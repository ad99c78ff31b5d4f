/*
 * xensim_model.c: memory model of a simulated Xen host
 *
 * The rules follow Xen 4.17's page allocator (xen/common/page_alloc.c);
 * each function names the hypervisor function whose behaviour it mirrors.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xensim_model.h"

#define NS_PER_SEC 1000000000ULL

/* What Xen keeps for itself: its frame table, 32 bytes of struct page_info
 * per 4 KiB page (1/128 of memory), and about 7 MiB of image and heap.
 * Calibrated on Xen 4.17 under QEMU (docs/real-xen.md): 23 MiB of a 2 GiB
 * host, which leaves 1512 MiB free with dom0 at 512 MiB, as xl info says. */
uint64_t
xensim_host_xen_pages(uint64_t total_pages)
{
    return total_pages / 128 + XENSIM_KIB_TO_PAGES(7ULL << 10);
}


void
xensim_host_config_default(xensim_host_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->total_pages = XENSIM_KIB_TO_PAGES(16ULL << 20);     /* 16 GiB */
    cfg->dom0_pages = XENSIM_KIB_TO_PAGES(2ULL << 20);       /* 2 GiB */
    cfg->dom0_floor_pages = XENSIM_KIB_TO_PAGES(512ULL << 10);
    cfg->xen_pages = xensim_host_xen_pages(cfg->total_pages);
    cfg->nr_cpus = 4;
    cfg->cpu_khz = 2400000;
    /* 1 GiB/s: see docs/xensim.md for where the rates come from */
    cfg->populate_rate = XENSIM_KIB_TO_PAGES(1ULL << 20);
    cfg->balloon_rate = XENSIM_KIB_TO_PAGES(512ULL << 10);
    cfg->paging_rate = XENSIM_KIB_TO_PAGES(64ULL << 10);
}


int
xensim_host_init(xensim_host *host, const xensim_host_config *cfg)
{
    xensim_domain *dom0;

    memset(host, 0, sizeof(*host));

    if (cfg->xen_pages + cfg->dom0_pages > cfg->total_pages ||
        cfg->dom0_floor_pages > cfg->dom0_pages)
        return -EINVAL;

    host->total_pages = cfg->total_pages;
    host->xen_pages = cfg->xen_pages;
    host->free_pages = cfg->total_pages - cfg->xen_pages - cfg->dom0_pages;
    host->nr_cpus = cfg->nr_cpus;
    host->cpu_khz = cfg->cpu_khz;
    host->populate_rate = cfg->populate_rate;
    host->paging_rate = cfg->paging_rate;
    host->paging_available = cfg->paging;
    host->device_setup_ms = cfg->device_setup_ms;
    host->dom0_balloon.rate = cfg->balloon_rate;
    host->dom0_balloon.floor = cfg->dom0_floor_pages;

    if (!(host->domains = calloc(1, sizeof(*host->domains))))
        return -ENOMEM;
    host->ndomains = 1;
    host->next_domid = 1;

    dom0 = &host->domains[0];
    dom0->domid = 0;
    strcpy(dom0->name, "Domain-0");
    dom0->type = XENSIM_DOMAIN_PV;
    dom0->vcpus = cfg->nr_cpus;
    dom0->tot_pages = cfg->dom0_pages;
    dom0->max_pages = cfg->dom0_pages;
    dom0->target_pages = cfg->dom0_pages;
    dom0->balloon = host->dom0_balloon;
    return 0;
}


void
xensim_host_clear(xensim_host *host)
{
    size_t i;

    for (i = 0; i < host->ndomains; i++)
        free(host->domains[i].load.trace);
    free(host->domains);
    memset(host, 0, sizeof(*host));
}


xensim_domain *
xensim_host_find(xensim_host *host, uint32_t domid)
{
    size_t lo = 0, hi = host->ndomains;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (host->domains[mid].domid == domid)
            return &host->domains[mid];
        if (host->domains[mid].domid < domid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}


xensim_domain *
xensim_host_find_name(xensim_host *host, const char *name)
{
    size_t i;

    /* a dying domain's name is free again: libxl finds names in xenstore,
     * which a dying domain has left */
    for (i = 0; i < host->ndomains; i++) {
        if (!host->domains[i].dying && strcmp(host->domains[i].name, name) == 0)
            return &host->domains[i];
    }
    return NULL;
}


/* Domain ids are handed out increasing and wrap below DOMID_FIRST_RESERVED
 * (0x7FF0), as Xen's domain_create() does when the toolstack lets it pick. */
static uint32_t
xensim_host_pick_domid(xensim_host *host)
{
    uint32_t tries;

    for (tries = 0; tries < 0x7FF0; tries++) {
        uint32_t domid = host->next_domid;

        host->next_domid = domid + 1 >= 0x7FF0 ? 1 : domid + 1;
        if (!xensim_host_find(host, domid))
            return domid;
    }
    return 0;
}


int
xensim_domain_create(xensim_host *host, const char *name,
                     const uint8_t uuid[16], xensim_domain_type type,
                     unsigned int vcpus, uint32_t *domid)
{
    xensim_domain *doms;
    xensim_domain *dom;
    uint32_t id;
    size_t pos;

    if (!name || !*name || strlen(name) >= XENSIM_NAME_MAX)
        return -EINVAL;
    if (xensim_host_find_name(host, name))
        return -EEXIST;
    if (!(id = xensim_host_pick_domid(host)))
        return -ENOSPC;

    if (!(doms = realloc(host->domains, (host->ndomains + 1) * sizeof(*doms))))
        return -ENOMEM;
    host->domains = doms;

    for (pos = host->ndomains; pos > 0 && doms[pos - 1].domid > id; pos--)
        ;
    memmove(&doms[pos + 1], &doms[pos], (host->ndomains - pos) * sizeof(*doms));
    host->ndomains++;

    dom = &doms[pos];
    memset(dom, 0, sizeof(*dom));
    dom->domid = id;
    strcpy(dom->name, name);
    if (uuid)
        memcpy(dom->uuid, uuid, sizeof(dom->uuid));
    dom->type = type;
    dom->vcpus = vcpus ? vcpus : 1;
    dom->paused = true;         /* a new domain is paused until unpaused */
    dom->balloon.rate = host->dom0_balloon.rate;
    dom->fail_populate_at = host->fault_next_populate_at;
    host->fault_next_populate_at = 0;

    *domid = id;
    return 0;
}


int
xensim_domain_set_max(xensim_host *host, uint32_t domid, uint64_t pages)
{
    xensim_domain *dom = xensim_host_find(host, domid);

    if (!dom)
        return -ESRCH;
    dom->max_pages = pages;
    return 0;
}


/* As Xen's domain_set_outstanding_pages(): one claim per domain, staked
 * atomically against free memory minus every other claim, for the pages
 * the domain does not own yet; claiming 0 cancels. */
int
xensim_domain_claim(xensim_host *host, uint32_t domid, uint64_t pages)
{
    xensim_domain *dom = xensim_host_find(host, domid);
    uint64_t claim;

    if (!dom)
        return -ESRCH;

    if (pages == 0) {
        host->outstanding_pages -= dom->outstanding_pages;
        dom->outstanding_pages = 0;
        return 0;
    }

    if (dom->outstanding_pages)
        return -EINVAL;

    if (pages <= dom->tot_pages || pages > dom->max_pages)
        return -EINVAL;

    claim = pages - dom->tot_pages;
    if (claim > host->free_pages - host->outstanding_pages)
        return -ENOMEM;

    dom->outstanding_pages = claim;
    host->outstanding_pages += claim;
    return 0;
}


/* As Xen's domain_adjust_tot_pages(): pages a domain gains come out of its
 * claim first; pages it gives back while it still holds a claim grow the
 * claim by as much. */
static void
xensim_domain_adjust(xensim_host *host, xensim_domain *dom, int64_t delta)
{
    uint64_t before = dom->outstanding_pages;
    uint64_t after;

    dom->tot_pages += delta;
    if (!before)
        return;

    if (delta >= 0)
        after = (uint64_t)delta >= before ? 0 : before - delta;
    else
        after = before + (uint64_t)-delta;

    dom->outstanding_pages = after;
    host->outstanding_pages = host->outstanding_pages - before + after;
}


/* As Xen's alloc_heap_pages(): memory that others have claimed is not
 * available unless the domain's own claim covers the whole request. */
static bool
xensim_host_may_allocate(const xensim_host *host, const xensim_domain *dom,
                         uint64_t pages)
{
    if (pages > host->free_pages)
        return false;
    if (host->outstanding_pages + pages > host->free_pages &&
        dom->outstanding_pages < pages)
        return false;
    return true;
}


/* populate_physmap: allocate @pages one 2 MiB extent (512 pages) at a time,
 * stopping at the first extent that fails, as the hypercall does. */
int
xensim_domain_populate(xensim_host *host, uint32_t domid,
                       uint64_t pages, uint64_t *done)
{
    xensim_domain *dom = xensim_host_find(host, domid);
    const uint64_t extent = 512;

    *done = 0;
    if (!dom)
        return -ESRCH;

    while (*done < pages) {
        uint64_t n = pages - *done < extent ? pages - *done : extent;

        /* As assign_pages(): never beyond max_pages */
        if (n > dom->max_pages - (dom->tot_pages < dom->max_pages ?
                                  dom->tot_pages : dom->max_pages))
            return -E2BIG;
        if (dom->fail_populate_at &&
            dom->tot_pages + n > dom->fail_populate_at)
            return -ENOMEM;
        if (!xensim_host_may_allocate(host, dom, n))
            return -ENOMEM;

        host->free_pages -= n;
        xensim_domain_adjust(host, dom, n);
        *done += n;
    }
    return 0;
}


/* decrease_reservation: the domain hands pages back to the hypervisor */
int
xensim_domain_release(xensim_host *host, uint32_t domid, uint64_t pages)
{
    xensim_domain *dom = xensim_host_find(host, domid);

    if (!dom)
        return -ESRCH;
    if (pages > dom->tot_pages)
        return -EINVAL;

    host->free_pages += pages;
    xensim_domain_adjust(host, dom, -(int64_t)pages);
    return 0;
}


/* libxl__build_post() writes memory/videoram; the device model has
 * populated it by then */
int
xensim_domain_set_video(xensim_host *host, uint32_t domid, uint64_t pages)
{
    xensim_domain *dom = xensim_host_find(host, domid);

    if (!dom)
        return -ESRCH;
    dom->video_pages = pages;
    return 0;
}


int
xensim_domain_set_target(xensim_host *host, uint32_t domid, uint64_t pages)
{
    xensim_domain *dom = xensim_host_find(host, domid);

    if (!dom)
        return -ESRCH;
    dom->target_pages = pages;
    return 0;
}


/* As vm_event_domctl()'s XEN_VM_EVENT_ENABLE for paging, in its order:
 * EINVAL for the caller's own domain (dom0); ENOSYS from a hypervisor
 * built without CONFIG_MEM_PAGING, whatever the domain; ENODEV without
 * HAP (a PV domain; the model pages HVM domains only); EBUSY from
 * vm_event_enable() while the domain's ring exists, which it does until
 * a pager disables it, even after that pager died ("xenpaging is (or
 * was) active on this domain").  Xen ignores the request for a dying
 * domain and answers 0; the model says ESRCH, which is what the pager
 * finds out next anyway. */
int
xensim_domain_pager_attach(xensim_host *host, uint32_t domid)
{
    xensim_domain *dom = xensim_host_find(host, domid);

    if (!dom)
        return -ESRCH;
    if (domid == 0)
        return -EINVAL;
    if (dom->dying)
        return -ESRCH;
    if (!host->paging_available)
        return -ENOSYS;
    if (dom->type != XENSIM_DOMAIN_HVM)
        return -ENODEV;
    if (dom->pager != XENSIM_PAGER_NONE)
        return -EBUSY;
    dom->pager = XENSIM_PAGER_ATTACHED;
    dom->paging_target = 0;
    dom->paging_credit_ns = 0;
    return 0;
}


/* The pager's own target (xenpaging keeps it, read from
 * memory/target-tot_pages): only an attached pager has one */
int
xensim_domain_set_paging_target(xensim_host *host, uint32_t domid,
                                uint64_t pages)
{
    xensim_domain *dom = xensim_host_find(host, domid);

    if (!dom)
        return -ESRCH;
    if (dom->pager != XENSIM_PAGER_ATTACHED)
        return -ENXIO;
    dom->paging_target = pages;
    return 0;
}


/* XEN_VM_EVENT_DISABLE: the ring goes.  Pages still paged out then have
 * nobody to bring them back: the guest's next touch of one crashes it
 * (p2m_mem_paging_populate() finds no ring and calls domain_crash()),
 * which the model does at once. */
int
xensim_domain_pager_detach(xensim_host *host, uint32_t domid)
{
    xensim_domain *dom = xensim_host_find(host, domid);

    if (!dom)
        return -ESRCH;
    if (dom->pager == XENSIM_PAGER_NONE)
        return -ENOENT;
    dom->pager = XENSIM_PAGER_NONE;
    dom->paging_target = 0;
    dom->paging_credit_ns = 0;
    if (dom->paged_pages && !dom->shutdown) {
        dom->shutdown = true;
        dom->shutdown_reason = XENSIM_SHUTDOWN_CRASH;
    }
    return 0;
}


/* The pager's process is gone without disabling the ring: nothing pages
 * any more, pages paged out stay out, and the ring blocks another pager */
int
xensim_domain_pager_lost(xensim_host *host, uint32_t domid)
{
    xensim_domain *dom = xensim_host_find(host, domid);

    if (!dom)
        return -ESRCH;
    if (dom->pager != XENSIM_PAGER_ATTACHED)
        return -ENOENT;
    dom->pager = XENSIM_PAGER_LOST;
    dom->paging_credit_ns = 0;
    return 0;
}


int
xensim_domain_set_used(xensim_host *host, uint32_t domid, uint64_t pages)
{
    xensim_domain *dom = xensim_host_find(host, domid);

    if (!dom)
        return -ESRCH;
    free(dom->load.trace);
    dom->load.trace = NULL;
    dom->load.oom_offset = 0;
    dom->used_pages = pages;
    dom->load.reported_pages = pages;
    return 0;
}


static uint64_t
xensim_sat_sub(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}


/* The trace's figures at its clock, less what the OOM killer took */
static void
xensim_workload_follow(xensim_domain *dom)
{
    uint64_t used, reported;

    xensim_trace_at(dom->load.trace, dom->load.clock_ns, &used, &reported);
    dom->used_pages = xensim_sat_sub(used, dom->load.oom_offset);
    dom->load.reported_pages = xensim_sat_sub(reported, dom->load.oom_offset);
}


int
xensim_domain_set_workload(xensim_host *host, uint32_t domid,
                           xensim_trace *trace, uint64_t swap_pages)
{
    xensim_domain *dom = xensim_host_find(host, domid);
    xensim_workload *w;

    if (!dom)
        return -ESRCH;
    if (!trace || xensim_trace_check(trace) || swap_pages > XENSIM_TRACE_PAGES_MAX)
        return -EINVAL;

    w = &dom->load;
    free(w->trace);
    memset(w, 0, sizeof(*w));
    w->trace = trace;
    w->swap_pages = swap_pages;
    xensim_workload_follow(dom);
    return 0;
}


int
xensim_domain_set_balloon(xensim_host *host, uint32_t domid, uint64_t rate)
{
    xensim_domain *dom = xensim_host_find(host, domid);

    if (!dom)
        return -ESRCH;
    dom->balloon.rate = rate;
    dom->balloon.credit_ns = 0;
    return 0;
}


/* A partly stuck balloon driver: it inflates down to @pages and no
 * further, as a guest's does when its kernel can free no more (pinned,
 * unmovable or driver memory) */
int
xensim_domain_set_balloon_floor(xensim_host *host, uint32_t domid,
                                uint64_t pages)
{
    xensim_domain *dom = xensim_host_find(host, domid);

    if (!dom)
        return -ESRCH;
    dom->balloon.floor = pages;
    return 0;
}


int
xensim_domain_pause(xensim_host *host, uint32_t domid, bool paused)
{
    xensim_domain *dom = xensim_host_find(host, domid);

    if (!dom)
        return -ESRCH;
    if (domid == 0)
        return -EINVAL;
    dom->paused = paused;
    return 0;
}


int
xensim_domain_shutdown(xensim_host *host, uint32_t domid,
                       xensim_shutdown_reason reason)
{
    xensim_domain *dom = xensim_host_find(host, domid);

    if (!dom)
        return -ESRCH;
    if (domid == 0)
        return -EINVAL;
    dom->shutdown = true;
    dom->shutdown_reason = reason;
    return 0;
}


/* A dead domain gives every page back and its claim is released
 * (domain_relinquish_resources() and domain_destroy()). */
int
xensim_domain_destroy(xensim_host *host, uint32_t domid)
{
    xensim_domain *dom = xensim_host_find(host, domid);
    size_t pos;

    if (!dom)
        return -ESRCH;
    if (domid == 0)
        return -EPERM;

    host->outstanding_pages -= dom->outstanding_pages;
    host->free_pages += dom->tot_pages;
    free(dom->load.trace);

    pos = dom - host->domains;
    memmove(dom, dom + 1, (host->ndomains - pos - 1) * sizeof(*dom));
    host->ndomains--;
    return 0;
}


/* The first half of a destroy (domain_kill()): the domain is dying, its
 * claim released, but its pages stay with it until its resources are
 * relinquished; the hypervisor still lists it, with its UUID. */
int
xensim_domain_kill(xensim_host *host, uint32_t domid)
{
    xensim_domain *dom = xensim_host_find(host, domid);

    if (!dom)
        return -ESRCH;
    if (domid == 0)
        return -EPERM;
    host->outstanding_pages -= dom->outstanding_pages;
    dom->outstanding_pages = 0;
    dom->dying = true;
    dom->paused = true;
    return 0;
}


/* How many whole pages @rate pages/s moves in @ns, keeping the rest of
 * the time as credit so slow rates still make progress. */
static uint64_t
xensim_rate_pages(uint64_t rate, uint64_t ns, uint64_t *credit_ns)
{
    uint64_t total_ns;
    uint64_t pages;

    if (!rate) {
        *credit_ns = 0;
        return 0;
    }
    total_ns = *credit_ns + ns;
    pages = (total_ns / NS_PER_SEC) * rate +
            (total_ns % NS_PER_SEC) * rate / NS_PER_SEC;
    *credit_ns = total_ns - (pages * NS_PER_SEC) / rate;
    if (*credit_ns > NS_PER_SEC)
        *credit_ns = NS_PER_SEC;    /* a long idle gap is not banked */
    return pages;
}


/* How many pages a domain that asks for them one at a time (a balloon
 * driver, the pager) gets: first its own claim, then unclaimed memory. */
static uint64_t
xensim_host_allocatable(const xensim_host *host, const xensim_domain *dom)
{
    return host->free_pages - host->outstanding_pages + dom->outstanding_pages;
}


/* The balloon driver sees the guest's whole reservation: pages the pager
 * has taken out are still the guest's, so they count toward the target.
 * It inflates below what the guest uses as long as the guest can swap
 * the difference out: Linux's driver allocates with __GFP_NORETRY, so
 * reclaim (swapping) makes room until swap is full, then its allocations
 * fail and it waits.  Without swap, what the guest uses is its floor. */
static void
xensim_domain_balloon_step(xensim_host *host, xensim_domain *dom, uint64_t ns)
{
    uint64_t need = xensim_sat_sub(dom->used_pages, dom->load.swap_pages);
    uint64_t floor = dom->balloon.floor > need ? dom->balloon.floor : need;
    /* libxl takes the video RAM off memory/target: the balloon aims at
     * the rest of the domain's pages */
    uint64_t current = xensim_sat_sub(dom->tot_pages + dom->paged_pages,
                                      dom->video_pages);
    uint64_t budget;
    uint64_t n;

    /* A paused or dead guest's balloon driver does not run */
    if ((dom->paused && dom->domid != 0) || dom->shutdown ||
        current == dom->target_pages) {
        dom->balloon.credit_ns = 0;
        return;
    }

    budget = xensim_rate_pages(dom->balloon.rate, ns, &dom->balloon.credit_ns);

    if (current > dom->target_pages) {
        uint64_t low = dom->target_pages > floor ? dom->target_pages : floor;

        if (current <= low)
            return;
        n = current - low;
        if (n > budget)
            n = budget;
        if (n > xensim_sat_sub(dom->tot_pages, dom->video_pages))
            n = xensim_sat_sub(dom->tot_pages, dom->video_pages);
        host->free_pages += n;
        xensim_domain_adjust(host, dom, -(int64_t)n);
    } else {
        uint64_t held = dom->tot_pages + dom->paged_pages;
        uint64_t room = dom->max_pages > held ? dom->max_pages - held : 0;

        n = dom->target_pages - current;
        if (n > budget)
            n = budget;
        if (n > room)
            n = room;
        if (n > xensim_host_allocatable(host, dom))
            n = xensim_host_allocatable(host, dom);
        if (!n)
            return;
        host->free_pages -= n;
        xensim_domain_adjust(host, dom, n);
    }
}


static void
xensim_domain_paging_step(xensim_host *host, xensim_domain *dom, uint64_t ns)
{
    uint64_t budget;

    /* only a pager that runs moves pages, either way */
    if (dom->pager != XENSIM_PAGER_ATTACHED || dom->shutdown ||
        (!dom->paging_target && !dom->paged_pages)) {
        dom->paging_credit_ns = 0;
        return;
    }

    budget = xensim_rate_pages(host->paging_rate, ns, &dom->paging_credit_ns);

    if (dom->paging_target && dom->tot_pages > dom->paging_target) {
        uint64_t n = dom->tot_pages - dom->paging_target;

        if (n > budget)
            n = budget;
        dom->paged_pages += n;
        host->free_pages += n;
        xensim_domain_adjust(host, dom, -(int64_t)n);
    } else if (dom->paged_pages &&
               (!dom->paging_target || dom->tot_pages < dom->paging_target)) {
        uint64_t n = dom->paged_pages;

        if (dom->paging_target && n > dom->paging_target - dom->tot_pages)
            n = dom->paging_target - dom->tot_pages;
        if (n > budget)
            n = budget;
        if (n > xensim_host_allocatable(host, dom))
            n = xensim_host_allocatable(host, dom);
        if (!n)
            return;
        dom->paged_pages -= n;
        host->free_pages -= n;
        xensim_domain_adjust(host, dom, n);
    }
}


/* After a step of @ns of a running guest that began @short_before pages
 * short of its need: the OOM killer, swap, and the time below need */
static void
xensim_workload_account(xensim_domain *dom, uint64_t short_before, uint64_t ns)
{
    xensim_workload *w = &dom->load;
    uint64_t ram = dom->tot_pages + dom->paged_pages;
    uint64_t swapped;
    unsigned __int128 acc;

    /* More than RAM and swap hold: the OOM killer ends what asked, and
     * with it goes what it held, in RAM and in swap */
    if (dom->used_pages > ram + w->swap_pages) {
        uint64_t killed = dom->used_pages - ram;

        w->oom_kills++;
        if (w->trace) {
            w->oom_offset += killed;
            w->reported_pages = xensim_sat_sub(w->reported_pages, killed);
        } else {
            w->reported_pages = ram;
        }
        dom->used_pages = ram;
        w->swapped_pages = 0;
    }

    swapped = xensim_sat_sub(dom->used_pages, ram);
    if (swapped > w->swap_pages)
        swapped = w->swap_pages;
    if (swapped > w->swapped_pages)
        w->swapout_pages += swapped - w->swapped_pages;
    else
        w->swapin_pages += w->swapped_pages - swapped;
    w->swapped_pages = swapped;
    if (swapped > w->swapped_peak)
        w->swapped_peak = swapped;

    /* trapezoids of the shortfall, in half page-nanoseconds */
    acc = (unsigned __int128)(short_before +
                              xensim_sat_sub(dom->used_pages, dom->tot_pages)) * ns +
          w->below_need_rem;
    w->below_need_pms += (uint64_t)(acc / (2 * 1000000));
    w->below_need_rem = (uint64_t)(acc % (2 * 1000000));
}


static void
xensim_domain_step(xensim_host *host, xensim_domain *dom, uint64_t ns)
{
    bool running = !dom->paused && !dom->shutdown;
    uint64_t short_before = xensim_sat_sub(dom->used_pages, dom->tot_pages);

    /* a guest's programs move on only while it runs */
    if (running && dom->load.trace) {
        dom->load.clock_ns += ns;
        xensim_workload_follow(dom);
    }
    xensim_domain_balloon_step(host, dom, ns);
    xensim_domain_paging_step(host, dom, ns);
    if (running)
        xensim_workload_account(dom, short_before, ns);
}


void
xensim_host_advance(xensim_host *host, uint64_t ns)
{
    size_t i;

    for (i = 0; i < host->ndomains; i++) {
        xensim_domain *dom = &host->domains[i];
        uint64_t left = ns;

        if (dom->dying)
            continue;
        if (!dom->paused && !dom->shutdown)
            dom->cpu_time_ns += ns / 100 * dom->vcpus;  /* 1 % busy */

        /* a trace moves the guest's demand within the step, and what the
         * balloon and the OOM killer do depends on it: small steps */
        do {
            uint64_t step = left;

            if (dom->load.trace && step > XENSIM_WORKLOAD_STEP_NS)
                step = XENSIM_WORKLOAD_STEP_NS;
            xensim_domain_step(host, dom, step);
            left -= step;
        } while (left);
    }
}


const char *
xensim_host_check(const xensim_host *host)
{
    uint64_t owned = 0;
    uint64_t claimed = 0;
    size_t i;

    for (i = 0; i < host->ndomains; i++) {
        const xensim_domain *dom = &host->domains[i];

        if (i > 0 && host->domains[i - 1].domid >= dom->domid)
            return "domains are not sorted by domid";
        owned += dom->tot_pages;
        claimed += dom->outstanding_pages;
        if (dom->load.swapped_pages > dom->load.swap_pages)
            return "a guest swapped more than its swap holds";
    }

    if (host->free_pages + owned + host->xen_pages != host->total_pages)
        return "free + owned + xen pages != total pages";
    if (claimed != host->outstanding_pages)
        return "sum of domain claims != host outstanding pages";
    if (host->outstanding_pages > host->free_pages)
        return "outstanding claims exceed free memory";
    return NULL;
}
