/*
 * libxlmemorypolicysimrun.c: a scenario of the memory policy's
 * simulated host run step by step, its invariants checked at each
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

#include "testutils.h"
#include "libxlmemorypolicysim.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE


static unsigned long long
testSimClaims(const testSim *sim)
{
    unsigned long long sum = 0;
    size_t i;

    for (i = 0; i < sim->ndoms; i++)
        sum += sim->doms[i].claimKiB;
    return sum;
}


/* free memory net of outstanding claims, as the actor sees it */
static unsigned long long
testSimNetFree(const testSim *sim)
{
    unsigned long long claims = testSimClaims(sim);

    return sim->freeKiB > claims ? sim->freeKiB - claims : 0;
}


/* The need as this test computes it, independently of the policy: used
 * plus the margin within [floor, ceiling]; a guest without statistics
 * needs its target, a booting one at least its target */
static unsigned long long
testSimNeed(const testSim *sim, const testSimDomain *sd, unsigned long long ms)
{
    const libxlMemoryPolicyAutoDomain *d = &sd->d;
    unsigned long long floorKiB = MIN(d->floorKiB, d->ceilingKiB);
    unsigned long long need;

    if (sd->noStats) {
        need = d->targetKiB;
    } else {
        unsigned long long used = sd->liar ? d->ceilingKiB : testSimUsed(sd, ms);

        need = used + used * sim->cfg.marginPercent / 100;
    }
    need = MAX(MIN(need, d->ceilingKiB), floorKiB);
    if (TEST_SIM_EPOCH_MS + ms < d->startedMs + sim->cfg.graceMs)
        need = MAX(need, MIN(MAX(d->targetKiB, floorKiB), d->ceilingKiB));
    return need;
}


/*
 * The invariants, after every phase of every step, each its own kind of
 * failure:
 *  - reserve: free memory net of claims never below the reserve;
 *  - floor, ceiling: no target below its floor or above its ceiling;
 *  - host total: allocations, claims and free memory add up to the
 *    host, claims within free memory.
 */
static testSimFailure
testSimCheck(const testSim *sim,
             unsigned long long ms,
             const char *phase,
             bool quiet)
{
    unsigned long long sum = sim->fixedKiB + sim->freeKiB;
    unsigned long long claims = testSimClaims(sim);
    size_t i;

    if (claims > sim->freeKiB) {
        if (!quiet)
            VIR_TEST_VERBOSE("\n%s: %llu s, %s: claims of %llu KiB exceed free memory of %llu KiB",
                             sim->file, ms / 1000, phase, claims, sim->freeKiB);
        return TEST_SIM_FAILED_TOTAL;
    }
    if (testSimNetFree(sim) < sim->cfg.reserveKiB) {
        if (!quiet)
            VIR_TEST_VERBOSE("\n%s: %llu s, %s: free %llu KiB, claims %llu KiB, below the reserve of %llu KiB",
                             sim->file, ms / 1000, phase, sim->freeKiB, claims,
                             sim->cfg.reserveKiB);
        return TEST_SIM_FAILED_RESERVE;
    }
    for (i = 0; i < sim->ndoms; i++) {
        const testSimDomain *sd = &sim->doms[i];
        unsigned long long floorKiB = MIN(sd->d.floorKiB, sd->d.ceilingKiB);

        sum += sd->allocKiB;
        if (!sd->running)
            continue;
        if (sd->d.targetKiB < floorKiB) {
            if (!quiet)
                VIR_TEST_VERBOSE("\n%s: %llu s, %s: %s's target %llu KiB below its floor %llu KiB",
                                 sim->file, ms / 1000, phase, sd->name, sd->d.targetKiB,
                                 floorKiB);
            return TEST_SIM_FAILED_FLOOR;
        }
        if (sd->d.targetKiB > sd->d.ceilingKiB) {
            if (!quiet)
                VIR_TEST_VERBOSE("\n%s: %llu s, %s: %s's target %llu KiB above its ceiling %llu KiB",
                                 sim->file, ms / 1000, phase, sd->name, sd->d.targetKiB,
                                 sd->d.ceilingKiB);
            return TEST_SIM_FAILED_CEILING;
        }
    }
    if (sum != sim->memoryKiB) {
        if (!quiet)
            VIR_TEST_VERBOSE("\n%s: %llu s, %s: allocations and free memory add up to %llu KiB, not the host's %llu",
                             sim->file, ms / 1000, phase, sum, sim->memoryKiB);
        return TEST_SIM_FAILED_TOTAL;
    }
    return TEST_SIM_PASSED;
}


/* What the domains could give a start down to their floors, as the
 * admission counts it, computed here rather than by the code under test:
 * the allocation above the floor (the ceiling where the floor is above
 * it) of every running domain that is neither stuck, paused nor booting,
 * as the last decision left them */
static unsigned long long
testSimSqueezable(const testSim *sim, unsigned long long ms)
{
    unsigned long long sum = 0;
    size_t i;

    for (i = 0; i < sim->ndoms; i++) {
        const testSimDomain *sd = &sim->doms[i];
        unsigned long long floorKiB = MIN(sd->d.floorKiB, sd->d.ceilingKiB);

        if (!sd->running || sd->d.state.stuck || sd->d.paused ||
            TEST_SIM_EPOCH_MS + ms < sd->d.startedMs + sim->cfg.graceMs)
            continue;
        if (sd->allocKiB > floorKiB)
            sum += sd->allocKiB - floorKiB;
    }
    return sum;
}


/* Starts: a waiting start is admitted as soon as free memory less the
 * reserve covers it (its claim then holds the memory while it builds);
 * one that could not fit even with every domain at its floor is refused
 * when it arrives.  Returns the demand of those still waiting. */
static unsigned long long
testSimStarts(testSim *sim, unsigned long long ms)
{
    unsigned long long demand = 0;
    size_t i;

    for (i = 0; i < sim->ndoms; i++) {
        testSimDomain *sd = &sim->doms[i];
        unsigned long long avail = testSimNetFree(sim);

        avail = avail > sim->cfg.reserveKiB ? avail - sim->cfg.reserveKiB : 0;
        if (!sd->started || sd->running || sd->refused || sd->claimKiB || ms < sd->startAtMs)
            continue;
        if (avail >= sd->d.targetKiB) {
            sd->claimKiB = sd->d.targetKiB;
            continue;
        }
        if (ms == sd->startAtMs &&
            sd->d.targetKiB > avail + testSimSqueezable(sim, ms)) {
            sd->refused = true;
            continue;
        }
        demand += sd->d.targetKiB;
    }
    return demand;
}


/* One second of the hypervisor and the guests: builds populate their
 * claims, then every balloon that grows does, then every balloon and
 * pager that shrinks.  Growing first is the worst order for free memory,
 * and the checks run between the two. */
static testSimFailure
testSimMove(testSim *sim, unsigned long long ms, bool quiet)
{
    testSimFailure rc;
    size_t i;

    for (i = 0; i < sim->ndoms; i++) {
        testSimDomain *sd = &sim->doms[i];
        unsigned long long step = MIN(sd->claimKiB, 1024 * 1024ULL);

        if (!sd->claimKiB)
            continue;
        sd->claimKiB -= step;
        sd->allocKiB += step;
        sim->freeKiB -= step;
        if (sd->claimKiB == 0) {
            sd->running = true;
            sd->maxmemKiB = sd->d.targetKiB;
            sd->d.startedMs = TEST_SIM_EPOCH_MS + ms;
        }
    }

    for (i = 0; i < sim->ndoms; i++) {
        testSimDomain *sd = &sim->doms[i];
        unsigned long long limit = MIN(sd->d.targetKiB, sd->maxmemKiB);
        unsigned long long step;

        if (!sd->running || sd->d.paused || sd->balloon == TEST_BALLOON_STUCK)
            continue;
        /* a greedy guest populates memory itself, as any guest may: only
         * maxmem, the hypervisor's limit, holds it */
        if (sd->balloon == TEST_BALLOON_GREEDY)
            limit = sd->maxmemKiB;
        if (sd->pagingTargetKiB)
            limit = MIN(limit, sd->pagingTargetKiB);
        if (sd->allocKiB >= limit)
            continue;
        /* the hypervisor hands out free pages nobody has claimed */
        step = MIN(MIN(sd->rateKiBs, limit - sd->allocKiB), testSimNetFree(sim));
        sd->allocKiB += step;
        sim->freeKiB -= step;
    }
    if ((rc = testSimCheck(sim, ms, "balloons grown", quiet)) != TEST_SIM_PASSED)
        return rc;

    for (i = 0; i < sim->ndoms; i++) {
        testSimDomain *sd = &sim->doms[i];
        unsigned long long down = sd->d.targetKiB;
        unsigned long long step = 0;

        if (!sd->running || sd->d.paused)
            continue;
        if (sd->balloon == TEST_BALLOON_PARTIAL)
            down = MAX(down, sd->downToKiB);
        if (sd->balloon != TEST_BALLOON_STUCK && sd->balloon != TEST_BALLOON_GREEDY &&
            sd->allocKiB > down)
            step = MIN(sd->rateKiBs, sd->allocKiB - down);
        if (sd->pagingTargetKiB && sd->allocKiB - step > sd->pagingTargetKiB)
            step += MIN(sd->pagerRateKiBs, sd->allocKiB - step - sd->pagingTargetKiB);
        sd->allocKiB -= step;
        sim->freeKiB += step;
    }
    return testSimCheck(sim, ms, "balloons shrunk", quiet);
}


static int
testSimExpect(const testSim *sim, const testExpect *e, bool quiet)
{
    const testSimDomain *sd = &sim->doms[e->dom];
    bool ok = false;
    static const char *const what[] = {
        "reason", "target >=", "target <=", "alloc >=", "alloc <=", "stuck",
        "running", "refused",
    };

    switch (e->kind) {
    case TEST_EXPECT_REASON:
        ok = sd->running && (int) sd->d.reason == e->value;
        break;
    case TEST_EXPECT_TARGET_GE:
        ok = sd->d.targetKiB >= e->kib;
        break;
    case TEST_EXPECT_TARGET_LE:
        ok = sd->d.targetKiB <= e->kib;
        break;
    case TEST_EXPECT_ALLOC_GE:
        ok = sd->allocKiB >= e->kib;
        break;
    case TEST_EXPECT_ALLOC_LE:
        ok = sd->allocKiB <= e->kib;
        break;
    case TEST_EXPECT_STUCK:
        ok = sd->d.state.stuck == !!e->value;
        break;
    case TEST_EXPECT_RUNNING:
        ok = sd->running;
        break;
    case TEST_EXPECT_REFUSED:
        ok = sd->refused;
        break;
    }
    if (!ok && !quiet)
        VIR_TEST_VERBOSE("\n%s: %llu s: expected %s %s %llu/%d; it has target %llu KiB, allocation %llu KiB, reason %s%s%s",
                         sim->file, e->ms / 1000, sd->name, what[e->kind], e->kib, e->value,
                         sd->d.targetKiB, sd->allocKiB,
                         libxlMemoryPolicyReasonTypeToString(sd->d.reason),
                         sd->d.state.stuck ? ", stuck" : "",
                         sd->running ? ", running" : "");
    return ok ? 0 : -1;
}


/*
 * Runs the scenario @name under @policy: TEST_SIM_PASSED if every check
 * held, else the kind of the first that did not, with the time of its
 * step in @failMs.  With check-needs, once the host could cover every
 * participant's need (net of the reserve, the demand, and what stuck
 * and paused domains and builds hold) for settle seconds running, every
 * participant's target must be within the deadband of its need.
 */
testSimFailure
testSimRun(const char *name,
           testPolicyFunc policy,
           bool quiet,
           unsigned long long *failMs)
{
    testSim sim;
    libxlMemoryPolicyAutoDomain doms[MAX_DOMS];
    size_t map[MAX_DOMS];
    unsigned long long ms;
    unsigned long long coveredSince = ULLONG_MAX;
    /* LIBXL_POLICY_TRACE=1: a line a step, for whoever writes a scenario */
    bool trace = !quiet && STREQ_NULLABLE(g_getenv("LIBXL_POLICY_TRACE"), "1");
    size_t nchecked = 0;
    size_t badLine;
    size_t i;
    testSimFailure ret;

    *failMs = 0;
    if (testSimLoad(&sim, name, quiet, &badLine) < 0) {
        testSimFree(&sim);
        return TEST_SIM_FAILED_LOAD;
    }
    if ((ret = testSimCheck(&sim, 0, "at the start", quiet)) != TEST_SIM_PASSED)
        goto cleanup;

    for (ms = 0; ms <= sim.runMs; ms += 1000) {
        *failMs = ms;

        /* maxmem set from outside just before this decision */
        for (i = 0; i < sim.nmaxmems; i++) {
            if (sim.maxmems[i].ms == ms)
                sim.doms[sim.maxmems[i].dom].maxmemKiB = sim.maxmems[i].kib;
        }

        libxlMemoryPolicyAutoHost host = { TEST_SIM_EPOCH_MS + ms, 0, 0 };
        unsigned long long capacity;
        unsigned long long needs = 0;
        size_t ndoms = 0;

        for (i = 0; i < sim.ndoms; i++) {
            testSimDomain *sd = &sim.doms[i];
            libxlMemoryPolicyAutoDomain *d = &sd->d;

            if (!sd->running)
                continue;
            d->currentKiB = sd->allocKiB;
            d->pagingTargetKiB = sd->pagingTargetKiB;
            d->hasUsed = !sd->noStats;
            d->usedKiB = 0;
            if (sd->liar)
                d->usedKiB = d->ceilingKiB;
            else if (!sd->noStats)
                d->usedKiB = testSimUsed(sd, ms);
            map[ndoms] = i;
            doms[ndoms++] = *d;
        }

        host.demandKiB = testSimStarts(&sim, ms);
        host.freeKiB = testSimNetFree(&sim);
        policy(&sim.cfg, &host, doms, ndoms);

        for (i = 0; i < ndoms; i++) {
            testSimDomain *sd = &sim.doms[map[i]];
            libxlMemoryPolicyAutoDomain *d = &doms[i];

            if (d->setTarget) {
                d->targetKiB = d->newTargetKiB;
                /* libxl's enforce: maxmem follows the target */
                sd->maxmemKiB = d->newTargetKiB;
            }
            if (d->setMaxmem)
                sd->maxmemKiB = d->maxmemKiB;
            if (d->setPaging)
                sd->pagingTargetKiB = d->pagingKiB;
            sd->d = *d;
        }
        if (trace) {
            fprintf(stderr, "%s %3llus free %6lluM demand %5lluM |", name, ms / 1000,
                    testSimNetFree(&sim) / 1024, host.demandKiB / 1024);
            for (i = 0; i < sim.ndoms; i++) {
                testSimDomain *sd = &sim.doms[i];

                if (!sd->running && !sd->claimKiB)
                    continue;
                fprintf(stderr, " %s %llu/%lluM %s%s", sd->name, sd->allocKiB / 1024,
                        sd->d.targetKiB / 1024,
                        sd->running ? libxlMemoryPolicyReasonTypeToString(sd->d.reason) : "building",
                        sd->d.state.stuck ? "!" : "");
            }
            fprintf(stderr, "\n");
        }
        if ((ret = testSimCheck(&sim, ms, "targets applied", quiet)) != TEST_SIM_PASSED)
            goto cleanup;

        for (i = 0; i < sim.nexpects; i++) {
            if (sim.expects[i].ms != ms)
                continue;
            if (testSimExpect(&sim, &sim.expects[i], quiet) < 0) {
                ret = TEST_SIM_FAILED_EXPECT;
                goto cleanup;
            }
            sim.expects[i].checked = true;
            nchecked++;
        }

        if (sim.checkNeeds) {
            capacity = sim.memoryKiB - sim.fixedKiB;
            capacity = capacity > sim.cfg.reserveKiB + host.demandKiB ?
                capacity - sim.cfg.reserveKiB - host.demandKiB : 0;
            for (i = 0; i < sim.ndoms; i++) {
                testSimDomain *sd = &sim.doms[i];

                if (!sd->running || sd->d.paused || sd->d.state.stuck) {
                    capacity = capacity > sd->allocKiB + sd->claimKiB ?
                        capacity - sd->allocKiB - sd->claimKiB : 0;
                    continue;
                }
                needs += testSimNeed(&sim, sd, ms);
            }
            if (needs > capacity)
                coveredSince = ULLONG_MAX;
            else if (coveredSince == ULLONG_MAX)
                coveredSince = ms;

            for (i = 0; coveredSince != ULLONG_MAX && ms >= coveredSince + sim.settleMs &&
                 i < sim.ndoms; i++) {
                testSimDomain *sd = &sim.doms[i];
                unsigned long long need = testSimNeed(&sim, sd, ms);

                if (!sd->running || sd->d.paused || sd->d.state.stuck)
                    continue;
                if (sd->d.targetKiB + sim.cfg.deadbandKiB < need) {
                    if (!quiet)
                        VIR_TEST_VERBOSE("\n%s: %llu s: %s's target %llu KiB below its need %llu KiB, though the host has covered every need since %llu s",
                                         sim.file, ms / 1000, sd->name, sd->d.targetKiB,
                                         need, coveredSince / 1000);
                    ret = TEST_SIM_FAILED_NEEDS;
                    goto cleanup;
                }
            }
        }

        if ((ret = testSimMove(&sim, ms, quiet)) != TEST_SIM_PASSED)
            goto cleanup;
    }
    *failMs = sim.runMs;

    /* the load rejects an expect no step reaches; this is the proof */
    if (nchecked != sim.nexpects) {
        ret = TEST_SIM_FAILED_EXPECT;
        for (i = 0; !quiet && i < sim.nexpects; i++) {
            if (!sim.expects[i].checked)
                VIR_TEST_VERBOSE("\n%s:%zu: expect never checked", sim.file,
                                 sim.expects[i].lineno);
        }
        if (!quiet)
            VIR_TEST_VERBOSE("\n%s: %zu of %zu expects checked", sim.file, nchecked,
                             sim.nexpects);
        goto cleanup;
    }

    for (i = 0; i < sim.ndoms; i++) {
        testSimDomain *sd = &sim.doms[i];

        if (!sd->started)
            continue;
        if (sd->expectStart &&
            (!sd->running || sd->d.startedMs > TEST_SIM_EPOCH_MS + sd->byMs)) {
            if (!quiet)
                VIR_TEST_VERBOSE("\n%s: start %s %s", sim.file, sd->name,
                                 sd->running ? "ran too late" :
                                 sd->refused ? "was refused" : "never ran");
            ret = TEST_SIM_FAILED_START;
            goto cleanup;
        }
        if (!sd->expectStart && !sd->refused) {
            if (!quiet)
                VIR_TEST_VERBOSE("\n%s: start %s was not refused", sim.file, sd->name);
            ret = TEST_SIM_FAILED_START;
            goto cleanup;
        }
    }
    ret = TEST_SIM_PASSED;

 cleanup:
    testSimFree(&sim);
    return ret;
}
