/*
 * host.c: what libxenlight says about the host, from the simulated one
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxl_utils.h>

#include "shim.h"

/* The values libxl_internal.h gives these (Xen 4.17) */
#define SHIM_PV_EXTRA_MEMORY 1024
#define SHIM_HVM_EXTRA_MEMORY 2048

static int
xensim_shim_physinfo(xensim_physinfo *pi)
{
    xensim_conn *c = xensim_shim_conn();

    if (!c)
        return ERROR_FAIL;
    return xensim_shim_error("physinfo", xensim_physinfo_get(c, pi));
}


int
libxl_get_physinfo(libxl_ctx *ctx, libxl_physinfo *physinfo)
{
    xensim_physinfo pi;
    int rc;

    (void)ctx;
    if ((rc = xensim_shim_physinfo(&pi)) < 0)
        return rc;

    /* hw_cap stays zero: libvirt then skips host CPU model detection, as
     * it does on hosts that report no CPUID words */
    memset(physinfo, 0, sizeof(*physinfo));
    physinfo->threads_per_core = 1;
    physinfo->cores_per_socket = pi.nr_cpus;
    physinfo->max_cpu_id = pi.nr_cpus - 1;
    physinfo->nr_cpus = pi.nr_cpus;
    physinfo->cpu_khz = pi.cpu_khz;
    physinfo->total_pages = pi.total_pages;
    physinfo->free_pages = pi.free_pages;
    physinfo->scrub_pages = 0;
    physinfo->outstanding_pages = pi.outstanding_pages;
    physinfo->max_possible_mfn = pi.total_pages - 1;
    physinfo->nr_nodes = 1;
    physinfo->cap_hvm = true;
    physinfo->cap_pv = true;
    physinfo->cap_hap = true;
    physinfo->cap_gnttab_v1 = true;
    physinfo->cap_gnttab_v2 = true;
    return 0;
}


/* As libxl_get_free_memory() in libxl_mem.c: free plus scrub pages; it
 * does not subtract outstanding claims. */
int
libxl_get_free_memory(libxl_ctx *ctx, uint64_t *memkb)
{
    libxl_physinfo info;
    int rc;

    if ((rc = libxl_get_physinfo(ctx, &info)) < 0)
        return rc;
    *memkb = (info.free_pages + info.scrub_pages) * 4;
    return 0;
}


/* As libxl_wait_for_free_memory(): compares free pages only */
int
libxl_wait_for_free_memory(libxl_ctx *ctx, uint32_t domid,
                           uint64_t memory_kb, int wait_secs)
{
    libxl_physinfo info;
    int rc;

    (void)domid;
    while (wait_secs > 0) {
        if ((rc = libxl_get_physinfo(ctx, &info)) < 0)
            return rc;
        if (info.free_pages * 4 >= memory_kb)
            return 0;
        wait_secs--;
        sleep(1);
    }
    return ERROR_NOMEM;
}


/* libxl builds the version info once per context, returns that same
 * copy on every call and frees it with the context; libvirt relies on
 * that (it keeps the pointer in cfg->verInfo and splits the capabilities
 * string in place, so that later calls see the split string, as on a
 * real host).  The copies live here, one per context. */
typedef struct shim_version shim_version;
struct shim_version {
    libxl_ctx *ctx;
    libxl_version_info info;
    shim_version *next;
};
static pthread_mutex_t versions_lock = PTHREAD_MUTEX_INITIALIZER;
static shim_version *versions;

static void shim_version_fill(libxl_version_info *info);

static shim_version *
shim_version_find(libxl_ctx *ctx)
{
    shim_version *v;

    for (v = versions; v && v->ctx != ctx; v = v->next)
        ;
    return v;
}


/* Filled outside the lock (it asks the simulated host for dom0), so that
 * no caller waits on another's round trip; the first copy in wins */
const libxl_version_info *
libxl_get_version_info(libxl_ctx *ctx)
{
    shim_version *v;
    shim_version *fresh;

    pthread_mutex_lock(&versions_lock);
    v = shim_version_find(ctx);
    pthread_mutex_unlock(&versions_lock);
    if (v)
        return &v->info;

    if (!(fresh = calloc(1, sizeof(*fresh))))
        return NULL;
    fresh->ctx = ctx;
    shim_version_fill(&fresh->info);

    pthread_mutex_lock(&versions_lock);
    if (!(v = shim_version_find(ctx))) {
        fresh->next = versions;
        versions = v = fresh;
        fresh = NULL;
    }
    pthread_mutex_unlock(&versions_lock);
    if (fresh) {
        libxl_version_info_dispose(&fresh->info);
        free(fresh);
    }
    return &v->info;
}


static int (*real_ctx_free)(libxl_ctx *);

static void
shim_find_ctx_free(void)
{
    real_ctx_free = (int (*)(libxl_ctx *))dlsym(RTLD_NEXT, "libxl_ctx_free");
}


int
libxl_ctx_free(libxl_ctx *ctx)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    shim_version **p;

    pthread_mutex_lock(&versions_lock);
    for (p = &versions; *p; p = &(*p)->next) {
        if ((*p)->ctx == ctx) {
            shim_version *v = *p;

            *p = v->next;
            libxl_version_info_dispose(&v->info);
            free(v);
            break;
        }
    }
    pthread_mutex_unlock(&versions_lock);
    pthread_once(&once, shim_find_ctx_free);
    return real_ctx_free ? real_ctx_free(ctx) : 0;
}


static void
shim_version_fill(libxl_version_info *info)
{
    xensim_conn *c = xensim_shim_conn();
    xensim_dominfo dom0;
    uint64_t dom0_mib = 0;

    if (c && xensim_dominfo_get(c, 0, &dom0) == 0)
        dom0_mib = dom0.max_pages * 4 / 1024;

    info->xen_version_major = 4;
    info->xen_version_minor = 17;
    info->xen_version_extra = strdup(".5-sim");
    info->compiler = strdup("xensim");
    info->compile_by = strdup("xensim");
    info->compile_domain = strdup("localdomain");
    info->compile_date = strdup("simulated");
    info->capabilities = strdup("xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64");
    info->changeset = strdup("simulated");
    info->virt_start = 0xffff800000000000ULL;
    info->pagesize = 4096;
    /* dom0_mem on the command line is how production hosts run, and what
     * makes libvirt turn autoballooning off by default */
    if (asprintf(&info->commandline, "console=com1 dom0_mem=%" PRIu64 "M,max:%" PRIu64 "M",
                 dom0_mib, dom0_mib) < 0)
        info->commandline = NULL;
    info->build_id = strdup("0");
}


libxl_numainfo *
libxl_get_numainfo(libxl_ctx *ctx, int *nr)
{
    xensim_physinfo pi;
    libxl_numainfo *info;

    (void)ctx;
    if (xensim_shim_physinfo(&pi) < 0)
        return NULL;
    if (!(info = calloc(1, sizeof(*info))))
        return NULL;
    info->size = pi.total_pages * 4096;
    info->free = pi.free_pages * 4096;
    info->num_dists = 1;
    if (!(info->dists = calloc(1, sizeof(*info->dists)))) {
        free(info);
        return NULL;
    }
    info->dists[0] = 10;
    *nr = 1;
    return info;
}


libxl_cputopology *
libxl_get_cpu_topology(libxl_ctx *ctx, int *nb_cpu_out)
{
    xensim_physinfo pi;
    libxl_cputopology *topo;
    uint32_t i;

    (void)ctx;
    if (xensim_shim_physinfo(&pi) < 0)
        return NULL;
    if (!(topo = calloc(pi.nr_cpus, sizeof(*topo))))
        return NULL;
    for (i = 0; i < pi.nr_cpus; i++) {
        topo[i].core = i;
        topo[i].socket = 0;
        topo[i].node = 0;
    }
    *nb_cpu_out = pi.nr_cpus;
    return topo;
}


int
libxl_get_max_cpus(libxl_ctx *ctx)
{
    xensim_physinfo pi;
    int rc;

    (void)ctx;
    if ((rc = xensim_shim_physinfo(&pi)) < 0)
        return rc;
    return pi.nr_cpus;
}


int
libxl_get_online_cpus(libxl_ctx *ctx)
{
    return libxl_get_max_cpus(ctx);
}


int
libxl_get_max_nodes(libxl_ctx *ctx)
{
    (void)ctx;
    return 1;
}


int
libxl_cpu_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *cpumap, int max_cpus)
{
    if (max_cpus <= 0 && (max_cpus = libxl_get_max_cpus(ctx)) <= 0)
        return ERROR_FAIL;
    return libxl_bitmap_alloc(ctx, cpumap, max_cpus);
}


int
libxl_node_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *nodemap, int max_nodes)
{
    if (max_nodes <= 0)
        max_nodes = libxl_get_max_nodes(ctx);
    return libxl_bitmap_alloc(ctx, nodemap, max_nodes);
}


int
libxl_get_scheduler(libxl_ctx *ctx)
{
    (void)ctx;
    return LIBXL_SCHEDULER_CREDIT2;
}


/* As libxl__domain_need_memory_calculate() (libxl_mem.c) on a build info
 * libvirt has already filled in: target, shadow and IOMMU memory, the
 * per-type extra, rounded up to 2 MiB. */
int
libxl_domain_need_memory(libxl_ctx *ctx, libxl_domain_config *d_config,
                         uint32_t domid_for_logging, uint64_t *need_memkb)
{
    libxl_domain_build_info *b_info = &d_config->b_info;
    uint64_t shadow = b_info->shadow_memkb;

    (void)ctx;
    (void)domid_for_logging;
    if (shadow == LIBXL_MEMKB_DEFAULT)
        shadow = 0;

    *need_memkb = b_info->target_memkb + shadow +
                  (b_info->iommu_memkb == LIBXL_MEMKB_DEFAULT ? 0 : b_info->iommu_memkb);
    switch (b_info->type) {
    case LIBXL_DOMAIN_TYPE_PVH:
    case LIBXL_DOMAIN_TYPE_HVM:
        *need_memkb += SHIM_HVM_EXTRA_MEMORY;
        break;
    case LIBXL_DOMAIN_TYPE_PV:
        *need_memkb += SHIM_PV_EXTRA_MEMORY;
        break;
    default:
        return ERROR_INVAL;
    }
    if (*need_memkb % 2048)
        *need_memkb += 2048 - *need_memkb % 2048;
    return 0;
}
