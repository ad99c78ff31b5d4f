/*
 * libxl_memory_policy_auto.c: the auto actor's decision
 *
 * Pure: everything comes in through the arguments and goes out through
 * them; no clock, no I/O, no allocation.  Every size is in KiB and every
 * sum saturates (libxl_memory_policypriv.h), because some of the
 * figures come from guests, which may say anything up to ULLONG_MAX.
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

#include "libxl_memory_policy.h"
#define LIBVIRT_LIBXL_MEMORY_POLICYPRIV_H_ALLOW
#include "libxl_memory_policypriv.h"

VIR_ENUM_IMPL(libxlMemoryPolicyReason,
              LIBXL_MEMORY_POLICY_REASON_LAST,
              "keep",
              "need",
              "surplus",
              "shortage",
              "demand",
              "stuck",
              "booting",
              "paused",
);


/**
 * libxlMemoryPolicyConfigDefault:
 * @cfg: filled in
 *
 * The defaults, each with the reason for its value.
 */
void
libxlMemoryPolicyConfigDefault(libxlMemoryPolicyConfig *cfg)
{
    /* room for the hypervisor's own allocations (page tables, grant
     * and event structures of a start) while balloons are in motion */
    cfg->reserveKiB = 64 * 1024ULL;
    /* headroom above what a guest uses, for its page cache and its next
     * burst before the next statistics arrive */
    cfg->marginPercent = 25;
    /* a balloon move costs the guest work: moves of a few MiB buy
     * nothing and, done every second, make the churn guests suffer */
    cfg->deadbandKiB = 16 * 1024ULL;
    /* long enough that a load which comes and goes within a few
     * statistics periods does not make the balloon swing with it */
    cfg->holdMs = 10 * 1000ULL;
    /* a booting guest's balloon driver and agent start late; until then
     * its figures say nothing and shrinking it only slows the boot */
    cfg->graceMs = 30 * 1000ULL;
    /* a working balloon moves at hundreds of MiB/s: one that has not
     * moved 1 MiB/s for 5 s is not going to reach its target */
    cfg->stuckMs = 5 * 1000ULL;
    cfg->stuckRateKiBs = 1024ULL;
    /* a guest's own target is trusted only gradually: a guest that
     * suddenly asks for everything gets it a step at a time */
    cfg->suggestStepKiB = 64 * 1024ULL;
}


/* A floor above the ceiling is a contradiction in the domain's
 * configuration; the ceiling wins, because it is what the hypervisor
 * enforces (static-max, maxmem): a target above it could never be
 * reached, while a floor is only a promise of this policy. */
static unsigned long long
libxlMemoryPolicyFloor(const libxlMemoryPolicyAutoDomain *d)
{
    return libxlMemoryPolicyMin(d->floorKiB, d->ceilingKiB);
}


static bool
libxlMemoryPolicyBooting(const libxlMemoryPolicyConfig *cfg,
                         unsigned long long nowMs,
                         const libxlMemoryPolicyAutoDomain *d)
{
    return nowMs < libxlMemoryPolicyAdd(d->startedMs, cfg->graceMs);
}


static bool
libxlMemoryPolicyReached(unsigned long long currentKiB,
                         unsigned long long targetKiB)
{
    return libxlMemoryPolicySub(currentKiB, targetKiB) <= LIBXL_MEMORY_POLICY_TOLERANCE_KIB &&
        libxlMemoryPolicySub(targetKiB, currentKiB) <= LIBXL_MEMORY_POLICY_TOLERANCE_KIB;
}


/* used plus marginPercent of it, saturating */
static unsigned long long
libxlMemoryPolicyNeedFromUsed(unsigned long long usedKiB,
                              unsigned int marginPercent)
{
    unsigned long long margin;

    margin = libxlMemoryPolicyAdd(libxlMemoryPolicyMul(usedKiB / 100, marginPercent),
                                  (usedKiB % 100) * marginPercent / 100);
    return libxlMemoryPolicyAdd(usedKiB, margin);
}


/*
 * Stuck detection.  The progress point (state.progressKiB, progressMs)
 * is where the domain was last seen on its target or moving toward it at
 * no less than stuckRateKiBs; a domain that stays off target and falls
 * behind that rate for stuckMs from that point is stuck.  Measuring from
 * the point rather than from one decision to the next means that a
 * balloon creeping slower than the rate falls behind for good, however
 * often the actor looks.
 *
 * A stuck domain is no longer stuck once it reaches its target or has
 * moved toward it by more than the tolerance since its progress point:
 * less than that is the rounding of balloon drivers, and counting it
 * would let a stuck domain flap in and out of the decision.
 *
 * Paused and booting domains are not judged: a paused balloon cannot
 * move, and a booting guest may not have loaded its balloon driver yet.
 * Their progress point follows them, so that the time they were not
 * judged is never held against them.
 *
 * Returns true when the domain stops being stuck in this decision.
 */
static bool
libxlMemoryPolicyTrackProgress(const libxlMemoryPolicyConfig *cfg,
                               unsigned long long nowMs,
                               bool judged,
                               libxlMemoryPolicyAutoDomain *d)
{
    libxlMemoryPolicyAutoState *st = &d->state;
    unsigned long long toward;
    unsigned long long elapsed;
    bool wasStuck = st->stuck;

    if (!judged) {
        st->progressKiB = d->currentKiB;
        st->progressMs = nowMs;
        return false;
    }

    /* a balloon that settles a little off its target (a guest kernel
     * keeping a few pages, rounding) is at its target for this purpose:
     * judged stuck, it would have its raise withdrawn to where it settled
     * and settle lower again, down to its floor.  Off by less than the
     * deadband is less than any change the actor would make. */
    if (libxlMemoryPolicySub(d->currentKiB, d->targetKiB) <= MAX(cfg->deadbandKiB,
                                                                LIBXL_MEMORY_POLICY_TOLERANCE_KIB) &&
        libxlMemoryPolicySub(d->targetKiB, d->currentKiB) <= MAX(cfg->deadbandKiB,
                                                                LIBXL_MEMORY_POLICY_TOLERANCE_KIB)) {
        st->stuck = false;
        st->progressKiB = d->currentKiB;
        st->progressMs = nowMs;
        return wasStuck;
    }

    /* a domain not seen before, or a clock that went back: start
     * measuring from here */
    if ((st->progressKiB == 0 && st->progressMs == 0) || st->progressMs > nowMs) {
        st->progressKiB = d->currentKiB;
        st->progressMs = nowMs;
        return false;
    }

    if (d->currentKiB < d->targetKiB)
        toward = libxlMemoryPolicySub(d->currentKiB, st->progressKiB);
    else
        toward = libxlMemoryPolicySub(st->progressKiB, d->currentKiB);
    elapsed = nowMs - st->progressMs;

    if (st->stuck) {
        if (toward > LIBXL_MEMORY_POLICY_TOLERANCE_KIB) {
            st->stuck = false;
            st->progressKiB = d->currentKiB;
            st->progressMs = nowMs;
            return true;
        }
        return false;
    }

    if (toward > 0 &&
        toward >= libxlMemoryPolicyMulDiv(cfg->stuckRateKiBs, elapsed, 1000)) {
        st->progressKiB = d->currentKiB;
        st->progressMs = nowMs;
        return false;
    }

    if (elapsed >= cfg->stuckMs)
        st->stuck = true;
    return false;
}


/*
 * The need from the guest's figures, within [floor, ceiling]; its
 * target in force when it gives none.  A guest's own suggested target
 * replaces the figure from its use, since it knows its workload better
 * than a margin does; but it is hostile input, so how far it moves the
 * need is limited per decision (state.suggestNeedKiB keeps where the
 * suggestion has got to, starting from the need it replaces).
 */
static unsigned long long
libxlMemoryPolicyNeed(const libxlMemoryPolicyConfig *cfg,
                      libxlMemoryPolicyAutoDomain *d)
{
    unsigned long long floorKiB = libxlMemoryPolicyFloor(d);
    unsigned long long base;
    unsigned long long from;
    unsigned long long to;

    if (d->hasUsed)
        base = libxlMemoryPolicyNeedFromUsed(d->usedKiB, cfg->marginPercent);
    else
        base = d->targetKiB;
    base = libxlMemoryPolicyClamp(base, floorKiB, d->ceilingKiB);

    if (d->suggestKiB == 0) {
        d->state.suggestNeedKiB = 0;
        return base;
    }

    from = d->state.suggestNeedKiB ? d->state.suggestNeedKiB : base;
    to = libxlMemoryPolicyClamp(d->suggestKiB, floorKiB, d->ceilingKiB);
    if (to > from)
        to = libxlMemoryPolicyMin(to, libxlMemoryPolicyAdd(from, cfg->suggestStepKiB));
    else
        to = libxlMemoryPolicyMax(to, libxlMemoryPolicySub(from, cfg->suggestStepKiB));
    /* kept within the bounds, so that a suggestion far outside them
     * cannot run the state away from where the need can ever be */
    to = libxlMemoryPolicyClamp(to, floorKiB, d->ceilingKiB);
    d->state.suggestNeedKiB = to;
    return to;
}


typedef enum {
    LIBXL_MEMORY_POLICY_ROLE_ACTIVE,    /* moved toward its need */
    LIBXL_MEMORY_POLICY_ROLE_NOSTATS,   /* keeps its target but for demand */
    LIBXL_MEMORY_POLICY_ROLE_BOOTING,   /* never lowered */
    LIBXL_MEMORY_POLICY_ROLE_PAUSED,    /* left as it is */
    LIBXL_MEMORY_POLICY_ROLE_STUCK,     /* left out, maxmem clipped */
} libxlMemoryPolicyRole;


/* What a participant's target may not go below in this decision */
static unsigned long long
libxlMemoryPolicyLow(const libxlMemoryPolicyAutoHost *host,
                     const libxlMemoryPolicyAutoDomain *d,
                     libxlMemoryPolicyRole role)
{
    unsigned long long floorKiB = libxlMemoryPolicyFloor(d);

    switch (role) {
    case LIBXL_MEMORY_POLICY_ROLE_BOOTING:
        /* never lowered, but never left above its ceiling either: the
         * ceiling is what the hypervisor holds it to anyway */
        return libxlMemoryPolicyClamp(d->targetKiB, floorKiB, d->ceilingKiB);
    case LIBXL_MEMORY_POLICY_ROLE_NOSTATS:
        /* nothing says what it uses, so only a start that cannot
         * otherwise be admitted takes from it */
        if (host->demandKiB == 0)
            return d->needKiB;
        return floorKiB;
    case LIBXL_MEMORY_POLICY_ROLE_ACTIVE:
    case LIBXL_MEMORY_POLICY_ROLE_PAUSED:
    case LIBXL_MEMORY_POLICY_ROLE_STUCK:
        break;
    }
    return floorKiB;
}


/* The role follows from the inputs and from the state pass 1 leaves,
 * so that every pass finds the same one */
static libxlMemoryPolicyRole
libxlMemoryPolicyRoleOf(const libxlMemoryPolicyConfig *cfg,
                        unsigned long long nowMs,
                        const libxlMemoryPolicyAutoDomain *d)
{
    if (d->paused)
        return LIBXL_MEMORY_POLICY_ROLE_PAUSED;
    if (d->state.stuck)
        return LIBXL_MEMORY_POLICY_ROLE_STUCK;
    if (libxlMemoryPolicyBooting(cfg, nowMs, d))
        return LIBXL_MEMORY_POLICY_ROLE_BOOTING;
    if (!d->hasUsed && d->suggestKiB == 0)
        return LIBXL_MEMORY_POLICY_ROLE_NOSTATS;
    return LIBXL_MEMORY_POLICY_ROLE_ACTIVE;
}


/*
 * Whether moving @d from its target to @proposed is worth it now:
 * changes within the deadband are churn, and a reversal within holdMs of
 * the last change is a swing.  Neither rule stands in the way of a start
 * waiting for memory (lowering while there is demand), of reaching the
 * floor, of correcting a target outside [floor, ceiling], or (for the
 * hold) of giving a guest memory it needs.
 */
static bool
libxlMemoryPolicyWorthMoving(const libxlMemoryPolicyConfig *cfg,
                             const libxlMemoryPolicyAutoHost *host,
                             const libxlMemoryPolicyAutoDomain *d,
                             unsigned long long proposed)
{
    unsigned long long floorKiB = libxlMemoryPolicyFloor(d);
    unsigned long long target = d->targetKiB;
    int direction = proposed > target ? 1 : -1;
    bool outside = target < floorKiB || target > d->ceilingKiB;
    bool forDemand = direction < 0 && host->demandKiB > 0;
    unsigned long long change;

    if (proposed == target)
        return false;
    if (outside || forDemand)
        return true;

    change = direction > 0 ? proposed - target : target - proposed;
    if (change < cfg->deadbandKiB && proposed != floorKiB)
        return false;

    if (d->state.direction == -direction &&
        host->nowMs < libxlMemoryPolicyAdd(d->state.changedMs, cfg->holdMs) &&
        !(direction > 0 && target < d->needKiB))
        return false;

    return true;
}


/* Sums over the domains are of figures below 2^64 each; when one no
 * longer fits, the figures are weighed shifted right by this much, which
 * makes any sum of @ndoms of them fit, so that shares stay in proportion
 * (to within the bits shifted out) instead of going to whoever comes
 * first.  Only absurd configured sizes get there: guests' own figures
 * are clamped to their ceilings before anything is summed. */
static unsigned int
libxlMemoryPolicyWeightShift(size_t ndoms)
{
    unsigned int shift = 0;

    while (shift < 64 && ((unsigned long long) 1 << shift) < ndoms)
        shift++;
    return shift;
}


/* What pass 2 and 3 count of a participant's raise: the part that cannot
 * be cut (up to its floor; a booting domain's target) and the rest */
static void
libxlMemoryPolicyRaiseParts(const libxlMemoryPolicyAutoHost *host,
                            const libxlMemoryPolicyAutoDomain *d,
                            libxlMemoryPolicyRole role,
                            unsigned long long proposed,
                            unsigned long long *must,
                            unsigned long long *rest)
{
    unsigned long long raise = libxlMemoryPolicySub(proposed, d->currentKiB);
    unsigned long long keep;

    /* a booting domain's target is never cut, anyone else's only down to
     * its floor */
    if (role == LIBXL_MEMORY_POLICY_ROLE_BOOTING)
        keep = libxlMemoryPolicyLow(host, d, role);
    else
        keep = libxlMemoryPolicyFloor(d);
    *must = libxlMemoryPolicyMin(libxlMemoryPolicySub(keep, d->currentKiB), raise);
    *rest = raise - *must;
}


static bool
libxlMemoryPolicyParticipates(libxlMemoryPolicyRole role)
{
    return role != LIBXL_MEMORY_POLICY_ROLE_STUCK &&
        role != LIBXL_MEMORY_POLICY_ROLE_PAUSED;
}


/**
 * libxlMemoryPolicyAutoDecide:
 * @cfg: the policy's settings
 * @host: free memory, waiting starts and the time
 * @doms: the domains of the auto actor: inputs and state in, decisions
 *        and state out
 * @ndoms: how many
 *
 * One host-wide decision, in three passes over the domains (O(ndoms)):
 *
 * 1. Each domain's role (stuck, paused, booting, without statistics,
 *    active) and need.  Stuck and paused domains are left out: what
 *    they hold is counted as fixed, and so is what a paused domain may
 *    still take once it runs.
 *
 * 2. The pool the participants' targets may add up to: free memory plus
 *    what the participants hold now, less the reserve, the demand and
 *    the raises the left-out domains still have in flight.  Counting
 *    their allocations rather than their targets is what accounts for
 *    the targets in flight: the new targets replace them, and once every
 *    balloon has reached its new target, free memory is at least the
 *    reserve plus the demand.  If the pool covers every need, each
 *    domain gets its need and the surplus stays free in the hypervisor:
 *    a claim can take free memory at once, while memory handed to a
 *    guest it does not need would first have to be ballooned back out
 *    of it for a start.  If not, every domain gets its floor and what is
 *    left is shared in proportion to what each needs above it.  Then the
 *    deadband and the hold.
 *
 * 3. Decreases before increases.  Raises (new target above allocation,
 *    counting those already in flight) are paid only out of memory that
 *    is free now, beyond the reserve and the demand; a balloon giving
 *    memory back may be slow or never do it, and a raise paid from what
 *    it will give would take the host below its reserve meanwhile.
 *    Raises that do not fit are cut in proportion, down to what a domain
 *    must get (its floor; a booting domain's target), and later
 *    decisions grant the rest as memory comes free.  Whatever the
 *    balloons do, free memory then never drops below the reserve and
 *    the demand, unless the floors and booting domains alone exceed it.
 */
void
libxlMemoryPolicyAutoDecide(const libxlMemoryPolicyConfig *cfg,
                            const libxlMemoryPolicyAutoHost *host,
                            libxlMemoryPolicyAutoDomain *doms,
                            size_t ndoms)
{
    unsigned long long held = 0;        /* participants' allocations */
    unsigned long long fixedRaises = 0; /* left-out domains' raises in flight */
    unsigned long long sumLow = 0;
    unsigned long long sumNeed = 0;
    unsigned long long sumAbove = 0;    /* of need - low */
    unsigned long long mustRaise = 0;   /* raises that cannot be cut */
    unsigned long long wantRaise = 0;   /* raises beyond those */
    bool over = false;                  /* mustRaise no longer fits */
    bool wantOver = false;
    bool lowOver = false;
    bool needOver = false;
    bool aboveOver = false;
    unsigned int aboveShift = 0;
    unsigned int wantShift = 0;
    unsigned long long pool;
    unsigned long long share = 0;
    unsigned long long shareLeft;
    unsigned long long budget;
    unsigned long long left = 0;
    unsigned long long leftNow;
    bool covered;
    bool atLow;
    bool granted;
    size_t i;

    /* pass 1: roles, needs, stuck detection, the pool's terms */
    for (i = 0; i < ndoms; i++) {
        libxlMemoryPolicyAutoDomain *d = &doms[i];
        libxlMemoryPolicyRole role;
        bool booting = libxlMemoryPolicyBooting(cfg, host->nowMs, d);
        bool unstuck;
        unsigned long long low;

        d->setTarget = false;
        d->newTargetKiB = d->targetKiB;
        d->setMaxmem = false;
        d->maxmemKiB = 0;
        d->setPaging = false;
        d->pagingKiB = d->pagingTargetKiB;

        unstuck = libxlMemoryPolicyTrackProgress(cfg, host->nowMs,
                                                 !d->paused && !booting, d);
        d->needKiB = libxlMemoryPolicyNeed(cfg, d);
        /* a balloon stuck above its target is no longer asked to give
         * once its guest needs what it holds: left stuck, it would keep a
         * target below its need for good */
        if (d->state.stuck && d->currentKiB > d->targetKiB &&
            d->needKiB >= d->currentKiB) {
            d->state.stuck = false;
            d->state.progressKiB = d->currentKiB;
            d->state.progressMs = host->nowMs;
            unstuck = true;
        }
        role = libxlMemoryPolicyRoleOf(cfg, host->nowMs, d);

        switch (role) {
        case LIBXL_MEMORY_POLICY_ROLE_PAUSED:
            /* a paused balloon cannot give anything, and memory given to
             * it would lie idle: it is neither a donor nor a taker, but
             * once it runs it may still take a raise in flight */
            d->reason = LIBXL_MEMORY_POLICY_REASON_PAUSED;
            fixedRaises = libxlMemoryPolicyAdd(fixedRaises,
                                               libxlMemoryPolicySub(d->targetKiB,
                                                                    d->currentKiB));
            break;

        case LIBXL_MEMORY_POLICY_ROLE_STUCK:
            d->reason = LIBXL_MEMORY_POLICY_REASON_STUCK;
            if (d->currentKiB > d->targetKiB) {
                /* its allocation is what it is: counted as fixed, and
                 * maxmem clipped to it so that it cannot take more behind
                 * our back; the pager, where there is one, takes what the
                 * balloon does not give.  Written at every decision: the
                 * allocation may still creep. */
                d->setMaxmem = true;
                d->maxmemKiB = d->currentKiB;
                if (d->paging && d->pagingTargetKiB != d->targetKiB) {
                    d->setPaging = true;
                    d->pagingKiB = d->targetKiB;
                }
            } else {
                /* a raise it does not take is withdrawn, down to what it
                 * has (never below its floor), rather than clipped: a
                 * clipped maxmem would keep it from ever reaching the
                 * raise and so from ever counting again.  Writing the
                 * target brings maxmem with it; what is left of a raise
                 * below the floor stays in flight. */
                unsigned long long keep = libxlMemoryPolicyMax(d->currentKiB,
                                                               libxlMemoryPolicyMin(d->floorKiB,
                                                                                    d->ceilingKiB));

                if (keep < d->targetKiB) {
                    d->setTarget = true;
                    d->newTargetKiB = keep;
                }
                fixedRaises = libxlMemoryPolicyAdd(fixedRaises,
                                                   libxlMemoryPolicySub(d->newTargetKiB,
                                                                        d->currentKiB));
            }
            break;

        case LIBXL_MEMORY_POLICY_ROLE_BOOTING:
        case LIBXL_MEMORY_POLICY_ROLE_NOSTATS:
        case LIBXL_MEMORY_POLICY_ROLE_ACTIVE:
            /* maxmem was clipped while it was stuck: give it back, at
             * the target pass 3 settles on */
            if (unstuck)
                d->setMaxmem = true;

            low = libxlMemoryPolicyLow(host, d, role);
            d->needKiB = libxlMemoryPolicyMax(d->needKiB, low);
            held = libxlMemoryPolicyAdd(held, d->currentKiB);
            libxlMemoryPolicyAccumulate(&sumLow, &lowOver, low);
            libxlMemoryPolicyAccumulate(&sumNeed, &needOver, d->needKiB);
            libxlMemoryPolicyAccumulate(&sumAbove, &aboveOver, d->needKiB - low);
            break;
        }
    }

    pool = libxlMemoryPolicySub(libxlMemoryPolicyAdd(host->freeKiB, held),
                                libxlMemoryPolicyAdd(libxlMemoryPolicyAdd(cfg->reserveKiB,
                                                                          host->demandKiB),
                                                     fixedRaises));
    covered = !needOver && pool >= sumNeed;
    atLow = !covered && (lowOver || pool <= sumLow || sumAbove == 0);
    if (!covered && !atLow) {
        share = pool - sumLow;
        if (aboveOver) {
            aboveShift = libxlMemoryPolicyWeightShift(ndoms);
            sumAbove = 0;
            for (i = 0; i < ndoms; i++) {
                libxlMemoryPolicyRole role = libxlMemoryPolicyRoleOf(cfg, host->nowMs, &doms[i]);

                if (!libxlMemoryPolicyParticipates(role))
                    continue;
                sumAbove += (doms[i].needKiB - libxlMemoryPolicyLow(host, &doms[i], role)) >>
                    aboveShift;
            }
            if (sumAbove == 0)
                atLow = true;
        }
    }
    shareLeft = share;

    /* pass 2: the proposed targets, and what raising them costs */
    for (i = 0; i < ndoms; i++) {
        libxlMemoryPolicyAutoDomain *d = &doms[i];
        libxlMemoryPolicyRole role = libxlMemoryPolicyRoleOf(cfg, host->nowMs, d);
        unsigned long long low;
        unsigned long long must;
        unsigned long long rest;
        unsigned long long proposed;

        /* left out, but what they may still take is taken first */
        if (role == LIBXL_MEMORY_POLICY_ROLE_STUCK ||
            role == LIBXL_MEMORY_POLICY_ROLE_PAUSED) {
            libxlMemoryPolicyAccumulate(&mustRaise, &over,
                                        libxlMemoryPolicySub(d->newTargetKiB,
                                                             d->currentKiB));
            continue;
        }

        low = libxlMemoryPolicyLow(host, d, role);
        if (covered) {
            proposed = d->needKiB;
        } else if (atLow) {
            proposed = low;
        } else {
            /* what is handed out never exceeds what there is to share,
             * even where sumAbove saturated */
            unsigned long long part = libxlMemoryPolicyMulDiv((d->needKiB - low) >> aboveShift,
                                                              share, sumAbove);

            part = libxlMemoryPolicyMin(part, shareLeft);
            shareLeft -= part;
            proposed = libxlMemoryPolicyAdd(low, part);
        }
        proposed = libxlMemoryPolicyClamp(proposed, low, d->needKiB);

        if (!libxlMemoryPolicyWorthMoving(cfg, host, d, proposed))
            proposed = d->targetKiB;
        d->newTargetKiB = proposed;

        libxlMemoryPolicyRaiseParts(host, d, role, proposed, &must, &rest);
        libxlMemoryPolicyAccumulate(&mustRaise, &over, must);
        libxlMemoryPolicyAccumulate(&wantRaise, &wantOver, rest);
    }

    budget = libxlMemoryPolicySub(host->freeKiB,
                                  libxlMemoryPolicyAdd(cfg->reserveKiB, host->demandKiB));
    granted = !over && !wantOver && mustRaise <= budget && wantRaise <= budget - mustRaise;
    if (!granted && !over && mustRaise < budget) {
        left = budget - mustRaise;
        if (wantOver) {
            wantShift = libxlMemoryPolicyWeightShift(ndoms);
            wantRaise = 0;
            for (i = 0; i < ndoms; i++) {
                libxlMemoryPolicyRole role = libxlMemoryPolicyRoleOf(cfg, host->nowMs, &doms[i]);
                unsigned long long must;
                unsigned long long rest;

                if (!libxlMemoryPolicyParticipates(role))
                    continue;
                libxlMemoryPolicyRaiseParts(host, &doms[i], role, doms[i].newTargetKiB,
                                            &must, &rest);
                wantRaise += rest >> wantShift;
            }
        }
    }

    /* pass 3: raises within the budget, the decisions and their reasons */
    leftNow = left;
    for (i = 0; i < ndoms; i++) {
        libxlMemoryPolicyAutoDomain *d = &doms[i];
        libxlMemoryPolicyRole role = libxlMemoryPolicyRoleOf(cfg, host->nowMs, d);
        unsigned long long floorKiB = libxlMemoryPolicyFloor(d);
        unsigned long long target = d->targetKiB;
        unsigned long long final = d->newTargetKiB;

        if (!libxlMemoryPolicyParticipates(role))
            continue;

        if (final > d->currentKiB && !granted) {
            unsigned long long must;
            unsigned long long rest;
            unsigned long long part = 0;

            libxlMemoryPolicyRaiseParts(host, d, role, final, &must, &rest);
            /* in proportion, and never beyond what is left */
            if (wantRaise != 0)
                part = libxlMemoryPolicyMin(libxlMemoryPolicyMulDiv(rest >> wantShift,
                                                                    left, wantRaise),
                                            leftNow);
            leftNow -= part;
            final = d->currentKiB + must + part;
            /* what is left of a raise that is not worth making is not
             * made; a raise in flight that no longer fits is cut back,
             * small or not */
            if (final > target && final - target < cfg->deadbandKiB &&
                target >= floorKiB && final != floorKiB)
                final = target;
        }

        if (final == target) {
            d->reason = role == LIBXL_MEMORY_POLICY_ROLE_BOOTING ?
                LIBXL_MEMORY_POLICY_REASON_BOOTING : LIBXL_MEMORY_POLICY_REASON_KEEP;
        } else {
            d->setTarget = true;
            d->state.changedMs = host->nowMs;
            d->state.direction = final > target ? 1 : -1;
            if (final > target)
                d->reason = LIBXL_MEMORY_POLICY_REASON_NEED;
            else if (final >= d->needKiB)
                d->reason = LIBXL_MEMORY_POLICY_REASON_SURPLUS;
            else if (host->demandKiB > 0)
                d->reason = LIBXL_MEMORY_POLICY_REASON_DEMAND;
            else
                d->reason = LIBXL_MEMORY_POLICY_REASON_SHORTAGE;
        }
        d->newTargetKiB = final;

        if (d->setMaxmem)
            d->maxmemKiB = final;

        /* a paging target below the new target would hold the domain
         * below it: the pager pages back in at once */
        if (d->paging && d->pagingTargetKiB != 0 && d->pagingTargetKiB < final &&
            libxlMemoryPolicyAdd(d->currentKiB, LIBXL_MEMORY_POLICY_TOLERANCE_KIB) < final) {
            d->setPaging = true;
            d->pagingKiB = final;
        }
    }
}


/**
 * libxlMemoryPolicyAutoSqueezableKiB:
 * @cfg: the policy's settings (for the grace period)
 * @nowMs: the time
 * @doms: the domains of the auto actor
 * @ndoms: how many
 *
 * What the domains could give down to their floors: the running ones
 * that are neither stuck nor booting, from their allocations now.  A
 * start that does not fit in free memory less the reserve plus this
 * cannot fit even with every such domain at its floor, and admission can
 * refuse it at once instead of waiting for balloons.
 */
unsigned long long
libxlMemoryPolicyAutoSqueezableKiB(const libxlMemoryPolicyConfig *cfg,
                                   unsigned long long nowMs,
                                   const libxlMemoryPolicyAutoDomain *doms,
                                   size_t ndoms)
{
    unsigned long long sum = 0;
    size_t i;

    for (i = 0; i < ndoms; i++) {
        const libxlMemoryPolicyAutoDomain *d = &doms[i];

        if (d->paused || d->state.stuck ||
            libxlMemoryPolicyBooting(cfg, nowMs, d))
            continue;
        sum = libxlMemoryPolicyAdd(sum,
                                   libxlMemoryPolicySub(d->currentKiB,
                                                        libxlMemoryPolicyFloor(d)));
    }
    return sum;
}
