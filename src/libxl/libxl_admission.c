/*
 * libxl_admission.c: claim-aware admission of domain starts
 *
 * A start that claims its memory either stakes its whole claim or fails
 * before any page is populated: the hypervisor's claim is atomic.  This
 * file makes the driver's side of a start agree with it:
 *
 *  - it sets the build's claim_mode from <memoryClaim/> and libxl.conf;
 *  - before the build, it checks the domain fits in memory that nobody
 *    else counts on: free memory minus outstanding claims minus what
 *    builds this driver has under way will still take (a ledger of starts
 *    in flight, so two concurrent starts never count the same pages);
 *  - with autoballooning on, it balloons dom0 by exactly the gap, waits
 *    only while dom0 makes progress, and starts the domain; the start's
 *    place in the ledger reserves the memory meanwhile, so the wait holds
 *    no lock, and a refused start puts dom0's target back;
 *  - a start that cannot fit fails at once with one error that gives the
 *    numbers; so does a build whose claim lost a race.
 *
 * The arithmetic is in libxl_claim.c; this file reads the host and acts.
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

#include <unistd.h>

#include "libxl_admission.h"
#include "libxl_fork_guard.h"
#include "libxl_api_wrapper.h"
#include "libxl_build_record.h"
#include "libxl_claim.h"
#include "libxl_memory_actor.h"
#include "libxl_node_memory.h"
#include "virerror.h"
#include "virlog.h"
#include "virthread.h"
#include "virtime.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("libxl.libxl_admission");

/* How often a ballooning start looks at dom0, and how long dom0 may make
 * no progress before the start gives up on it */
#define LIBXL_ADMISSION_POLL_MS 100
#define LIBXL_ADMISSION_STALL_MS 2000
#define LIBXL_ADMISSION_BALLOON_MAX_MS 60000
/* How often the host is read again when builds moved during a read */
#define LIBXL_ADMISSION_READ_TRIES 3

struct _libxlAdmissionTicket {
    unsigned char uuid[VIR_UUID_BUFLEN];
    char *name;
    unsigned long long needKiB;
    bool claim;
    /* what this start lowered dom0's target by, and the target before
     * (shared by the starts lowering it at the same time) */
    unsigned long long loweredKiB;
    unsigned long long dom0TargetKiB;
    bool waiting;               /* for dom0, its lowering not yet used */
    libxlAdmissionTicket *next;
};

/* Starts under way, from admission (or the start of their wait for dom0)
 * until their build returns, oldest first.  The lock is held only to read
 * the host and change the ledger, never across a wait. */
static virMutex libxlAdmissionLock = VIR_MUTEX_INITIALIZER;
static libxlAdmissionTicket *libxlAdmissionTickets;


/**
 * libxlAdmissionSetBuildInfo:
 *
 * The build claims when the domain says so, or when it says nothing and
 * the host default (claim_mode in libxl.conf) is on.  The setting is left
 * to libxl's default when neither asks for a claim, so that configurations
 * without the feature stay as they were.
 */
void
libxlAdmissionSetBuildInfo(const virDomainDef *def,
                           const libxlDriverConfig *cfg,
                           libxl_domain_build_info *b_info)
{
    if (!def->memoryClaim.present && !cfg->claimMode)
        return;

    libxl_defbool_set(&b_info->claim_mode,
                      virDomainMemoryClaimDefWanted(&def->memoryClaim,
                                                    cfg->claimMode));
}


static bool
libxlAdmissionWantsClaim(const libxl_domain_config *d_config)
{
    return !libxl_defbool_is_default(d_config->b_info.claim_mode) &&
           libxl_defbool_val(d_config->b_info.claim_mode);
}


/* What the other starts in flight will still take.  A start waiting for
 * dom0 counts only the starts older than itself: younger ones were
 * admitted on top of its reservation, or wait behind it; with @younger,
 * every start but @self counts (what all of them will take).  A dying domain
 * is an earlier incarnation of the same UUID (a reboot, destroy and
 * start): its pages are not this start's.  Called with the admission lock
 * held. */
static int
libxlAdmissionPendingKiB(libxlDriverConfig *cfg,
                         const libxlAdmissionTicket *self,
                         bool younger,
                         unsigned long long *pendingKiB)
{
    libxlAdmissionTicket *t;
    libxl_dominfo *doms = NULL;
    int ndoms = 0;
    int i;

    *pendingKiB = 0;
    if (!libxlAdmissionTickets ||
        (libxlAdmissionTickets == self && !(younger && self->next)))
        return 0;

    /* hypercalls: out of libxl's forks (libxl_fork_guard.c) */
    libxlForkGuardEnter();
    doms = libxl_list_domain(cfg->ctx, &ndoms);
    libxlForkGuardLeave();
    if (!doms) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("libxl_list_domain failed"));
        return -1;
    }

    for (t = libxlAdmissionTickets; t; t = t->next) {
        unsigned long long currentKiB = 0;
        unsigned long long outstandingKiB = 0;

        if (t == self) {
            if (!younger)
                break;
            continue;
        }

        for (i = 0; i < ndoms; i++) {
            if (doms[i].dying)
                continue;
            if (memcmp(doms[i].uuid.uuid, t->uuid, VIR_UUID_BUFLEN) == 0) {
                currentKiB = doms[i].current_memkb;
                outstandingKiB = doms[i].outstanding_memkb;
            }
        }
        *pendingKiB = libxlClaimAddKiB(*pendingKiB,
                                       libxlClaimPendingKiB(t->needKiB, currentKiB,
                                                            outstandingKiB));
    }

    libxl_dominfo_list_free(doms, ndoms);
    return 0;
}


/* Called with the admission lock held */
static int
libxlAdmissionReadHost(libxlDriverConfig *cfg,
                       const libxlAdmissionTicket *self,
                       libxlClaimHost *host)
{
    libxlNodeMemory mem;
    libxl_dominfo dom0;
    uint64_t targetKiB = 0;
    size_t i;
    int rc;

    libxl_dominfo_init(&dom0);
    libxlForkGuardEnter();
    rc = libxl_domain_info(cfg->ctx, &dom0, 0);
    libxlForkGuardLeave();
    host->dom0KiB = dom0.current_memkb;
    libxl_dominfo_dispose(&dom0);
    if (rc != 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("libxl_domain_info failed for domain 0"));
        return -1;
    }
    /* dom0 growing towards a higher target will take pages that look
     * free; below its allocation it is giving them back */
    if (libxl_get_memory_target(cfg->ctx, 0, &targetKiB) < 0) {
        virReportError(VIR_ERR_OPERATION_FAILED, "%s",
                       _("cannot read dom0's memory target"));
        return -1;
    }
    host->dom0TargetKiB = targetKiB;
    host->autoballoon = cfg->autoballoon;
    host->guestsGiveKiB = libxlMemoryActorGuestsGiveKiB();

    /* Builds go on between the reads of the domain list and of the host's
     * totals: a claim staked in between is either missed by both (totals
     * first: a storm of starts on a real host admitted one too many) or
     * counted by both (list first: a start that fits may be refused).  So
     * the list is read before and after the totals, until what the starts
     * in flight still take is the same both times; if builds keep moving,
     * the larger figure stands, which is safe. */
    for (i = 0; i < LIBXL_ADMISSION_READ_TRIES; i++) {
        unsigned long long after = 0;

        if (libxlAdmissionPendingKiB(cfg, self, false, &host->pendingKiB) < 0 ||
            libxlNodeMemoryRead(cfg, &mem) < 0 ||
            libxlAdmissionPendingKiB(cfg, self, false, &after) < 0)
            return -1;
        if (after == host->pendingKiB)
            break;
        if (after > host->pendingKiB)
            host->pendingKiB = after;
    }
    host->claimedKiB = mem.claimedKiB;
#ifdef LIBXL_HAVE_UNCLAIMED_FREE_MEMORY
    {
        unsigned long long unclaimedKiB;

        /* libxl's own figure of what no domain has claimed: the decision
         * takes the claims off again, the message shows them */
        if (libxlNodeMemoryUnclaimedKiB(cfg, &mem, &unclaimedKiB) < 0)
            return -1;
        host->freeKiB = libxlClaimAddKiB(unclaimedKiB, mem.claimedKiB);
    }
#else
    /* as libxl_get_free_memory(): pages being scrubbed are free too */
    host->freeKiB = mem.freeKiB + mem.scrubKiB;
#endif
    return 0;
}


static void
libxlAdmissionReportShortage(const libxlAdmissionTicket *ticket,
                             const libxlClaimHost *host,
                             const libxlClaimDecision *decision,
                             unsigned long long dom0GaveKiB)
{
    if (host->guestsGiveKiB)
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("not enough memory to start domain '%s': it needs %llu MiB; %llu MiB are free, of which %llu MiB are claimed by other domains and %llu MiB are reserved by starts in progress; dom0 could give %llu MiB and the domains of the auto memory policy actor %llu MiB down to their floors"),
                       ticket->name, ticket->needKiB / 1024,
                       host->freeKiB / 1024, host->claimedKiB / 1024,
                       host->pendingKiB / 1024,
                       (decision->dom0GiveKiB + dom0GaveKiB) / 1024,
                       host->guestsGiveKiB / 1024);
    else if (host->autoballoon)
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("not enough memory to start domain '%s': it needs %llu MiB; %llu MiB are free, of which %llu MiB are claimed by other domains and %llu MiB are reserved by starts in progress; dom0 could give %llu MiB"),
                       ticket->name, ticket->needKiB / 1024,
                       host->freeKiB / 1024, host->claimedKiB / 1024,
                       host->pendingKiB / 1024,
                       (decision->dom0GiveKiB + dom0GaveKiB) / 1024);
    else
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("not enough memory to start domain '%s': it needs %llu MiB; %llu MiB are free, of which %llu MiB are claimed by other domains and %llu MiB are reserved by starts in progress; dom0 could give %llu MiB (autoballoon is off)"),
                       ticket->name, ticket->needKiB / 1024,
                       host->freeKiB / 1024, host->claimedKiB / 1024,
                       host->pendingKiB / 1024,
                       (decision->dom0GiveKiB + dom0GaveKiB) / 1024);
}


/* Lower dom0's target to what @decision says.  Called with the admission
 * lock held. */
static int
libxlAdmissionLowerDom0(libxlDriverConfig *cfg,
                        libxlAdmissionTicket *ticket,
                        const libxlClaimHost *host,
                        const libxlClaimDecision *decision)
{
    libxlAdmissionTicket *t;

    /* Starts that lower dom0 at the same time share one baseline, the
     * target before the first of them, so that whichever gives up first,
     * giving back never goes above it nor stops short of it */
    ticket->dom0TargetKiB = host->dom0TargetKiB;
    for (t = libxlAdmissionTickets; t; t = t->next) {
        if (t->waiting && t->loweredKiB) {
            ticket->dom0TargetKiB = t->dom0TargetKiB;
            break;
        }
    }
    if (decision->newTargetKiB == host->dom0TargetKiB)
        return 0;
    /* recorded first, so that a daemon killed from now on until the
     * build is over gives dom0 back at its restart.  This is the one
     * file write under the admission lock: a record of a few hundred
     * bytes on /run, and only when dom0 is to balloon, which the wait
     * for dom0 that follows outlasts by far */
    if (libxlBuildRecordBegin(cfg->stateDir, ticket->uuid, ticket->name,
                              libxlClaimSubKiB(host->dom0TargetKiB,
                                               decision->newTargetKiB),
                              ticket->dom0TargetKiB) < 0)
        return -1;
    if (libxlSetMemoryTargetWrapper(cfg->ctx, 0, decision->newTargetKiB,
                                    /* relative */ 0, /* enforce */ 0) < 0) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("failed to set dom0's memory target to %llu KiB"),
                       decision->newTargetKiB);
        libxlBuildRecordEnd(cfg->stateDir, ticket->uuid);
        return -1;
    }
    ticket->loweredKiB = libxlClaimSubKiB(host->dom0TargetKiB, decision->newTargetKiB);
    ticket->waiting = true;
    VIR_DEBUG("dom0's target %llu -> %llu KiB for domain '%s'",
              host->dom0TargetKiB, decision->newTargetKiB, ticket->name);
    return 0;
}


/* A start that waited for dom0 fits now.  Of what it lowered dom0's
 * target by, it gives back what all starts in flight, this one included,
 * and the claims would still leave free once dom0 reaches its target:
 * others may have freed memory, or a start it waited behind gave up.
 * Called with the admission lock held. */
static void
libxlAdmissionKeepUsed(libxlDriverConfig *cfg,
                       libxlAdmissionTicket *ticket,
                       const libxlClaimHost *host)
{
    unsigned long long othersKiB = 0;
    unsigned long long futureFreeKiB;
    unsigned long long neededKiB;
    unsigned long long give;

    ticket->waiting = false;
    if (ticket->loweredKiB == 0 || !host->dom0TargetKiB ||
        libxlAdmissionPendingKiB(cfg, ticket, true, &othersKiB) < 0)
        return;

    /* free memory once dom0 has reached its target, up or down */
    if (host->dom0KiB >= host->dom0TargetKiB)
        futureFreeKiB = libxlClaimAddKiB(host->freeKiB,
                                         host->dom0KiB - host->dom0TargetKiB);
    else
        futureFreeKiB = libxlClaimSubKiB(host->freeKiB,
                                         host->dom0TargetKiB - host->dom0KiB);
    neededKiB = libxlClaimAddKiB(libxlClaimAddKiB(host->claimedKiB, othersKiB),
                                 ticket->needKiB);
    give = libxlClaimSubKiB(futureFreeKiB, neededKiB);
    if (give > ticket->loweredKiB)
        give = ticket->loweredKiB;
    if (give == 0)
        return;
    if (libxlSetMemoryTargetWrapper(cfg->ctx, 0, host->dom0TargetKiB + give,
                                    /* relative */ 0, /* enforce */ 0) < 0) {
        VIR_WARN("cannot give %llu KiB of dom0's target back", give);
        return;
    }
    VIR_DEBUG("domain '%s' fits: %llu KiB of dom0's target given back",
              ticket->name, give);
    ticket->loweredKiB -= give;
}


/* A start that ballooned dom0 and is refused gives back what it asked
 * dom0 for, however far dom0 went meanwhile, and no more than the target
 * it found.  Called with the admission lock held. */
static void
libxlAdmissionRestoreDom0(libxlDriverConfig *cfg,
                          libxlAdmissionTicket *ticket)
{
    uint64_t targetKiB = 0;
    unsigned long long restoreKiB;

    ticket->waiting = false;
    if (ticket->loweredKiB == 0)
        return;
    if (libxl_get_memory_target(cfg->ctx, 0, &targetKiB) < 0) {
        VIR_WARN("cannot read dom0's memory target to give back %llu KiB",
                 ticket->loweredKiB);
        return;
    }
    restoreKiB = libxlClaimAddKiB(targetKiB, ticket->loweredKiB);
    if (restoreKiB > ticket->dom0TargetKiB)
        restoreKiB = ticket->dom0TargetKiB;
    if (restoreKiB > targetKiB &&
        libxlSetMemoryTargetWrapper(cfg->ctx, 0, restoreKiB,
                                    /* relative */ 0, /* enforce */ 0) < 0)
        VIR_WARN("cannot give dom0's memory target back: it stays at %llu KiB",
                 (unsigned long long)targetKiB);
    ticket->loweredKiB = 0;
}


static void
libxlAdmissionLedgerAdd(libxlAdmissionTicket *ticket)
{
    libxlAdmissionTicket **p = &libxlAdmissionTickets;

    while (*p)
        p = &(*p)->next;
    ticket->next = NULL;
    *p = ticket;
}


static void
libxlAdmissionLedgerRemove(libxlAdmissionTicket *ticket)
{
    libxlAdmissionTicket **p;

    for (p = &libxlAdmissionTickets; *p; p = &(*p)->next) {
        if (*p == ticket) {
            *p = ticket->next;
            break;
        }
    }
}


static void
libxlAdmissionTicketFree(libxlAdmissionTicket *ticket)
{
    if (!ticket)
        return;
    g_free(ticket->name);
    g_free(ticket);
}


/* Wait, without the admission lock, until the domain fits or dom0 stops
 * giving memory.  The ticket is in the ledger, so no other start counts
 * the pages dom0 frees for this one.  Returns 0 once it fits, -1 with an
 * error reported if it does not. */
static int
libxlAdmissionWaitForDom0(libxlDriverConfig *cfg,
                          libxlAdmissionTicket *ticket,
                          unsigned long long startDom0KiB)
{
    unsigned long long lastDom0 = startDom0KiB;
    unsigned long long lastAvail = 0;
    unsigned long long now, lastProgress, started;

    if (virTimeMillisNow(&started) < 0)
        return -1;
    lastProgress = started;

    for (;;) {
        g_usleep(LIBXL_ADMISSION_POLL_MS * 1000);

        VIR_WITH_MUTEX_LOCK_GUARD(&libxlAdmissionLock) {
            libxlClaimHost host = { 0 };
            libxlClaimDecision decision;

            if (libxlAdmissionReadHost(cfg, ticket, &host) < 0 ||
                virTimeMillisNow(&now) < 0)
                return -1;

            libxlClaimDecide(&host, ticket->needKiB, &decision);
            if (decision.verdict == LIBXL_CLAIM_VERDICT_ADMIT) {
                libxlAdmissionKeepUsed(cfg, ticket, &host);
                return 0;
            }

            /* memory moves while dom0 shrinks or the auto actor's
             * domains free what they hold */
            if (host.dom0KiB < lastDom0) {
                lastDom0 = host.dom0KiB;
                lastProgress = now;
            }
            if (decision.availKiB > lastAvail) {
                if (lastAvail)
                    lastProgress = now;
                lastAvail = decision.availKiB;
            }
            if (now - lastProgress >= LIBXL_ADMISSION_STALL_MS ||
                now - started >= LIBXL_ADMISSION_BALLOON_MAX_MS) {
                unsigned long long gave = libxlClaimSubKiB(startDom0KiB, host.dom0KiB);

                VIR_DEBUG("dom0 gave %llu KiB for domain '%s' and stopped",
                          gave, ticket->name);
                libxlAdmissionReportShortage(ticket, &host, &decision, gave);
                return -1;
            }
        }
    }
}


/**
 * libxlAdmissionBegin:
 * @cfg: the driver's configuration
 * @uuid: the domain's UUID
 * @name: its name
 * @d_config: its libxl configuration, claim_mode already set
 * @ticket: set to the start's place in the ledger; end it with
 *          libxlAdmissionEnd once the build has returned
 *
 * May wait for dom0 to balloon: call it without the domain locked.  A
 * start that may go ahead is recorded as a build in flight (see
 * libxl_build_record.c) until libxlAdmissionBuildDone.
 *
 * Returns 0 if the build may go ahead, -1 with an error reported if it
 * must not (it would not fit, or the host could not be read).
 */
int
libxlAdmissionBegin(libxlDriverConfig *cfg,
                    const unsigned char *uuid,
                    const char *name,
                    libxl_domain_config *d_config,
                    libxlAdmissionTicket **ticket)
{
    libxlAdmissionTicket *t = g_new0(libxlAdmissionTicket, 1);
    libxlClaimHost host = { 0 };
    libxlClaimDecision decision;
    bool wait = false;
    uint64_t needKiB;

    *ticket = NULL;
    memcpy(t->uuid, uuid, VIR_UUID_BUFLEN);
    t->name = g_strdup(name);
    t->claim = libxlAdmissionWantsClaim(d_config);

    if (libxlDomainNeedMemoryWrapper(cfg->ctx, d_config, &needKiB) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("cannot compute the memory domain '%s' needs"), name);
        libxlAdmissionTicketFree(t);
        return -1;
    }
    t->needKiB = needKiB;

    VIR_WITH_MUTEX_LOCK_GUARD(&libxlAdmissionLock) {
        /* Without a claim or autoballooning the start goes ahead
         * unchecked, as it always has; it still counts in the ledger for
         * the others. */
        if (t->claim || cfg->autoballoon) {
            if (libxlAdmissionReadHost(cfg, t, &host) < 0) {
                libxlAdmissionTicketFree(t);
                return -1;
            }
            libxlClaimDecide(&host, t->needKiB, &decision);
            VIR_DEBUG("domain '%s' needs %llu KiB, %llu KiB available: %s",
                      t->name, t->needKiB, decision.availKiB,
                      libxlClaimVerdictTypeToString(decision.verdict));

            if (decision.verdict == LIBXL_CLAIM_VERDICT_REFUSE) {
                libxlAdmissionReportShortage(t, &host, &decision, 0);
                libxlAdmissionTicketFree(t);
                return -1;
            }
            if (decision.verdict == LIBXL_CLAIM_VERDICT_BALLOON) {
                if (libxlAdmissionLowerDom0(cfg, t, &host, &decision) < 0) {
                    libxlAdmissionTicketFree(t);
                    return -1;
                }
                wait = true;
            }
        }
        libxlAdmissionLedgerAdd(t);
    }

    /* the ledger holds the start's place: no lock across the wait, nor
     * across the record's file I/O for a start that did not balloon dom0
     * (libxlAdmissionLowerDom0 wrote it under the lock); the auto actor
     * sees the start's need
     * in the ledger, and frees it at once rather than at its next cycle */
    if (wait)
        libxlMemoryActorWake();
    if ((wait && libxlAdmissionWaitForDom0(cfg, t, host.dom0KiB) < 0) ||
        libxlBuildRecordBegin(cfg->stateDir, t->uuid, t->name,
                              t->loweredKiB, t->dom0TargetKiB) < 0) {
        libxlAdmissionEnd(cfg, t, false);
        /* dom0 has its target back: nothing for a restart to give */
        libxlBuildRecordEnd(cfg->stateDir, t->uuid);
        return -1;
    }
    *ticket = t;
    return 0;
}


/**
 * libxlAdmissionExplainFailure:
 *
 * A claiming build that failed most likely lost its claim to memory taken
 * since admission (by a start outside this driver, or dom0 growing).  If
 * the domain no longer fits, report that with the numbers and return true;
 * otherwise return false and leave the error to the caller.
 */
bool
libxlAdmissionExplainFailure(libxlDriverConfig *cfg,
                             libxlAdmissionTicket *ticket)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&libxlAdmissionLock);
    libxlClaimHost host = { 0 };
    libxlClaimDecision decision;

    if (!ticket || !ticket->claim)
        return false;
    if (libxlAdmissionReadHost(cfg, ticket, &host) < 0)
        return false;

    libxlClaimDecide(&host, ticket->needKiB, &decision);
    if (decision.verdict == LIBXL_CLAIM_VERDICT_ADMIT)
        return false;

    virResetLastError();
    libxlAdmissionReportShortage(ticket, &host, &decision, 0);
    return true;
}


/**
 * libxlAdmissionEnd:
 * @built: whether the build succeeded
 *
 * The build has returned: the start leaves the ledger.  One that did not
 * build gives back what it lowered dom0's target by.
 */
void
libxlAdmissionEnd(libxlDriverConfig *cfg,
                  libxlAdmissionTicket *ticket,
                  bool built)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&libxlAdmissionLock);

    if (!ticket)
        return;
    libxlAdmissionLedgerRemove(ticket);
    if (!built)
        libxlAdmissionRestoreDom0(cfg, ticket);
    libxlAdmissionTicketFree(ticket);
}


/**
 * libxlAdmissionBuildDone:
 *
 * The start of domain @uuid is over: the domain runs and libvirt has
 * saved its state, or it is gone.  Its build is no longer in flight.
 */
void
libxlAdmissionBuildDone(libxlDriverConfig *cfg,
                        const unsigned char *uuid)
{
    libxlBuildRecordEnd(cfg->stateDir, uuid);
}


/**
 * libxlAdmissionDemandKiB:
 *
 * What the starts under way will still take: memory the auto actor must
 * keep free, so that what was freed for a start is never handed back to
 * guests before the start has claimed it.  Returns -1 if the host cannot
 * be read: the actor then moves nothing.
 */
int
libxlAdmissionDemandKiB(libxlDriverConfig *cfg,
                        unsigned long long *demandKiB)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&libxlAdmissionLock);

    return libxlAdmissionPendingKiB(cfg, NULL, true, demandKiB);
}
