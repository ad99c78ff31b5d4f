/*
 * libxl_memory_actor.c: the domains' memory policy actors at work
 *
 * Each domain's <memoryPolicy actor=.../> says who moves its memory to a
 * target: nobody (none), the admin target by target (manual), the
 * balloon and then, after a delay, the pager (balloon), or a host-wide
 * actor that follows the guests' needs (auto).  The decisions are made
 * in libxl_memory_policy.c; this file holds what the driver calls (starts,
 * stops, reconnects, setmem, memtune), and libxl_memory_actor_cycle.c the
 * thread that reads what the decisions need, applies them and supervises
 * the pagers.
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
#include "libxl_pager.h"
#include "virdomainobjlist.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virthread.h"
#include "virtime.h"
#include "virtypedparam.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("libxl.libxl_memory_actor");

/* The delay a <memoryPolicy/> without delay= gives the balloon, as the
 * libxl memory policy proposal did */
#define LIBXL_MEMORY_ACTOR_DELAY_DEFAULT 5




virDomainMemoryPolicyActor
libxlMemoryActorOf(const virDomainDef *def)
{
    /* without the element, setmem sets the balloon target and nothing
     * else, as the driver always did */
    if (!def->memoryPolicy)
        return VIR_DOMAIN_MEMORY_POLICY_ACTOR_MANUAL;
    return def->memoryPolicy->actor;
}


bool
libxlMemoryActorPaging(const virDomainDef *def)
{
    return def->memoryPolicy &&
           def->memoryPolicy->paging == VIR_TRISTATE_SWITCH_ON;
}


unsigned int
libxlMemoryActorDelay(const virDomainDef *def)
{
    if (def->memoryPolicy && def->memoryPolicy->hasDelay)
        return def->memoryPolicy->delay;
    return LIBXL_MEMORY_ACTOR_DELAY_DEFAULT;
}


unsigned long long
libxlMemoryActorNow(void)
{
    unsigned long long now = 0;

    ignore_value(virTimeMillisNow(&now));
    return now;
}


char *
libxlMemoryActorPagerDir(libxlDriverConfig *cfg)
{
    return g_strdup_printf("%s/paging", cfg->libDir);
}


void
libxlMemoryActorSave(libxlDriverPrivate *driver,
                     virDomainObj *vm)
{
    g_autoptr(libxlDriverConfig) cfg = libxlDriverConfigGet(driver);

    if (virDomainObjSave(vm, driver->xmlopt, cfg->stateDir) < 0)
        VIR_WARN("cannot save the status of domain %s: its memory actor's "
                 "pending work may be lost on a restart", vm->def->name);
}


/* Write the balloon target: with enforce, as xl mem-set and the driver
 * always did, so that maxmem follows and the domain can neither grow back
 * past a lowered target nor be kept below a raised one (libxl builds a
 * domain with maxmem at its target, not at its maximum).  A paged domain
 * on a libxl with LIBXL_HAVE_MEMORY_TARGETS (xen-patches/, patch 4) gets
 * the call for the target alone, in the same unit (KiB of the domain's
 * total, video RAM included), which leaves maxmem where its build put it,
 * at the domain's maximum: a maxmem below the paging target would keep
 * xenpaging from paging back in. */
int
libxlMemoryActorWriteTarget(libxlDriverConfig *cfg,
                            int domid,
                            unsigned long long kib,
                            bool paged)
{
    int rc;

#ifdef LIBXL_HAVE_MEMORY_TARGETS
    if (paged)
        rc = libxl_domain_set_balloon_target(cfg->ctx, domid, kib) == 0 ? 0 : -1;
    else
        rc = libxlSetMemoryTargetWrapper(cfg->ctx, domid, kib, 0, 1);
#else
    (void)paged;            /* stock libxl: paged or not, with enforce */
    rc = libxlSetMemoryTargetWrapper(cfg->ctx, domid, kib, 0, 1);
#endif

    if (rc < 0) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("cannot set the balloon target of domain %d to %llu KiB"),
                       domid, kib);
        return -1;
    }
    return 0;
}


/*
 * A paged domain is built at its maximum: below it libxl builds an HVM
 * domain to populate on demand, which xenpaging refuses.  Its current
 * memory becomes its balloon target once it runs (and its pager with it),
 * so that a domain ballooned down before a save, a migration or a reboot
 * starts again.
 */
void
libxlMemoryActorSetBuildInfo(const virDomainDef *def,
                             libxl_domain_build_info *b_info)
{
    if (libxlMemoryActorPaging(def))
        b_info->target_memkb = b_info->max_memkb;
}


int
libxlMemoryActorCheckStart(libxlDriverPrivate *driver,
                           virDomainDef *def)
{
    g_autoptr(libxlDriverConfig) cfg = libxlDriverConfigGet(driver);

    if (libxlMemoryActorPaging(def) && !virFileIsExecutable(cfg->pagerProgram)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("paging domain '%s' needs the pager '%s' (pager_program in libxl.conf), which is not an executable"),
                       def->name, cfg->pagerProgram);
        return -1;
    }
    return 0;
}


int
libxlMemoryActorDomainStarted(libxlDriverPrivate *driver,
                              virDomainObj *vm)
{
    libxlDomainObjPrivate *priv = vm->privateData;
    libxlMemoryActorState *state = &priv->memActor;
    g_autoptr(libxlDriverConfig) cfg = libxlDriverConfigGet(driver);
    g_autofree char *dir = NULL;
    g_autofree char *name = NULL;
    unsigned long long maxKiB = virDomainDefGetMemoryTotal(vm->def);
    unsigned long long target = vm->def->mem.cur_balloon;
    int domid = vm->def->id;
    pid_t pid = 0;
    int rc;

    memset(state, 0, sizeof(*state));
    state->startedMs = libxlMemoryActorNow();
    state->targetKiB = target;
    state->setMs = state->startedMs;

    if (!libxlMemoryActorPaging(vm->def))
        return 0;

    /* the pager reports within moments whether the hypervisor lets it
     * page; the domain stays locked out by the start's job meanwhile.
     * Then the balloon target, the domain having been built at its
     * maximum. */
    dir = libxlMemoryActorPagerDir(cfg);
    name = g_strdup(vm->def->name);
    virObjectUnlock(vm);
    rc = libxlPagerStart(cfg->pagerProgram, dir, cfg->logDir, name, domid,
                         true, &pid);
    if (rc == 0 && target < maxKiB)
        rc = libxlMemoryActorWriteTarget(cfg, domid, target, true);
    virObjectLock(vm);
    if (pid > 0) {
        state->pagerPid = pid;
        state->pagerSpawnMs = libxlMemoryActorNow();
    }
    if (rc < 0)
        return -1;
    libxlMemoryActorKick(driver);
    return 0;
}


void
libxlMemoryActorDomainStopped(libxlDriverPrivate *driver,
                              virDomainObj *vm)
{
    libxlDomainObjPrivate *priv = vm->privateData;
    libxlMemoryActorState *state = &priv->memActor;
    g_autoptr(libxlDriverConfig) cfg = libxlDriverConfigGet(driver);

    if (state->pagerPid > 0 || libxlMemoryActorPaging(vm->def)) {
        g_autofree char *dir = libxlMemoryActorPagerDir(cfg);
        g_autofree char *pagefile = libxlPagerFile(dir, vm->def->name);

        VIR_INFO("stopping pager %lld of domain %s",
                 (long long)state->pagerPid, vm->def->name);
        libxlPagerStop(state->pagerPid, cfg->pagerProgram, pagefile,
                       libxlMemoryActorNow() < state->pagerSpawnMs +
                       LIBXL_MEMORY_ACTOR_PAGER_EXEC_MS);
    }
    memset(state, 0, sizeof(*state));
}


/* What libxl_set_memory_target() writes for a current memory of C KiB is
 * memory/target = C - memory/videoram; libxl's build writes 1 MiB less
 * (LIBXL_MAXMEM_CONSTANT, internal to libxl) for an HVM domain populated
 * on demand, its current memory below its maximum. */
#define LIBXL_MEMORY_ACTOR_BUILD_FUDGE_KIB 1024ULL

/* 0 with the key's value, 1 if there is no such key, -1 otherwise */
static int
libxlMemoryActorReadKey(struct xs_handle *xsh,
                        int domid,
                        const char *key,
                        unsigned long long *kib)
{
    g_autofree char *path = g_strdup_printf("/local/domain/%d/memory/%s",
                                            domid, key);
    g_autofree char *value = NULL;
    unsigned int len = 0;

    if (!(value = xs_read(xsh, XBT_NULL, path, &len))) {
        if (errno == ENOENT)
            return 1;
        VIR_WARN("cannot read %s: %s", path, g_strerror(errno));
        return -1;
    }
    if (strlen(value) != len ||
        virStrToLong_ullp(value, NULL, 10, kib) < 0) {
        VIR_WARN("%s of domain %d is not a number of KiB: '%s'",
                 path, domid, value);
        return -1;
    }
    return 0;
}


/* The balloon target the host has for a domain, in the unit of its
 * current memory (KiB, video RAM included) */
static int
libxlMemoryActorReadTarget(int domid,
                           unsigned long long *targetKiB,
                           unsigned long long *videoKiB)
{
    struct xs_handle *xsh;
    int err;
    int rc = -1;

    /* opened and closed out of libxl's forks (libxl_fork_guard.c) */
    libxlForkGuardEnter();
    xsh = xs_open(0);
    err = errno;
    libxlForkGuardLeave();
    if (!xsh) {
        VIR_WARN("cannot read the balloon target of domain %d: %s",
                 domid, g_strerror(err));
        return -1;
    }
    *videoKiB = 0;
    /* no memory/videoram key is no video RAM */
    switch (libxlMemoryActorReadKey(xsh, domid, "target", targetKiB)) {
    case 0:
        if (libxlMemoryActorReadKey(xsh, domid, "videoram", videoKiB) >= 0)
            rc = 0;
        break;
    case 1:
        VIR_WARN("domain %d has no balloon target in xenstore", domid);
        break;
    }
    libxlForkGuardEnter();
    xs_close(xsh);
    libxlForkGuardLeave();
    return rc;
}


/*
 * A daemon killed between a balloon target's write and the status save
 * that follows it, or a status save that failed, leaves the host with a
 * target the status XML does not have.  The host's is the one the guest
 * follows and the last the admin or the actor asked for: it is adopted.
 * An auto domain's ceiling from that setmem is lost with the save.
 * Domains of actor 'none' keep what setmem recorded, nothing having
 * been written, and a target above the domain's maximum is not taken
 * (the guest cannot write the keys, but nothing on the host is trusted
 * blindly).  The same reads serve libxl with xen-patches, whose
 * libxl_domain_get_balloon_target() returns their sum too.
 */
static void
libxlMemoryActorAdoptTarget(virDomainObj *vm,
                            libxlMemoryActorState *state)
{
    unsigned long long maxKiB = virDomainDefGetMemoryTotal(vm->def);
    unsigned long long cur = vm->def->mem.cur_balloon;
    unsigned long long targetKiB;
    unsigned long long videoKiB;
    unsigned long long hostKiB;

    if (libxlMemoryActorOf(vm->def) == VIR_DOMAIN_MEMORY_POLICY_ACTOR_NONE)
        return;
    if (libxlMemoryActorReadTarget(vm->def->id, &targetKiB, &videoKiB) < 0)
        return;
    if (targetKiB > maxKiB || videoKiB > maxKiB - targetKiB) {
        VIR_WARN("domain %s: the host's balloon target %llu KiB (video %llu KiB) is above its maximum %llu KiB: keeping %llu KiB",
                 vm->def->name, targetKiB, videoKiB, maxKiB, cur);
        return;
    }
    hostKiB = targetKiB + videoKiB;
    if (hostKiB == cur)
        return;
    /* 0 is what the status XML and the definition read as "not set",
     * which the next start of the daemon would take as the maximum */
    if (hostKiB == 0) {
        VIR_WARN("domain %s: the host's balloon target is 0 KiB: keeping %llu KiB",
                 vm->def->name, cur);
        return;
    }
    /* a paged domain is built at its maximum, with no allowance */
    if (vm->def->os.type == VIR_DOMAIN_OSTYPE_HVM && cur < maxKiB &&
        !libxlMemoryActorPaging(vm->def) &&
        hostKiB + LIBXL_MEMORY_ACTOR_BUILD_FUDGE_KIB == cur)
        return;

    VIR_INFO("domain %s: adopting the host's balloon target %llu KiB (the status had %llu KiB)",
             vm->def->name, hostKiB, cur);
    vm->def->mem.cur_balloon = hostKiB;
    state->targetKiB = hostKiB;
    state->setMs = libxlMemoryActorNow();
    state->dueMs = 0;
}


void
libxlMemoryActorDomainReconnected(libxlDriverPrivate *driver,
                                  virDomainObj *vm)
{
    libxlDomainObjPrivate *priv = vm->privateData;
    libxlMemoryActorState *state = &priv->memActor;
    g_autoptr(libxlDriverConfig) cfg = libxlDriverConfigGet(driver);
    g_autofree char *dir = libxlMemoryActorPagerDir(cfg);
    g_autofree char *pagefile = libxlPagerFile(dir, vm->def->name);

    /* dom0 has no actor: it is ballooned for starts, by admission */
    if (vm->def->id == 0)
        return;
    if (!state->startedMs)
        state->startedMs = libxlMemoryActorNow();
    if (!state->targetKiB)
        state->targetKiB = vm->def->mem.cur_balloon;
    libxlMemoryActorAdoptTarget(vm, state);

    /* the pager outlived the old daemon, or the actor's thread starts a
     * new one at once */
    if (state->pagerPid > 0 &&
        !libxlPagerAlive(state->pagerPid, cfg->pagerProgram, pagefile, false)) {
        VIR_INFO("pager %lld of domain %s is gone: restarting it",
                 (long long)state->pagerPid, vm->def->name);
        state->pagerPid = 0;
        state->pagerRetryMs = 0;
    } else if (state->pagerPid > 0) {
        VIR_INFO("adopted pager %lld of domain %s",
                 (long long)state->pagerPid, vm->def->name);
    }
}


int
libxlMemoryActorSetMemory(libxlDriverPrivate *driver,
                          virDomainObj *vm,
                          unsigned long long kib)
{
    libxlDomainObjPrivate *priv = vm->privateData;
    libxlMemoryActorState *state = &priv->memActor;
    g_autoptr(libxlDriverConfig) cfg = libxlDriverConfigGet(driver);
    virDomainMemoryPolicyActor actor = libxlMemoryActorOf(vm->def);
    bool paged = libxlMemoryActorPaging(vm->def);
    int domid = vm->def->id;
    unsigned long long now = libxlMemoryActorNow();
    int rc = 0;

    switch (actor) {
    case VIR_DOMAIN_MEMORY_POLICY_ACTOR_NONE:
        /* recorded, and nothing moves */
        VIR_INFO("domain %s: memory target %llu KiB recorded (actor none)",
                 vm->def->name, kib);
        break;

    case VIR_DOMAIN_MEMORY_POLICY_ACTOR_MANUAL:
    case VIR_DOMAIN_MEMORY_POLICY_ACTOR_BALLOON:
        virObjectUnlock(vm);
        rc = libxlMemoryActorWriteTarget(cfg, domid, kib, paged);
        virObjectLock(vm);
        if (rc < 0)
            return -1;
        VIR_INFO("domain %s: balloon target %llu KiB (actor %s)",
                 vm->def->name, kib,
                 virDomainMemoryPolicyActorTypeToString(actor));
        break;

    case VIR_DOMAIN_MEMORY_POLICY_ACTOR_AUTO:
        /* the admin's figure is the most the actor may give; a target
         * above it comes down at once.  A setmem that fails changes
         * nothing: the ceiling is the new one only once the target is
         * below it (the actor leaves the domain alone meanwhile, the
         * setmem's job having it). */
        if (state->targetKiB > kib || !state->targetKiB) {
            virObjectUnlock(vm);
            rc = libxlMemoryActorWriteTarget(cfg, domid, kib, paged);
            virObjectLock(vm);
            if (rc < 0)
                return -1;
            state->targetKiB = kib;
        }
        state->ceilingKiB = kib;
        VIR_INFO("domain %s: ceiling %llu KiB (actor auto)", vm->def->name, kib);
        vm->def->mem.cur_balloon = state->targetKiB;
        libxlMemoryActorSave(driver, vm);
        libxlMemoryActorKick(driver);
        return 0;

    case VIR_DOMAIN_MEMORY_POLICY_ACTOR_LAST:
    default:
        virReportEnumRangeError(virDomainMemoryPolicyActor, actor);
        return -1;
    }

    state->targetKiB = kib;
    state->setMs = now;
    if (actor == VIR_DOMAIN_MEMORY_POLICY_ACTOR_BALLOON)
        state->dueMs = 0;
    vm->def->mem.cur_balloon = kib;
    libxlMemoryActorSave(driver, vm);
    libxlMemoryActorKick(driver);
    return 0;
}


int
libxlMemoryActorGetParameters(libxlDriverPrivate *driver G_GNUC_UNUSED,
                              virDomainObj *vm,
                              virDomainDef *def,
                              virTypedParameterPtr params,
                              int *nparams,
                              unsigned int flags)
{
    libxlDomainObjPrivate *priv = vm->privateData;
    unsigned long long paging = 0;
    int n = 0;

    if (*nparams == 0) {
        *nparams = 2;
        return 0;
    }

    if ((flags & VIR_DOMAIN_AFFECT_LIVE) && virDomainObjIsActive(vm))
        paging = priv->memActor.pagingKiB;

    if (n < *nparams &&
        virTypedParameterAssign(&params[n++], VIR_DOMAIN_MEMORY_PAGING_TARGET,
                                VIR_TYPED_PARAM_ULLONG, paging) < 0)
        return -1;
    if (n < *nparams &&
        virTypedParameterAssign(&params[n++], VIR_DOMAIN_MEMORY_MIN_GUARANTEE,
                                VIR_TYPED_PARAM_ULLONG,
                                def->mem.min_guarantee) < 0)
        return -1;
    *nparams = n;
    return 0;
}


/* Whether the admin may set this paging target; nothing is changed */
static int
libxlMemoryActorCheckPaging(virDomainObj *vm,
                            unsigned long long kib)
{
    virDomainMemoryPolicyActor actor = libxlMemoryActorOf(vm->def);
    unsigned long long maxKiB = virDomainDefGetMemoryTotal(vm->def);

    if (!virDomainObjIsActive(vm)) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                       _("a paging target applies to a running domain only"));
        return -1;
    }
    if (!libxlMemoryActorPaging(vm->def)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("domain '%s' is not paged: its <memoryPolicy/> needs paging='on'"),
                       vm->def->name);
        return -1;
    }
    if (actor != VIR_DOMAIN_MEMORY_POLICY_ACTOR_MANUAL) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("the paging target of domain '%s' is set by its memory policy actor '%s': only actor 'manual' takes it from the admin"),
                       vm->def->name, virDomainMemoryPolicyActorTypeToString(actor));
        return -1;
    }
    if (kib > maxKiB) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("paging target %llu KiB of domain '%s' is above its maximum memory %llu KiB"),
                       kib, vm->def->name, maxKiB);
        return -1;
    }
    return 0;
}


int
libxlMemoryActorSetParameters(libxlDriverPrivate *driver,
                              virDomainObj *vm,
                              virDomainDef *persistentDef,
                              virTypedParameterPtr params,
                              int nparams,
                              unsigned int flags)
{
    g_autoptr(libxlDriverConfig) cfg = libxlDriverConfigGet(driver);
    libxlDomainObjPrivate *priv = vm->privateData;
    bool live = (flags & VIR_DOMAIN_AFFECT_LIVE) && virDomainObjIsActive(vm);
    bool livePaging = false;
    size_t i;

    if (virTypedParamsValidate(params, nparams,
                               VIR_DOMAIN_MEMORY_PAGING_TARGET,
                               VIR_TYPED_PARAM_ULLONG,
                               VIR_DOMAIN_MEMORY_MIN_GUARANTEE,
                               VIR_TYPED_PARAM_ULLONG,
                               NULL) < 0)
        return -1;

    /* everything is checked before anything changes */
    for (i = 0; i < nparams; i++) {
        if (STREQ(params[i].field, VIR_DOMAIN_MEMORY_PAGING_TARGET) &&
            ((flags & VIR_DOMAIN_AFFECT_CONFIG) && !live)) {
            virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                           _("a paging target applies to a running domain only"));
            return -1;
        }
        if (STREQ(params[i].field, VIR_DOMAIN_MEMORY_PAGING_TARGET) &&
            libxlMemoryActorCheckPaging(vm, params[i].value.ul) < 0)
            return -1;
    }

    for (i = 0; i < nparams; i++) {
        virTypedParameterPtr param = &params[i];

        if (STREQ(param->field, VIR_DOMAIN_MEMORY_PAGING_TARGET)) {
            priv->memActor.pagingKiB = param->value.ul;
            VIR_INFO("domain %s: paging target %llu KiB (actor manual)",
                     vm->def->name, param->value.ul);
            livePaging = true;
        } else if (STREQ(param->field, VIR_DOMAIN_MEMORY_MIN_GUARANTEE)) {
            if (live)
                vm->def->mem.min_guarantee = param->value.ul;
            if (persistentDef)
                persistentDef->mem.min_guarantee = param->value.ul;
        }
    }

    if (live)
        libxlMemoryActorSave(driver, vm);
    if (persistentDef &&
        virDomainDefSave(persistentDef, driver->xmlopt, cfg->configDir) < 0)
        return -1;
    if (livePaging)
        libxlMemoryActorKick(driver);
    return 0;
}


/* Tell the domain's pager the allocation to page to.  No paging target
 * is the domain's whole maximum: xenpaging pages everything back in. */
