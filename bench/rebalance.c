/*
 * rebalance.c: the time of one host-wide memory decision over many
 * domains, ours (libxlMemoryPolicyAutoDecide) against our own
 * straightforward implementation of XAPI squeezed's proportional
 * algorithm as the project's design notes describe it (not its code), on
 * the same inputs in the same run.
 *
 * Usage: rebalance-bench [DOMAINS [RUNS]]   (default 1000 and 2001)
 *
 * Prints one line:
 *   rebalance: N domains, T targets in X us (median of R runs) vs
 *   squeezed N domains, T targets in Y us (median of R runs) (ratio Zx)
 * where the ratio is squeezed's median over ours, both as printed.  Each run decides
 * from the same inputs: the domains are copied back from a template
 * before each, outside the timed part.
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

#include <math.h>
#include <time.h>

#include "libxl/libxl_memory_policy.h"

#define MIB 1024ULL
#define GIB (1024ULL * 1024ULL)

/* The baseline's own view of a domain: what squeezed works with */
typedef struct {
    unsigned long long actualKiB;
    unsigned long long targetKiB;
    unsigned long long dynMinKiB;
    unsigned long long dynMaxKiB;
    unsigned long long lastActualKiB;
    unsigned long long lastMovedMs;
    bool paused;
    /* out */
    bool setTarget;
    unsigned long long newTargetKiB;
    bool setMaxmem;
    unsigned long long maxmemKiB;
} benchSqueezeDomain;

/* squeezed's constants as the design notes give them */
#define BENCH_SQUEEZE_HOST_TARGET_KIB (72 * MIB)
#define BENCH_SQUEEZE_TOLERANCE_KIB 512ULL
#define BENCH_SQUEEZE_INACTIVE_MS 5000ULL


/*
 * One decision of the proportional algorithm: the active domains (on
 * target, or moved within the last 5 s) share the surplus, free memory
 * plus what they hold above their dynamic minimum less the host's
 * target, in one proportion g of their dynamic ranges; inactive ones are
 * left out with maxmem clipped.  Decreases first: while any domain still
 * has to free memory, only decreases are written.
 */
static void
benchSqueezeDecide(benchSqueezeDomain *doms,
                   size_t ndoms,
                   unsigned long long freeKiB,
                   unsigned long long nowMs)
{
    double surplus = (double) freeKiB - (double) BENCH_SQUEEZE_HOST_TARGET_KIB;
    double range = 0;
    double g;
    bool decreasing = false;
    size_t i;

    for (i = 0; i < ndoms; i++) {
        benchSqueezeDomain *d = &doms[i];
        unsigned long long off = d->actualKiB > d->targetKiB ?
            d->actualKiB - d->targetKiB : d->targetKiB - d->actualKiB;

        d->setTarget = d->setMaxmem = false;
        if (off <= BENCH_SQUEEZE_TOLERANCE_KIB || d->actualKiB != d->lastActualKiB) {
            d->lastActualKiB = d->actualKiB;
            d->lastMovedMs = nowMs;
        }
        if (d->paused || nowMs - d->lastMovedMs >= BENCH_SQUEEZE_INACTIVE_MS) {
            d->setMaxmem = true;
            d->maxmemKiB = d->actualKiB;
            continue;
        }
        if (d->actualKiB > d->dynMinKiB)
            surplus += (double) (d->actualKiB - d->dynMinKiB);
        range += (double) (d->dynMaxKiB - d->dynMinKiB);
    }

    g = range > 0 ? surplus / range : 0;
    if (g < 0)
        g = 0;
    if (g > 1)
        g = 1;

    for (i = 0; i < ndoms; i++) {
        benchSqueezeDomain *d = &doms[i];

        if (d->setMaxmem)
            continue;
        d->newTargetKiB = d->dynMinKiB +
            (unsigned long long) (g * (double) (d->dynMaxKiB - d->dynMinKiB));
        if (d->newTargetKiB + BENCH_SQUEEZE_TOLERANCE_KIB < d->actualKiB)
            decreasing = true;
    }

    for (i = 0; i < ndoms; i++) {
        benchSqueezeDomain *d = &doms[i];

        if (d->setMaxmem || d->newTargetKiB == d->targetKiB)
            continue;
        if (decreasing && d->newTargetKiB > d->targetKiB)
            continue;
        d->setTarget = true;
        d->setMaxmem = true;
        d->maxmemKiB = d->newTargetKiB;
    }
}


static unsigned long long
benchRandom(unsigned long long *state)
{
    /* xorshift64: the same host every run */
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}


/* A host under pressure: free memory is 2 % of what the domains hold,
 * most guests report their use, a few are paused, booting or stuck, a
 * third have a target in flight */
static unsigned long long
benchHost(libxlMemoryPolicyAutoDomain *doms,
          benchSqueezeDomain *squeeze,
          size_t ndoms,
          unsigned long long nowMs)
{
    unsigned long long seed = 0x9e3779b97f4a7c15ULL;
    unsigned long long held = 0;
    size_t i;

    for (i = 0; i < ndoms; i++) {
        libxlMemoryPolicyAutoDomain *d = &doms[i];
        benchSqueezeDomain *s = &squeeze[i];
        unsigned long long kind = benchRandom(&seed) % 100;

        memset(d, 0, sizeof(*d));
        d->domid = i + 1;
        d->floorKiB = 256 * MIB + (benchRandom(&seed) % 768) * MIB;
        d->ceilingKiB = d->floorKiB + GIB + (benchRandom(&seed) % 7168) * MIB;
        d->targetKiB = d->floorKiB + benchRandom(&seed) % (d->ceilingKiB - d->floorKiB);
        d->currentKiB = d->targetKiB;
        if (benchRandom(&seed) % 3 == 0)
            d->currentKiB = d->floorKiB + benchRandom(&seed) % (d->ceilingKiB - d->floorKiB);
        d->startedMs = 0;
        d->hasUsed = kind >= 5;
        d->usedKiB = benchRandom(&seed) % d->ceilingKiB;
        if (kind >= 5 && kind < 15)
            d->suggestKiB = benchRandom(&seed) % d->ceilingKiB;
        d->paused = kind < 2;
        if (kind >= 2 && kind < 4)
            d->startedMs = nowMs - 10000;
        d->state.stuck = kind == 4;
        d->state.progressKiB = d->currentKiB + MIB;
        d->state.progressMs = nowMs - 1000 - benchRandom(&seed) % 8000;
        d->state.changedMs = nowMs - benchRandom(&seed) % 20000;
        d->state.direction = (int) (benchRandom(&seed) % 3) - 1;
        held += d->currentKiB;

        memset(s, 0, sizeof(*s));
        s->actualKiB = d->currentKiB;
        s->targetKiB = d->targetKiB;
        s->dynMinKiB = d->floorKiB;
        s->dynMaxKiB = d->ceilingKiB;
        s->lastActualKiB = d->state.progressKiB;
        s->lastMovedMs = d->state.progressMs;
        s->paused = d->paused;
    }
    return held / 50;
}


static unsigned long long
benchNowNs(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}


static int
benchCompare(const void *a, const void *b)
{
    unsigned long long x = *(const unsigned long long *) a;
    unsigned long long y = *(const unsigned long long *) b;

    return x < y ? -1 : x > y;
}


int
main(int argc, char **argv)
{
    size_t ndoms = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    size_t runs = argc > 2 ? strtoul(argv[2], NULL, 10) : 2001;
    unsigned long long nowMs = 3600 * 1000ULL;
    g_autofree libxlMemoryPolicyAutoDomain *template = NULL;
    g_autofree libxlMemoryPolicyAutoDomain *doms = NULL;
    g_autofree benchSqueezeDomain *squeezeTemplate = NULL;
    g_autofree benchSqueezeDomain *squeeze = NULL;
    g_autofree unsigned long long *ours = NULL;
    g_autofree unsigned long long *theirs = NULL;
    libxlMemoryPolicyConfig cfg;
    libxlMemoryPolicyAutoHost host = { 0 };
    size_t oursTargets = 0;
    size_t theirTargets = 0;
    double oursUs;
    double theirUs;
    size_t i;
    size_t run;

    if (ndoms == 0 || runs == 0) {
        fprintf(stderr, "usage: %s [DOMAINS [RUNS]]\n", argv[0]);
        return 2;
    }

    template = g_new0(libxlMemoryPolicyAutoDomain, ndoms);
    doms = g_new0(libxlMemoryPolicyAutoDomain, ndoms);
    squeezeTemplate = g_new0(benchSqueezeDomain, ndoms);
    squeeze = g_new0(benchSqueezeDomain, ndoms);
    ours = g_new0(unsigned long long, runs);
    theirs = g_new0(unsigned long long, runs);

    libxlMemoryPolicyConfigDefault(&cfg);
    host.nowMs = nowMs;
    host.freeKiB = benchHost(template, squeezeTemplate, ndoms, nowMs);

    /* alternate the two, so that whatever else the machine does falls on
     * both alike */
    for (run = 0; run < runs; run++) {
        unsigned long long t0;

        memcpy(doms, template, ndoms * sizeof(*doms));
        t0 = benchNowNs();
        libxlMemoryPolicyAutoDecide(&cfg, &host, doms, ndoms);
        ours[run] = benchNowNs() - t0;

        memcpy(squeeze, squeezeTemplate, ndoms * sizeof(*squeeze));
        t0 = benchNowNs();
        benchSqueezeDecide(squeeze, ndoms, host.freeKiB, nowMs);
        theirs[run] = benchNowNs() - t0;
    }

    for (i = 0; i < ndoms; i++) {
        oursTargets += doms[i].setTarget;
        theirTargets += squeeze[i].setTarget;
    }

    qsort(ours, runs, sizeof(*ours), benchCompare);
    qsort(theirs, runs, sizeof(*theirs), benchCompare);
    /* rounded as printed, so that the ratio is that of the figures */
    oursUs = round(ours[runs / 2] / 100.0) / 10.0;
    theirUs = round(theirs[runs / 2] / 100.0) / 10.0;

    printf("rebalance: %zu domains, %zu targets in %.1f us (median of %zu runs) vs "
           "squeezed %zu domains, %zu targets in %.1f us (median of %zu runs) ",
           ndoms, oursTargets, oursUs, runs, ndoms, theirTargets, theirUs, runs);
    if (oursUs > 0)
        printf("(ratio %.1fx)\n", theirUs / oursUs);
    else
        printf("(ratio %s)\n", theirUs > 0 ? "inf" : "n/a");
    return 0;
}
