/*
 * libxl_node_memory.c: the host's memory figures, net of claims
 *
 * Memory that domains being built have claimed is free to the hypervisor
 * but promised: a client deciding where a domain fits must not count it.
 * libxl_get_free_memory() and physinfo's free pages include it, as xl's
 * "free_memory" does not; the figures here follow xl.
 *
 * A libxl with LIBXL_HAVE_UNCLAIMED_FREE_MEMORY (xen-patches/, patch 2)
 * computes that figure itself: libxl_get_unclaimed_free_memory() is then
 * the one source of free memory for the host as a whole, here, in
 * admission and in the auto actor.  It counts pages being scrubbed as
 * free, as libxl_get_free_memory() does; without it, virNodeGetFreeMemory
 * keeps its figure of free pages alone.
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

#include <config.h>

#include "libxl_node_memory.h"
#include "libxl_claim.h"
#include "libxl_fork_guard.h"
#include "virerror.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

/* Read physinfo; a failure is reported */
int
libxlNodeMemoryRead(libxlDriverConfig *cfg, libxlNodeMemory *mem)
{
    libxl_physinfo phy;
    unsigned long long pageKiB = cfg->verInfo->pagesize / 1024;
    int rc;

    libxl_physinfo_init(&phy);
    /* a hypercall: out of libxl's forks (libxl_fork_guard.c) */
    libxlForkGuardEnter();
    rc = libxl_get_physinfo(cfg->ctx, &phy);
    libxlForkGuardLeave();
    mem->totalKiB = phy.total_pages * pageKiB;
    mem->claimedKiB = phy.outstanding_pages * pageKiB;
    mem->freeKiB = phy.free_pages * pageKiB;
    mem->scrubKiB = phy.scrub_pages * pageKiB;
    libxl_physinfo_dispose(&phy);

    if (rc != 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("libxl_get_physinfo failed"));
        return -1;
    }
    return 0;
}


static unsigned long long G_GNUC_UNUSED
libxlNodeMemoryNetFreeKiB(const libxlNodeMemory *mem)
{
    return mem->freeKiB > mem->claimedKiB ? mem->freeKiB - mem->claimedKiB : 0;
}


/**
 * libxlNodeMemoryUnclaimedKiB:
 *
 * Free memory no domain has claimed, pages being scrubbed included (what
 * a new claim or allocation can get), in KiB; @mem, if given, has read
 * physinfo and is used without libxl's call.  A failure is reported.
 */
int
libxlNodeMemoryUnclaimedKiB(libxlDriverConfig *cfg,
                            const libxlNodeMemory *mem,
                            unsigned long long *kib)
{
#ifdef LIBXL_HAVE_UNCLAIMED_FREE_MEMORY
    uint64_t memkb = 0;

    int rc;

    (void)mem;
    /* a hypercall: out of libxl's forks (libxl_fork_guard.c) */
    libxlForkGuardEnter();
    rc = libxl_get_unclaimed_free_memory(cfg->ctx, &memkb);
    libxlForkGuardLeave();
    if (rc != 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("libxl_get_unclaimed_free_memory failed"));
        return -1;
    }
    *kib = memkb;
    return 0;
#else
    libxlNodeMemory own;

    if (!mem) {
        if (libxlNodeMemoryRead(cfg, &own) < 0)
            return -1;
        mem = &own;
    }
    *kib = libxlClaimSubKiB(libxlClaimAddKiB(mem->freeKiB, mem->scrubKiB),
                            mem->claimedKiB);
    return 0;
#endif
}


/* The "free" figure of virNodeGetFreeMemory and nodememstats */
static int
libxlNodeMemoryFreeKiB(libxlDriverConfig *cfg,
                       const libxlNodeMemory *mem,
                       unsigned long long *kib)
{
#ifdef LIBXL_HAVE_UNCLAIMED_FREE_MEMORY
    return libxlNodeMemoryUnclaimedKiB(cfg, mem, kib);
#else
    (void)cfg;
    *kib = libxlNodeMemoryNetFreeKiB(mem);
    return 0;
#endif
}


/* virNodeGetFreeMemory: bytes free for new domains */
int
libxlNodeMemoryFree(libxlDriverConfig *cfg,
                    unsigned long long *bytes)
{
    libxlNodeMemory mem;
    unsigned long long kib;

    if (libxlNodeMemoryRead(cfg, &mem) < 0 ||
        libxlNodeMemoryFreeKiB(cfg, &mem, &kib) < 0)
        return -1;
    *bytes = kib * 1024;
    return 0;
}


/* virNodeGetCellsFreeMemory: the cells' free bytes with the host-wide
 * claims taken out of them (libxlClaimNetFree), for cells startCell to
 * startCell + numCells - 1 */
int
libxlNodeMemoryCellsFree(libxlDriverConfig *cfg,
                         const libxl_numainfo *numa,
                         int nr_nodes,
                         unsigned long long *freeMems,
                         int startCell,
                         int numCells)
{
    g_autofree unsigned long long *cellKiB = g_new0(unsigned long long, nr_nodes);
    libxlNodeMemory mem;
    int i;

    if (libxlNodeMemoryRead(cfg, &mem) < 0)
        return -1;

    for (i = 0; i < nr_nodes; i++) {
        if (numa[i].size != LIBXL_NUMAINFO_INVALID_ENTRY)
            cellKiB[i] = numa[i].free / 1024;
    }
    libxlClaimNetFree(cellKiB, nr_nodes, mem.claimedKiB);

    for (i = 0; i < numCells; i++)
        freeMems[i] = cellKiB[startCell + i] * 1024;
    return 0;
}


/**
 * libxlNodeMemoryStats:
 *
 * virNodeGetMemoryStats for the whole host (cell -1): "total" physical
 * memory, "free" memory net of claims, and "claimed", the memory domains
 * being built have claimed and not yet populated; all in KiB.
 */
int
libxlNodeMemoryStats(libxlDriverConfig *cfg,
                     int cellNum,
                     virNodeMemoryStatsPtr params,
                     int *nparams,
                     unsigned int flags)
{
    const int nstats = 3;
    libxlNodeMemory mem;
    unsigned long long netFreeKiB = 0;
    struct {
        const char *field;
        unsigned long long *value;
    } stats[] = {
        { VIR_NODE_MEMORY_STATS_TOTAL, &mem.totalKiB },
        { VIR_NODE_MEMORY_STATS_FREE, &netFreeKiB },
        { VIR_NODE_MEMORY_STATS_CLAIMED, &mem.claimedKiB },
    };
    size_t i;

    virCheckFlags(0, -1);

    if (cellNum != VIR_NODE_MEMORY_STATS_ALL_CELLS) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("memory statistics of cell %d are not available: "
                         "claims are host-wide, only cell %d (all cells) is"),
                       cellNum, VIR_NODE_MEMORY_STATS_ALL_CELLS);
        return -1;
    }

    if (!params || *nparams == 0) {
        *nparams = nstats;
        return 0;
    }

    if (*nparams < nstats) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("nparams %d is too small: %d are needed"),
                       *nparams, nstats);
        return -1;
    }

    if (libxlNodeMemoryRead(cfg, &mem) < 0 ||
        libxlNodeMemoryFreeKiB(cfg, &mem, &netFreeKiB) < 0)
        return -1;

    for (i = 0; i < G_N_ELEMENTS(stats); i++) {
        if (virStrcpyStatic(params[i].field, stats[i].field) < 0) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("field name '%s' too long"), stats[i].field);
            return -1;
        }
        params[i].value = *stats[i].value;
    }
    *nparams = nstats;
    return 0;
}
