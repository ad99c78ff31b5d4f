/*
 * libxl_domain_stats.c: domains' memory statistics, bulk statistics and
 * the statistics period
 *
 * Hypervisor figures come from one domain list per call (a single
 * hypercall whatever the number of domains); guests' own figures from the
 * xenstore watch cache, so that statistics for every domain of a host are
 * one cheap call, as consumers polling the whole host expect.  Field names
 * are the QEMU driver's, so that those consumers work unchanged.
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

#include "libxl_domain_stats.h"
#include "libxl_fork_guard.h"
#include "libxl_memstats.h"
#include "libxl_memstats_cache.h"
#include "datatypes.h"
#include "virerror.h"
#include "virlog.h"
#include "virtypedparam.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("libxl.libxl_domain_stats");

#define LIBXL_DOMAIN_STATS_SUPPORTED \
    (VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | \
     VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_VCPU)

/* "balloon.<name>" for each memory statistic tag, as the QEMU driver
 * names them; ACTUAL_BALLOON is balloon.current */
static const char *const libxlDomainStatsBalloonNames[VIR_DOMAIN_MEMORY_STAT_NR] = {
    [VIR_DOMAIN_MEMORY_STAT_SWAP_IN] = "swap_in",
    [VIR_DOMAIN_MEMORY_STAT_SWAP_OUT] = "swap_out",
    [VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT] = "major_fault",
    [VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT] = "minor_fault",
    [VIR_DOMAIN_MEMORY_STAT_UNUSED] = "unused",
    [VIR_DOMAIN_MEMORY_STAT_AVAILABLE] = "available",
    [VIR_DOMAIN_MEMORY_STAT_RSS] = "rss",
    [VIR_DOMAIN_MEMORY_STAT_USABLE] = "usable",
    [VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE] = "last-update",
    [VIR_DOMAIN_MEMORY_STAT_DISK_CACHES] = "disk_caches",
    [VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC] = "hugetlb_pgalloc",
    [VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL] = "hugetlb_pgfail",
};


static int
libxlDomainStatsTags(libxlDriverPrivate *driver,
                     virDomainObj *vm,
                     const libxl_dominfo *info,
                     unsigned long long maxKiB,
                     virDomainMemoryStatPtr stats,
                     unsigned int nr_stats)
{
    libxlMemstatsHypervisor hv = {
        .currentKiB = info->current_memkb,
        .pagedKiB = info->paged_memkb,
        .maxKiB = maxKiB,
        .limitKiB = virDomainDefGetMemoryTotal(vm->def),
    };
    libxlMemstatsGuest guest;
    bool haveGuest = libxlMemstatsCacheLookup(driver->memstats, vm->def->id, &guest);

    return libxlMemstatsToTags(&hv, haveGuest ? &guest : NULL, stats, nr_stats);
}


/**
 * libxlDomainMemoryStatsFill:
 * @info: what the hypervisor says about the running domain @vm
 *
 * virDomainMemoryStats for a running domain: the hypervisor's figures and,
 * when its agent writes them, the guest's own.  A guest saying nothing
 * gets the configured maximum as AVAILABLE, as the driver always gave.
 */
int
libxlDomainMemoryStatsFill(libxlDriverPrivate *driver,
                           virDomainObj *vm,
                           const libxl_dominfo *info,
                           virDomainMemoryStatPtr stats,
                           unsigned int nr_stats)
{
    return libxlDomainStatsTags(driver, vm, info,
                                virDomainDefGetMemoryTotal(vm->def),
                                stats, nr_stats);
}


/**
 * libxlDomainStatsStarted:
 *
 * Called while a new domain is still paused: tells its agent the period
 * the configuration asks for before the guest's first write.  A failure
 * costs the guest's statistics, not the start, so it is only logged.
 */
void
libxlDomainStatsStarted(libxlDriverPrivate *driver,
                        virDomainObj *vm)
{
    virDomainMemballoonDef *balloon = vm->def->memballoon;

    if (!balloon || balloon->period <= 0)
        return;
    if (libxlMemstatsCacheSetPeriod(driver->memstats, vm->def->id,
                                    balloon->period) < 0) {
        VIR_WARN("cannot set the statistics period of domain '%s': %s",
                 vm->def->name, virGetLastErrorMessage());
        virResetLastError();
    }
}


static int
libxlDomainStatsState(virDomainObj *vm,
                      virTypedParamList *params)
{
    if (virTypedParamListAddInt(params, vm->state.state, "state.state") < 0 ||
        virTypedParamListAddInt(params, vm->state.reason, "state.reason") < 0)
        return -1;
    return 0;
}


static int
libxlDomainStatsCpuTotal(const libxl_dominfo *info,
                         virTypedParamList *params)
{
    if (!info)
        return 0;
    return virTypedParamListAddULLong(params, info->cpu_time, "cpu.time");
}


static int
libxlDomainStatsBalloon(libxlDriverPrivate *driver,
                        virDomainObj *vm,
                        const libxl_dominfo *info,
                        virTypedParamList *params)
{
    virDomainMemoryStatStruct stats[VIR_DOMAIN_MEMORY_STAT_NR];
    unsigned long long current = info ? info->current_memkb : vm->def->mem.cur_balloon;
    int n;
    int i;

    if (virTypedParamListAddULLong(params, current, "balloon.current") < 0 ||
        virTypedParamListAddULLong(params, virDomainDefGetMemoryTotal(vm->def),
                                   "balloon.maximum") < 0)
        return -1;
    if (!info)
        return 0;

    /* balloon.maximum is the configured maximum already */
    n = libxlDomainStatsTags(driver, vm, info, 0, stats, G_N_ELEMENTS(stats));
    for (i = 0; i < n; i++) {
        const char *name = libxlDomainStatsBalloonNames[stats[i].tag];

        if (name &&
            virTypedParamListAddULLong(params, stats[i].val, "balloon.%s", name) < 0)
            return -1;
    }
    return 0;
}


static int
libxlDomainStatsVcpu(libxlDriverConfig *cfg,
                     virDomainObj *vm,
                     const libxl_dominfo *info,
                     virTypedParamList *params)
{
    libxl_vcpuinfo *vcpus;
    int nvcpus = 0;
    int hostcpus = 0;
    int ret = -1;
    int i;

    if (virTypedParamListAddUInt(params, virDomainDefGetVcpus(vm->def),
                                 "vcpu.current") < 0 ||
        virTypedParamListAddUInt(params, virDomainDefGetVcpusMax(vm->def),
                                 "vcpu.maximum") < 0)
        return -1;
    if (!info)
        return 0;

    /* a domain that died since the list has no vCPUs to report; the
     * hypercalls take no libxl lock: out of libxl's forks
     * (libxl_fork_guard.c) */
    libxlForkGuardEnter();
    vcpus = libxl_list_vcpu(cfg->ctx, vm->def->id, &nvcpus, &hostcpus);
    libxlForkGuardLeave();
    if (!vcpus)
        return 0;

    for (i = 0; i < nvcpus; i++) {
        int state = VIR_VCPU_OFFLINE;

        if (vcpus[i].running)
            state = VIR_VCPU_RUNNING;
        else if (vcpus[i].blocked)
            state = VIR_VCPU_BLOCKED;
        if (virTypedParamListAddInt(params, state, "vcpu.%u.state",
                                    vcpus[i].vcpuid) < 0 ||
            virTypedParamListAddULLong(params, vcpus[i].vcpu_time, "vcpu.%u.time",
                                       vcpus[i].vcpuid) < 0)
            goto cleanup;
    }
    ret = 0;

 cleanup:
    libxl_vcpuinfo_list_free(vcpus, nvcpus);
    return ret;
}


static int
libxlDomainStatsRecord(virConnectPtr conn,
                       libxlDriverConfig *cfg,
                       virDomainObj *vm,
                       const libxl_dominfo *info,
                       unsigned int stats,
                       virDomainStatsRecordPtr *record)
{
    libxlDriverPrivate *driver = conn->privateData;
    g_autoptr(virTypedParamList) params = g_new0(virTypedParamList, 1);
    g_autofree virDomainStatsRecordPtr tmp = NULL;

    if ((stats & VIR_DOMAIN_STATS_STATE) &&
        libxlDomainStatsState(vm, params) < 0)
        return -1;
    if ((stats & VIR_DOMAIN_STATS_CPU_TOTAL) &&
        libxlDomainStatsCpuTotal(info, params) < 0)
        return -1;
    if ((stats & VIR_DOMAIN_STATS_BALLOON) &&
        libxlDomainStatsBalloon(driver, vm, info, params) < 0)
        return -1;
    if ((stats & VIR_DOMAIN_STATS_VCPU) &&
        libxlDomainStatsVcpu(cfg, vm, info, params) < 0)
        return -1;

    tmp = g_new0(virDomainStatsRecord, 1);
    if (!(tmp->dom = virGetDomain(conn, vm->def->name, vm->def->uuid, vm->def->id)))
        return -1;
    tmp->nparams = virTypedParamListStealParams(params, &tmp->params);
    *record = g_steal_pointer(&tmp);
    return 0;
}


/* The running domains' hypervisor figures by domain ID, from one list.
 * The list always holds dom0, so an empty one is a failed read: without
 * it running domains would show their configured memory as current. */
static GHashTable *
libxlDomainStatsListDomains(libxlDriverConfig *cfg,
                            libxl_dominfo **list,
                            int *nlist)
{
    GHashTable *byId;
    int i;

    /* a hypercall: out of libxl's forks (libxl_fork_guard.c) */
    libxlForkGuardEnter();
    *list = libxl_list_domain(cfg->ctx, nlist);
    libxlForkGuardLeave();
    if (!*list) {
        *nlist = 0;
        virReportError(VIR_ERR_OPERATION_FAILED, "%s",
                       _("cannot read the hypervisor's list of domains"));
        return NULL;
    }
    byId = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (i = 0; i < *nlist; i++)
        g_hash_table_insert(byId, GINT_TO_POINTER((*list)[i].domid), &(*list)[i]);
    return byId;
}


/**
 * libxlDomainStatsGetAll:
 * @vms: the domains to report, referenced, as the API collected them
 * @stats: the groups asked for (0: all this driver has)
 * @enforce: refuse groups this driver does not have
 *
 * The body of virConnectGetAllDomainStats.  Returns the number of records
 * in *@retStats, or -1 with an error reported.
 */
int
libxlDomainStatsGetAll(virConnectPtr conn,
                       virDomainObj **vms,
                       size_t nvms,
                       unsigned int stats,
                       bool enforce,
                       virDomainStatsRecordPtr **retStats)
{
    libxlDriverPrivate *driver = conn->privateData;
    g_autoptr(libxlDriverConfig) cfg = NULL;
    g_autoptr(GHashTable) byId = NULL;
    virDomainStatsRecordPtr *tmpstats = NULL;
    libxl_dominfo *list = NULL;
    int nlist = 0;
    int nstats = 0;
    size_t i;
    int ret = -1;

    if (stats == 0) {
        stats = LIBXL_DOMAIN_STATS_SUPPORTED;
    } else if (enforce && (stats & ~LIBXL_DOMAIN_STATS_SUPPORTED)) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                       _("Stats types bits 0x%x are not supported by this daemon"),
                       stats & ~LIBXL_DOMAIN_STATS_SUPPORTED);
        return -1;
    }
    stats &= LIBXL_DOMAIN_STATS_SUPPORTED;

    cfg = libxlDriverConfigGet(driver);
    if (!(byId = libxlDomainStatsListDomains(cfg, &list, &nlist)))
        return -1;
    tmpstats = g_new0(virDomainStatsRecordPtr, nvms + 1);

    for (i = 0; i < nvms; i++) {
        virDomainObj *vm = vms[i];
        const libxl_dominfo *info = NULL;
        int rc;

        virObjectLock(vm);
        if (virDomainObjIsActive(vm))
            info = g_hash_table_lookup(byId, GINT_TO_POINTER(vm->def->id));
        rc = libxlDomainStatsRecord(conn, cfg, vm, info, stats, &tmpstats[nstats]);
        virObjectUnlock(vm);
        if (rc < 0)
            goto cleanup;
        nstats++;
    }

    *retStats = g_steal_pointer(&tmpstats);
    ret = nstats;

 cleanup:
    virDomainStatsRecordListFree(tmpstats);
    libxl_dominfo_list_free(list, nlist);
    return ret;
}


/**
 * libxlDomainStatsSetPeriod:
 * @vm: the domain, locked, in a modify job
 * @flags: VIR_DOMAIN_AFFECT_LIVE and/or VIR_DOMAIN_AFFECT_CONFIG
 *
 * The body of virDomainSetMemoryStatsPeriod: tells a running guest's agent
 * the period through xenstore, and records it in the live and/or the
 * persistent definition.  Returns 0, or -1 with an error reported.
 */
int
libxlDomainStatsSetPeriod(libxlDriverPrivate *driver,
                          virDomainObj *vm,
                          int period,
                          unsigned int flags)
{
    g_autoptr(libxlDriverConfig) cfg = libxlDriverConfigGet(driver);
    virDomainDef *def;
    virDomainDef *persistentDef;

    if (period < 0 || period > LIBXL_MEMSTATS_PERIOD_MAX) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("statistics period %d is out of range: it must be 0 (off) to %d seconds"),
                       period, LIBXL_MEMSTATS_PERIOD_MAX);
        return -1;
    }

    if (virDomainObjGetDefs(vm, flags, &def, &persistentDef) < 0)
        return -1;

    if ((def && !virDomainDefHasMemballoon(def)) ||
        (persistentDef && !virDomainDefHasMemballoon(persistentDef))) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' has no memory balloon device to set the statistics period of"),
                       vm->def->name);
        return -1;
    }

    if (def) {
        if (libxlMemstatsCacheSetPeriod(driver->memstats, def->id, period) < 0)
            return -1;
        def->memballoon->period = period;
        if (virDomainObjSave(vm, driver->xmlopt, cfg->stateDir) < 0)
            return -1;
    }

    if (persistentDef) {
        persistentDef->memballoon->period = period;
        if (virDomainDefSave(persistentDef, driver->xmlopt, cfg->configDir) < 0)
            return -1;
    }
    return 0;
}
