/*
 * xensim_model.h: memory model of a simulated Xen host
 *
 * The hypervisor side of the simulated host: physical memory, domains,
 * claims, balloon drivers and paging.  Pure: no I/O, no clocks, no locks.
 * The caller serialises access and tells the model how much time passed.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xensim_trace.h"

#define XENSIM_PAGE_KIB 4
#define XENSIM_KIB_TO_PAGES(kib) (((kib) + XENSIM_PAGE_KIB - 1) / XENSIM_PAGE_KIB)
#define XENSIM_NAME_MAX 64

typedef enum {
    XENSIM_DOMAIN_PV = 0,
    XENSIM_DOMAIN_HVM,
    XENSIM_DOMAIN_PVH,
} xensim_domain_type;

/* Shutdown reasons, numbered as Xen's SHUTDOWN_* codes */
typedef enum {
    XENSIM_SHUTDOWN_POWEROFF = 0,
    XENSIM_SHUTDOWN_REBOOT = 1,
    XENSIM_SHUTDOWN_SUSPEND = 2,
    XENSIM_SHUTDOWN_CRASH = 3,
    XENSIM_SHUTDOWN_WATCHDOG = 4,
    XENSIM_SHUTDOWN_SOFT_RESET = 5,
} xensim_shutdown_reason;

/* Whether a pager serves the domain's paging ring (xc_mem_paging_enable) */
typedef enum {
    XENSIM_PAGER_NONE = 0,
    XENSIM_PAGER_ATTACHED,
    /* its pager died without disabling the ring: the ring stays, nobody
     * serves it, and no other pager may attach */
    XENSIM_PAGER_LOST,
} xensim_pager_state;

/* A guest's balloon driver: moves the domain's allocation toward its
 * target at a rate, never below what the guest itself uses. */
typedef struct {
    uint64_t rate;              /* pages per second; 0 = stuck */
    uint64_t floor;             /* pages the guest will not give up: dom0's
                                 * minimum, a partly stuck guest's */
    uint64_t credit_ns;         /* time not yet turned into whole pages */
} xensim_balloon;

/* What a guest's programs use and what that costs it.  Its demand follows
 * a trace, or stays where xensim_domain_set_used() put it.  What the
 * guest's RAM (its allocation as the guest sees it: tot_pages and what a
 * pager holds) cannot hold is in its swap, up to the swap's size; beyond
 * that the OOM killer ends what asked for more. */
typedef struct {
    xensim_trace *trace;        /* NULL: used_pages as set */
    uint64_t clock_ns;          /* the trace's time: how long the guest ran */
    uint64_t oom_offset;        /* pages the OOM killer took off the trace */
    uint64_t reported_pages;    /* what the guest says it uses */
    uint64_t swap_pages;        /* its swap space */
    uint64_t swapped_pages;     /* in swap now */
    uint64_t swapped_peak;
    uint64_t swapin_pages;      /* moved into and out of swap, in all */
    uint64_t swapout_pages;
    /* the integral of max(0, used - tot_pages) over the time the guest
     * ran: memory it needed that the host did not back with RAM */
    uint64_t below_need_pms;    /* page-milliseconds */
    uint64_t below_need_rem;    /* half page-nanoseconds toward the next */
    uint64_t oom_kills;
} xensim_workload;

typedef struct {
    uint32_t domid;
    char name[XENSIM_NAME_MAX];
    uint8_t uuid[16];
    xensim_domain_type type;
    unsigned int vcpus;

    uint64_t tot_pages;         /* pages the domain owns */
    uint64_t max_pages;         /* hard limit (XEN_DOMCTL_max_mem) */
    uint64_t target_pages;      /* balloon target (memory/target) */
    uint64_t video_pages;       /* memory/videoram: an HVM guest's video
                                 * RAM, which its device model populates
                                 * after the build; counted in tot_pages,
                                 * never the balloon's to give */
    uint64_t outstanding_pages; /* its claim not yet consumed */
    uint64_t paged_pages;       /* paged out by xenpaging (HVM) */
    uint64_t paging_target;     /* the pager's target for tot_pages; 0 = off */
    uint64_t paging_credit_ns;
    xensim_pager_state pager;
    uint64_t used_pages;        /* what the guest's programs use */
    xensim_workload load;

    xensim_balloon balloon;

    bool paused;
    bool shutdown;
    xensim_shutdown_reason shutdown_reason;
    /* killed, its pages not yet relinquished: listed as dying, holding
     * them, its claim gone */
    bool dying;

    /* Fault injection: populating beyond this many pages fails (0 = off) */
    uint64_t fail_populate_at;

    uint64_t cpu_time_ns;
} xensim_domain;

typedef struct {
    uint64_t total_pages;
    uint64_t xen_pages;         /* kept by the hypervisor itself */
    uint64_t free_pages;
    uint64_t outstanding_pages; /* sum of all claims */
    unsigned int nr_cpus;
    uint64_t cpu_khz;

    /* Rates a simulated toolstack and guests run at */
    uint64_t populate_rate;     /* pages per second a domain build fills */
    uint64_t paging_rate;       /* pages per second xenpaging moves */
    bool paging_available;      /* the hypervisor has CONFIG_MEM_PAGING */
    uint32_t device_setup_ms;   /* a build's devices, device model and
                                 * hotplug scripts, after its memory */
    xensim_balloon dom0_balloon;

    /* Fault injection for the next domain created (0 = off) */
    uint64_t fault_next_populate_at;

    xensim_domain *domains;     /* sorted by domid; domains[0] is dom0 */
    size_t ndomains;
    uint32_t next_domid;
} xensim_host;

typedef struct {
    uint64_t total_pages;
    uint64_t dom0_pages;
    uint64_t dom0_floor_pages;  /* dom0's balloon gives no more than down to this */
    uint64_t xen_pages;
    unsigned int nr_cpus;
    uint64_t cpu_khz;
    uint64_t populate_rate;
    uint64_t balloon_rate;      /* default for dom0 and new guests */
    uint64_t paging_rate;
    bool paging;                /* the hypervisor offers paging */
    uint32_t device_setup_ms;
} xensim_host_config;

/* Pages Xen keeps for itself on a host of @total_pages */
uint64_t xensim_host_xen_pages(uint64_t total_pages);
void xensim_host_config_default(xensim_host_config *cfg);
int xensim_host_init(xensim_host *host, const xensim_host_config *cfg);
void xensim_host_clear(xensim_host *host);

xensim_domain *xensim_host_find(xensim_host *host, uint32_t domid);
xensim_domain *xensim_host_find_name(xensim_host *host, const char *name);

/* Domain lifecycle, as the toolstack drives it */
int xensim_domain_create(xensim_host *host, const char *name,
                         const uint8_t uuid[16], xensim_domain_type type,
                         unsigned int vcpus, uint32_t *domid);
int xensim_domain_set_max(xensim_host *host, uint32_t domid, uint64_t pages);
int xensim_domain_claim(xensim_host *host, uint32_t domid, uint64_t pages);
int xensim_domain_populate(xensim_host *host, uint32_t domid,
                           uint64_t pages, uint64_t *done);
int xensim_domain_release(xensim_host *host, uint32_t domid, uint64_t pages);
int xensim_domain_set_target(xensim_host *host, uint32_t domid, uint64_t pages);
int xensim_domain_set_video(xensim_host *host, uint32_t domid, uint64_t pages);
/* The pager: attach (xc_mem_paging_enable), set its target for the
 * domain's tot_pages (0 pages everything back in), detach
 * (xc_mem_paging_disable); lost: its process died attached */
int xensim_domain_pager_attach(xensim_host *host, uint32_t domid);
int xensim_domain_set_paging_target(xensim_host *host, uint32_t domid,
                                    uint64_t pages);
int xensim_domain_pager_detach(xensim_host *host, uint32_t domid);
int xensim_domain_pager_lost(xensim_host *host, uint32_t domid);
/* A demand that stays at @pages: the trace, if any, ends there; the
 * accounting and the swap go on */
int xensim_domain_set_used(xensim_host *host, uint32_t domid, uint64_t pages);
/* The guest's demand follows @trace from now on, with @swap_pages of
 * swap; its accounting starts again.  On success the model owns @trace. */
int xensim_domain_set_workload(xensim_host *host, uint32_t domid,
                               xensim_trace *trace, uint64_t swap_pages);
int xensim_domain_set_balloon(xensim_host *host, uint32_t domid,
                              uint64_t rate);
/* The balloon gives no more than down to @pages (0: no floor of its own) */
int xensim_domain_set_balloon_floor(xensim_host *host, uint32_t domid,
                                    uint64_t pages);
int xensim_domain_pause(xensim_host *host, uint32_t domid, bool paused);
int xensim_domain_shutdown(xensim_host *host, uint32_t domid,
                           xensim_shutdown_reason reason);
int xensim_domain_destroy(xensim_host *host, uint32_t domid);
int xensim_domain_kill(xensim_host *host, uint32_t domid);

/* Domains with a trace are stepped this finely as time passes */
#define XENSIM_WORKLOAD_STEP_NS 10000000ULL

/* Let @ns nanoseconds of simulated time pass */
void xensim_host_advance(xensim_host *host, uint64_t ns);

/* Check the accounting; returns NULL or a static description of the
 * first broken invariant */
const char *xensim_host_check(const xensim_host *host);
