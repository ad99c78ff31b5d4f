/*
 * libxl_memory_actor_cycle.c: the memory policy actors' thread
 *
 * Once a second, and whenever a target changes or a start waits for
 * memory, the thread reads the host and the domains, runs the decisions
 * of libxl_memory_policy.c and writes the targets they give; it tends
 * the pagers.  It never runs in the event loop and holds a domain's lock
 * only to copy its state or write its targets.
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

#include <libxl.h>
#include <xenstore.h>

#include "libxl_memory_actor.h"
#include "libxl_memory_actor_priv.h"
#include "libxl_admission.h"
#include "libxl_api_wrapper.h"
#include "libxl_claim.h"
#include "libxl_conf.h"
#include "libxl_domain.h"
#include "libxl_fork_guard.h"
#include "libxl_memstats_cache.h"
#include "libxl_node_memory.h"
#include "libxl_pager.h"
#include "virdomainobjlist.h"
#include "virerror.h"
#include "virlog.h"
#include "virthread.h"
#include "virtime.h"
#include "virtypedparam.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("libxl.libxl_memory_actor_cycle");

#define LIBXL_MEMORY_ACTOR_CYCLE_MS 1000

/* What admission, which knows no driver, reads of the actor: what the auto
 * domains could give down to their floors at the last cycle, and the
 * actor to wake when a start waits for them */
static virMutex libxlMemoryActorGlobalLock = VIR_MUTEX_INITIALIZER;
static unsigned long long libxlMemoryActorGuestsGive;
static libxlMemoryActor *libxlMemoryActorRunning;


static void
libxlMemoryActorWakeUp(libxlMemoryActor *actor)
{
    if (!actor)
        return;
    virMutexLock(&actor->lock);
    actor->kicked = true;
    virCondSignal(&actor->cond);
    virMutexUnlock(&actor->lock);
}


void
libxlMemoryActorKick(libxlDriverPrivate *driver)
{
    libxlMemoryActorWakeUp(driver->memoryActor);
}


/**
 * libxlMemoryActorGuestsGiveKiB:
 *
 * What the domains of the auto actor could give down to their floors, as
 * of the actor's last cycle (0 when there are none).
 */
unsigned long long
libxlMemoryActorGuestsGiveKiB(void)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&libxlMemoryActorGlobalLock);

    return libxlMemoryActorGuestsGive;
}


/**
 * libxlMemoryActorWake:
 *
 * A start waits for memory: the actor looks again now rather than at its
 * next cycle.
 */
void
libxlMemoryActorWake(void)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&libxlMemoryActorGlobalLock);

    libxlMemoryActorWakeUp(libxlMemoryActorRunning);
}


/* The paging target xenpaging follows, in KiB despite the key's name.
 * A libxl with LIBXL_HAVE_MEMORY_TARGETS (xen-patches/, patch 4) writes
 * it itself, checked against the domain's type and maximum. */
static void
libxlMemoryActorWritePaging(libxlMemoryActor *actor,
                            int domid,
                            unsigned long long kib)
{
#ifdef LIBXL_HAVE_MEMORY_TARGETS
    g_autoptr(libxlDriverConfig) cfg = libxlDriverConfigGet(actor->driver);
    int rc;

    /* its domain info is a hypercall: out of libxl's forks */
    libxlForkGuardEnter();
    rc = libxl_domain_set_paging_target(cfg->ctx, domid, kib);
    libxlForkGuardLeave();
    if (rc != 0) {
        VIR_WARN("cannot set the paging target of domain %d to %llu KiB",
                 domid, kib);
        /* written again at the next cycle */
        g_hash_table_remove(actor->written, GINT_TO_POINTER(domid));
    }
#else
    g_autofree char *path = NULL;
    g_autofree char *value = NULL;

    if (!actor->xsh) {
        /* opened out of libxl's forks (libxl_fork_guard.c) */
        libxlForkGuardEnter();
        actor->xsh = xs_open(0);
        libxlForkGuardLeave();
    }
    if (!actor->xsh) {
        VIR_WARN("cannot open xenstore: paging target of domain %d not set", domid);
        g_hash_table_remove(actor->written, GINT_TO_POINTER(domid));
        return;
    }
    path = g_strdup_printf("/local/domain/%d/%s", domid, LIBXL_PAGER_TARGET_KEY);
    value = g_strdup_printf("%llu", kib);
    if (!xs_write(actor->xsh, XBT_NULL, path, value, strlen(value))) {
        VIR_WARN("cannot write %s: %s", path, g_strerror(errno));
        /* written again at the next cycle */
        g_hash_table_remove(actor->written, GINT_TO_POINTER(domid));
    }
#endif
}


/* Whether the paging target to write for the domain differs from what
 * was written last; records it as written */
static bool
libxlMemoryActorPagingDue(libxlMemoryActor *actor,
                          int domid,
                          unsigned long long kib)
{
    gpointer key = GINT_TO_POINTER(domid);
    unsigned long long *written = g_hash_table_lookup(actor->written, key);

    if (written && *written == kib)
        return false;
    if (!written) {
        written = g_new0(unsigned long long, 1);
        g_hash_table_insert(actor->written, key, written);
    }
    *written = kib;
    return true;
}



/* Restart a pager that died, with a back-off for one that keeps dying.
 * Returns true if the state changed; *spawn is set when a pager is to
 * be started (by the caller, with the domain unlocked). */
static bool
libxlMemoryActorTendPager(libxlDriverConfig *cfg,
                          virDomainObj *vm,
                          unsigned long long now,
                          bool *spawn)
{
    libxlDomainObjPrivate *priv = vm->privateData;
    libxlMemoryActorState *state = &priv->memActor;
    g_autofree char *dir = libxlMemoryActorPagerDir(cfg);
    g_autofree char *pagefile = libxlPagerFile(dir, vm->def->name);

    *spawn = false;
    if (!libxlMemoryActorPaging(vm->def))
        return false;
    if (state->pagerPid > 0 &&
        libxlPagerAlive(state->pagerPid, cfg->pagerProgram, pagefile,
                        now < state->pagerSpawnMs + LIBXL_MEMORY_ACTOR_PAGER_EXEC_MS))
        return false;

    if (state->pagerPid > 0) {
        VIR_WARN("pager %lld of domain %s died: restarting it in %llu ms",
                 (long long)state->pagerPid, vm->def->name,
                 libxlPagerBackoffMs(state->pagerRestarts));
        state->pagerPid = 0;
        state->pagerRetryMs = now + libxlPagerBackoffMs(state->pagerRestarts);
        return true;
    }
    if (now < state->pagerRetryMs)
        return false;

    state->pagerRestarts++;
    state->pagerRetryMs = now + libxlPagerBackoffMs(state->pagerRestarts);
    *spawn = true;
    return true;
}


typedef struct _libxlMemoryActorHost libxlMemoryActorHost;
struct _libxlMemoryActorHost {
    libxl_dominfo *list;
    int n;
    unsigned long long freeKiB;     /* net of outstanding claims */
    bool known;                     /* freeKiB was read */
};


static const libxl_dominfo *
libxlMemoryActorFindInfo(const libxlMemoryActorHost *host,
                         int domid)
{
    int i;

    for (i = 0; i < host->n; i++) {
        if ((int)host->list[i].domid == domid)
            return &host->list[i];
    }
    return NULL;
}


static bool
libxlMemoryActorBalloonStep(virDomainObj *vm,
                            const libxl_dominfo *info,
                            unsigned long long now)
{
    libxlDomainObjPrivate *priv = vm->privateData;
    libxlMemoryActorState *state = &priv->memActor;
    libxlMemoryPolicyBalloon in = {
        .targetKiB = state->targetKiB,
        .setMs = state->setMs,
        .currentKiB = info->current_memkb,
        .pagingKiB = state->pagingKiB,
        .delay = libxlMemoryActorDelay(vm->def),
        .paging = libxlMemoryActorPaging(vm->def),
    };
    libxlMemoryPolicyBalloonStep step = { 0 };
    bool changed = false;

    if (!state->targetKiB)
        return false;
    libxlMemoryPolicyBalloonDecide(&in, now, &step);
    if (step.setPaging && step.pagingKiB != state->pagingKiB) {
        VIR_INFO("domain %s: balloon at %llu KiB after %u s, paging to %llu KiB",
                 vm->def->name, (unsigned long long)info->current_memkb,
                 in.delay, step.pagingKiB);
        state->pagingKiB = step.pagingKiB;
        changed = true;
    }
    if (step.dueMs != state->dueMs) {
        state->dueMs = step.dueMs;
        changed = true;
    }
    return changed;
}


static unsigned long long
libxlMemoryActorFloorKiB(libxlDriverConfig *cfg,
                         const virDomainDef *def)
{
    unsigned long long maxKiB = virDomainDefGetMemoryTotal(def);

    if (def->mem.min_guarantee)
        return MIN(def->mem.min_guarantee, maxKiB);
    return maxKiB / 100 * cfg->autoFloorPercent;
}


static void
libxlMemoryActorPolicyConfig(libxlDriverConfig *cfg,
                             libxlMemoryPolicyConfig *policy)
{
    libxlMemoryPolicyConfigDefault(policy);
    policy->reserveKiB = cfg->autoReserveMiB * 1024ULL;
    policy->graceMs = cfg->autoGrace * 1000ULL;
}


/* A record older than this says nothing about the guest now: its agent
 * is gone or stalled (the OOM killer may have taken it), and its last
 * figure must not keep shrinking the guest */
#define LIBXL_MEMORY_ACTOR_STATS_STALE_S 60

static void
libxlMemoryActorGuestFigures(libxlDriverPrivate *driver,
                             unsigned long long maxKiB,
                             unsigned long long nowMs,
                             libxlMemoryPolicyAutoDomain *dom)
{
    libxlMemstatsGuest guest;
    unsigned long long total;

    if (!driver->memstats ||
        !libxlMemstatsCacheLookup(driver->memstats, dom->domid, &guest))
        return;
    if (!guest.seen || guest.seen + LIBXL_MEMORY_ACTOR_STATS_STALE_S < nowMs / 1000)
        return;
    /* a guest claiming to be bigger than its domain lies about the rest
     * too: its statistics are refused as a whole, as memoryStats does */
    total = guest.value[LIBXL_MEMSTATS_TOTAL];
    if (!guest.present[LIBXL_MEMSTATS_TOTAL] || total > maxKiB)
        return;

    /* what the guest says it uses: what it could not give back */
    if (guest.present[LIBXL_MEMSTATS_AVAILABLE]) {
        dom->hasUsed = true;
        dom->usedKiB = libxlClaimSubKiB(total, guest.value[LIBXL_MEMSTATS_AVAILABLE]);
    } else if (guest.present[LIBXL_MEMSTATS_FREE]) {
        dom->hasUsed = true;
        dom->usedKiB = libxlClaimSubKiB(libxlClaimSubKiB(total,
                                                         guest.value[LIBXL_MEMSTATS_FREE]),
                                        guest.value[LIBXL_MEMSTATS_CACHES]);
    }
    /* the guest's own view of its target, bounded by its size */
    if (!libxlMemstatsSuggestKiB(&guest, maxKiB, &dom->suggestKiB))
        dom->suggestKiB = 0;
}


/* Gather one auto domain's figures */
static void
libxlMemoryActorAutoGather(libxlDriverPrivate *driver,
                           libxlDriverConfig *cfg,
                           virDomainObj *vm,
                           const libxl_dominfo *info,
                           unsigned long long nowMs,
                           libxlMemoryPolicyAutoDomain *dom)
{
    libxlDomainObjPrivate *priv = vm->privateData;
    libxlMemoryActorState *state = &priv->memActor;
    unsigned long long maxKiB = virDomainDefGetMemoryTotal(vm->def);

    memset(dom, 0, sizeof(*dom));
    dom->domid = vm->def->id;
    dom->currentKiB = info->current_memkb;
    dom->targetKiB = state->targetKiB ? state->targetKiB : vm->def->mem.cur_balloon;
    dom->ceilingKiB = state->ceilingKiB ? MIN(state->ceilingKiB, maxKiB) : maxKiB;
    dom->floorKiB = MIN(libxlMemoryActorFloorKiB(cfg, vm->def), dom->ceilingKiB);
    dom->startedMs = state->startedMs;
    dom->paused = info->paused ||
                  virDomainObjGetState(vm, NULL) != VIR_DOMAIN_RUNNING;
    dom->paging = libxlMemoryActorPaging(vm->def);
    dom->pagingTargetKiB = state->pagingKiB;
    dom->state = state->autoState;
    libxlMemoryActorGuestFigures(driver, maxKiB, nowMs, dom);
}


/*
 * Apply one auto decision.  The domain is taken in a job, so that no
 * setmem, save, migration or destroy runs meanwhile, and unlocked for the
 * libxl calls; a domain busy in a job of its own is left to the next
 * cycle.
 */
static void
libxlMemoryActorAutoApply(libxlMemoryActor *actor,
                          libxlDriverConfig *cfg,
                          virDomainObj *vm,
                          libxlMemoryPolicyAutoDomain *dom)
{
    libxlDomainObjPrivate *priv;
    libxlMemoryActorState *state;
    unsigned long long maxKiB;
    unsigned long long kib = 0;
    bool writeTarget = false;
    bool clip = false;
    bool unclip = false;
    bool changed = false;
    int rc = 0;

    virObjectLock(vm);
    priv = vm->privateData;
    state = &priv->memActor;
    if (!virDomainObjIsActive(vm) || vm->def->id != dom->domid ||
        libxlMemoryActorOf(vm->def) != VIR_DOMAIN_MEMORY_POLICY_ACTOR_AUTO ||
        virDomainObjBeginJobNowait(vm, VIR_JOB_MODIFY) < 0) {
        virObjectUnlock(vm);
        return;
    }
    maxKiB = virDomainDefGetMemoryTotal(vm->def);

    state->autoState = dom->state;
    if (dom->setTarget) {
        /* a setmem since the decision may have lowered the ceiling */
        kib = dom->newTargetKiB;
        if (state->ceilingKiB && kib > state->ceilingKiB)
            kib = state->ceilingKiB;
        writeTarget = kib != state->targetKiB;
    }
    if (dom->setMaxmem && dom->state.stuck) {
        clip = true;
    } else if (dom->setMaxmem || (writeTarget && state->clippedKiB &&
                                  kib > state->clippedKiB)) {
        /* libxl_domain_setmaxmem() also lowered memory/static-max, above
         * which libxl refuses any target: put it back first */
        unclip = state->clippedKiB != 0;
        if (!writeTarget) {
            kib = state->targetKiB;
            writeTarget = true;
        }
    }
    if (dom->setPaging && dom->pagingKiB != state->pagingKiB) {
        state->pagingKiB = dom->pagingKiB;
        changed = true;
    }

    virObjectUnlock(vm);
    if (clip) {
        if (libxl_domain_setmaxmem(cfg->ctx, dom->domid, dom->maxmemKiB) < 0)
            rc = -1;
    }
    if (unclip && libxl_domain_setmaxmem(cfg->ctx, dom->domid, maxKiB) < 0)
        VIR_WARN("cannot give domain %d its maximum memory back", dom->domid);
    if (writeTarget && libxlMemoryActorWriteTarget(cfg, dom->domid, kib, dom->paging) < 0) {
        VIR_WARN("%s", virGetLastErrorMessage());
        virResetLastError();
        writeTarget = false;
    }
    if (state->pagingKiB &&
        libxlMemoryActorPagingDue(actor, dom->domid, state->pagingKiB))
        libxlMemoryActorWritePaging(actor, dom->domid, state->pagingKiB);
    virObjectLock(vm);

    if (clip && rc == 0 && state->clippedKiB != dom->maxmemKiB) {
        VIR_INFO("domain %s: balloon stuck at %llu KiB, maxmem clipped",
                 vm->def->name, dom->currentKiB);
        state->clippedKiB = dom->maxmemKiB;
        changed = true;
    } else if (clip && rc < 0) {
        VIR_WARN("cannot clip the maximum memory of domain %s", vm->def->name);
    }
    if (unclip) {
        VIR_INFO("domain %s: balloon moving again, maxmem restored", vm->def->name);
        state->clippedKiB = 0;
        changed = true;
    }
    if (writeTarget && kib != state->targetKiB) {
        VIR_INFO("domain %s: auto target %llu -> %llu KiB (%s)",
                 vm->def->name, state->targetKiB, kib,
                 libxlMemoryPolicyReasonTypeToString(dom->reason));
        state->targetKiB = kib;
        state->setMs = libxlMemoryActorNow();
        vm->def->mem.cur_balloon = kib;
        changed = true;
    }
    if (changed)
        libxlMemoryActorSave(actor->driver, vm);
    virDomainObjEndJob(vm);
    virObjectUnlock(vm);
}


/*
 * One domain's share of a cycle, but for the auto decision: its pager,
 * the balloon actor's paging target, and its figures for auto.  Under a
 * job, unlocked for the pager's start and the xenstore write.
 */
static bool
libxlMemoryActorTend(libxlMemoryActor *actor,
                     libxlDriverConfig *cfg,
                     virDomainObj *vm,
                     const libxl_dominfo *info,
                     unsigned long long now,
                     libxlMemoryPolicyAutoDomain *autoDom)
{
    libxlDriverPrivate *driver = actor->driver;
    libxlDomainObjPrivate *priv = vm->privateData;
    libxlMemoryActorState *state = &priv->memActor;
    g_autofree char *dir = NULL;
    g_autofree char *name = NULL;
    bool changed = false;
    bool spawn = false;
    bool isAuto = false;
    unsigned long long paging = 0;
    int domid = vm->def->id;
    pid_t pid = 0;

    if (virDomainObjBeginJobNowait(vm, VIR_JOB_MODIFY) < 0)
        return false;

    changed |= libxlMemoryActorTendPager(cfg, vm, now, &spawn);
    switch (libxlMemoryActorOf(vm->def)) {
    case VIR_DOMAIN_MEMORY_POLICY_ACTOR_BALLOON:
        changed |= libxlMemoryActorBalloonStep(vm, info, now);
        break;
    case VIR_DOMAIN_MEMORY_POLICY_ACTOR_AUTO:
        libxlMemoryActorAutoGather(driver, cfg, vm, info, now, autoDom);
        isAuto = true;
        break;
    case VIR_DOMAIN_MEMORY_POLICY_ACTOR_NONE:
    case VIR_DOMAIN_MEMORY_POLICY_ACTOR_MANUAL:
    case VIR_DOMAIN_MEMORY_POLICY_ACTOR_LAST:
        break;
    }
    if (libxlMemoryActorPaging(vm->def) && state->pagerPid > 0 &&
        libxlMemoryActorPagingDue(actor, domid,
                                  state->pagingKiB ? state->pagingKiB :
                                  virDomainDefGetMemoryTotal(vm->def)))
        paging = state->pagingKiB ? state->pagingKiB :
                 virDomainDefGetMemoryTotal(vm->def);

    if (spawn || paging) {
        dir = libxlMemoryActorPagerDir(cfg);
        name = g_strdup(vm->def->name);
        virObjectUnlock(vm);
        if (paging)
            libxlMemoryActorWritePaging(actor, domid, paging);
        if (spawn &&
            libxlPagerStart(cfg->pagerProgram, dir, cfg->logDir, name, domid,
                            false, &pid) < 0) {
            VIR_WARN("cannot restart the pager of domain %s: %s", name,
                     virGetLastErrorMessage());
            virResetLastError();
            pid = 0;
        }
        virObjectLock(vm);
        if (pid > 0) {
            state->pagerPid = pid;
            state->pagerSpawnMs = libxlMemoryActorNow();
        }
    }
    if (changed)
        libxlMemoryActorSave(driver, vm);
    virDomainObjEndJob(vm);
    return isAuto;
}


static void
libxlMemoryActorCycle(libxlMemoryActor *actor)
{
    libxlDriverPrivate *driver = actor->driver;
    g_autoptr(libxlDriverConfig) cfg = libxlDriverConfigGet(driver);
    libxlMemoryActorHost host = { 0 };
#ifndef LIBXL_HAVE_UNCLAIMED_FREE_MEMORY
    libxl_physinfo phys;
#endif
    virDomainObj **vms = NULL;
    size_t nvms = 0;
    g_autofree libxlMemoryPolicyAutoDomain *autos = NULL;
    g_autofree virDomainObj **autoVms = NULL;
    size_t nautos = 0;
    unsigned long long now = libxlMemoryActorNow();
    gint64 startUs = g_get_monotonic_time();
    unsigned long long demandKiB = 0;
    libxlMemoryPolicyConfig policy;
    size_t i;
    int rc;

    /* hypercalls: out of libxl's forks (libxl_fork_guard.c) */
    libxlForkGuardEnter();
    host.list = libxl_list_domain(cfg->ctx, &host.n);
    libxlForkGuardLeave();
    if (!host.list)
        return;
#ifdef LIBXL_HAVE_UNCLAIMED_FREE_MEMORY
    /* libxl's figure, as admission's */
    if (libxlNodeMemoryUnclaimedKiB(cfg, NULL, &host.freeKiB) == 0)
        host.known = true;
    else
        virResetLastError();
#else
    libxl_physinfo_init(&phys);
    libxlForkGuardEnter();
    rc = libxl_get_physinfo(cfg->ctx, &phys);
    libxlForkGuardLeave();
    if (rc == 0) {
        /* as admission and libxl_get_free_memory() count it: pages being
         * scrubbed are free too */
        host.freeKiB = libxlClaimSubKiB(phys.free_pages + phys.scrub_pages,
                                        phys.outstanding_pages) * 4;
        host.known = true;
    }
    libxl_physinfo_dispose(&phys);
#endif

    virDomainObjListCollect(driver->domains, NULL, &vms, &nvms, NULL,
                            VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    autos = g_new0(libxlMemoryPolicyAutoDomain, nvms ? nvms : 1);
    autoVms = g_new0(virDomainObj *, nvms ? nvms : 1);

    for (i = 0; i < nvms; i++) {
        virDomainObj *vm = vms[i];
        const libxl_dominfo *info;

        virObjectLock(vm);
        /* a domain in a job (starting, migrating, changing) is its
         * job's; the next cycle sees it again */
        if (virDomainObjIsActive(vm) && vm->def->id > 0 &&
            (info = libxlMemoryActorFindInfo(&host, vm->def->id)) &&
            libxlMemoryActorTend(actor, cfg, vm, info, now, &autos[nautos]))
            autoVms[nautos++] = vm;
        virObjectUnlock(vm);
    }

    libxlMemoryActorPolicyConfig(cfg, &policy);
    VIR_WITH_MUTEX_LOCK_GUARD(&libxlMemoryActorGlobalLock) {
        libxlMemoryActorGuestsGive = libxlMemoryPolicyAutoSqueezableKiB(&policy, now,
                                                                        autos, nautos);
    }

    if (nautos > 0 && !host.known) {
        VIR_WARN("cannot read the host's free memory: the auto actor waits");
    } else if (nautos > 0 && libxlAdmissionDemandKiB(cfg, &demandKiB) < 0) {
        VIR_WARN("cannot read the starts in progress: the auto actor waits: %s",
                 virGetLastErrorMessage());
        virResetLastError();
    } else if (nautos > 0) {
        libxlMemoryPolicyAutoHost autoHost = {
            .nowMs = now,
            .freeKiB = host.freeKiB,
            .demandKiB = demandKiB,
        };

        libxlMemoryPolicyAutoDecide(&policy, &autoHost, autos, nautos);
        for (i = 0; i < nautos; i++)
            libxlMemoryActorAutoApply(actor, cfg, autoVms[i], &autos[i]);
    }

    /* forget what was written for domains that are gone */
    if (g_hash_table_size(actor->written) > 0) {
        GHashTableIter iter;
        gpointer key;

        g_hash_table_iter_init(&iter, actor->written);
        while (g_hash_table_iter_next(&iter, &key, NULL)) {
            if (!libxlMemoryActorFindInfo(&host, GPOINTER_TO_INT(key)))
                g_hash_table_iter_remove(&iter);
        }
    }

    VIR_DEBUG("memory actor cycle: %zu domains, %zu auto, %lld us",
              nvms, nautos, (long long)(g_get_monotonic_time() - startUs));
    virObjectListFreeCount(vms, nvms);
    libxl_dominfo_list_free(host.list, host.n);
}


static void
libxlMemoryActorThread(void *opaque)
{
    libxlMemoryActor *actor = opaque;
    unsigned long long now;

    virMutexLock(&actor->lock);
    while (!actor->quit) {
        if (!actor->kicked) {
            if (virTimeMillisNow(&now) < 0)
                break;
            if (virCondWaitUntil(&actor->cond, &actor->lock,
                                 now + LIBXL_MEMORY_ACTOR_CYCLE_MS) < 0 &&
                errno != ETIMEDOUT)
                break;
        }
        if (actor->quit)
            break;
        actor->kicked = false;
        virMutexUnlock(&actor->lock);
        libxlMemoryActorCycle(actor);
        virMutexLock(&actor->lock);
    }
    virMutexUnlock(&actor->lock);
}


libxlMemoryActor *
libxlMemoryActorNew(libxlDriverPrivate *driver)
{
    libxlMemoryActor *actor = g_new0(libxlMemoryActor, 1);

    actor->driver = driver;
    if (libxlForkGuardInit() != 0)
        VIR_WARN("cannot keep the memory actors' polls out of forks: a fork during one may hang");
    actor->written = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                           NULL, g_free);
    if (virMutexInit(&actor->lock) < 0)
        goto error_table;
    if (virCondInit(&actor->cond) < 0)
        goto error_mutex;
    if (virThreadCreateFull(&actor->thread, true, libxlMemoryActorThread,
                            "libxl-memactor", false, actor) < 0) {
        VIR_WARN("cannot start the memory policy actors: targets set by "
                 "setmem alone will be applied");
        goto error_cond;
    }
    VIR_WITH_MUTEX_LOCK_GUARD(&libxlMemoryActorGlobalLock) {
        libxlMemoryActorRunning = actor;
    }
    return actor;

 error_cond:
    virCondDestroy(&actor->cond);
 error_mutex:
    virMutexDestroy(&actor->lock);
 error_table:
    g_hash_table_destroy(actor->written);
    g_free(actor);
    return NULL;
}


void
libxlMemoryActorFree(libxlMemoryActor *actor)
{
    if (!actor)
        return;
    VIR_WITH_MUTEX_LOCK_GUARD(&libxlMemoryActorGlobalLock) {
        libxlMemoryActorRunning = NULL;
        libxlMemoryActorGuestsGive = 0;
    }
    virMutexLock(&actor->lock);
    actor->quit = true;
    virCondSignal(&actor->cond);
    virMutexUnlock(&actor->lock);
    virThreadJoin(&actor->thread);

    if (actor->xsh) {
        libxlForkGuardEnter();
        xs_close(actor->xsh);
        libxlForkGuardLeave();
    }
    virCondDestroy(&actor->cond);
    virMutexDestroy(&actor->lock);
    g_hash_table_destroy(actor->written);
    g_free(actor);
}
