/*
 * libxl_claim.c: admission arithmetic of claim-aware domain starts
 *
 * Pure functions: the start hook (libxl_admission.c) gathers the host's
 * figures and acts on the verdict.
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

#include "libxl_claim.h"

VIR_ENUM_IMPL(libxlClaimVerdict,
              LIBXL_CLAIM_VERDICT_LAST,
              "admit",
              "balloon",
              "refuse",
);


/* Sizes never wrap: a - b is 0 when b is larger, a + b saturates */
unsigned long long
libxlClaimSubKiB(unsigned long long a, unsigned long long b)
{
    return a > b ? a - b : 0;
}


unsigned long long
libxlClaimAddKiB(unsigned long long a, unsigned long long b)
{
    return a > ULLONG_MAX - b ? ULLONG_MAX : a + b;
}


/* What @terms add up to beyond @freeKiB, 0 when free memory covers them.
 * Free memory is taken off term by term, so the result is exact whenever
 * it fits in 64 bits: adding the terms first could saturate, and the
 * subtraction would then lose what free memory covers. */
static unsigned long long
libxlClaimShortfallKiB(unsigned long long freeKiB,
                       const unsigned long long *terms,
                       size_t nterms)
{
    unsigned long long gap = 0;
    size_t i;

    for (i = 0; i < nterms; i++) {
        if (terms[i] <= freeKiB) {
            freeKiB -= terms[i];
        } else {
            gap = libxlClaimAddKiB(gap, terms[i] - freeKiB);
            freeKiB = 0;
        }
    }
    return gap;
}


/**
 * libxlClaimDecide:
 * @host: the host's memory as the start sees it
 * @needKiB: what the domain needs (libxl_domain_need_memory)
 * @decision: filled in
 *
 * Memory a start may count on is what is free minus what other domains
 * have claimed and what builds already under way will still take; the
 * hypervisor's claim then makes the start atomic.  If that is short, dom0
 * is ballooned by exactly the gap, provided autoballooning is on and dom0
 * has that much above libxl's floor; otherwise the start is refused.
 *
 * The gap is the whole shortfall (claims and pending starts beyond free
 * memory add to it, and so does what dom0 will take back if its target is
 * above its allocation).  dom0 may already be on its way down, for
 * another start or at an admin's request: what it is still to give
 * counts, so its target is lowered only by the rest, and repeated starts
 * never compound; a target above its allocation is lowered through the
 * growth first.  The new target is never below libxl's floor.
 *
 * Domains of the auto memory policy actor give first, down to their
 * floors: they hold memory their guests do not need, which dom0 may well
 * need.  dom0 is lowered only by what they cannot give.
 */
void
libxlClaimDecide(const libxlClaimHost *host,
                 unsigned long long needKiB,
                 libxlClaimDecision *decision)
{
    unsigned long long target = host->dom0TargetKiB ? host->dom0TargetKiB : host->dom0KiB;
    unsigned long long incoming = libxlClaimSubKiB(host->dom0KiB, target);
    unsigned long long growth = libxlClaimSubKiB(target, host->dom0KiB);
    const unsigned long long demand[] = { host->claimedKiB, host->pendingKiB, growth, needKiB };

    decision->availKiB = libxlClaimSubKiB(libxlClaimSubKiB(host->freeKiB,
                                                           host->claimedKiB),
                                          host->pendingKiB);
    decision->gapKiB = libxlClaimShortfallKiB(host->freeKiB, demand,
                                              G_N_ELEMENTS(demand));
    decision->dom0GiveKiB = host->autoballoon ?
        libxlClaimAddKiB(libxlClaimSubKiB(host->dom0KiB, LIBXL_CLAIM_DOM0_MIN_KIB),
                         growth) : 0;

    decision->guestsKiB = MIN(decision->gapKiB, host->guestsGiveKiB);

    if (decision->gapKiB == 0)
        decision->verdict = LIBXL_CLAIM_VERDICT_ADMIT;
    else if (decision->gapKiB <= libxlClaimAddKiB(decision->dom0GiveKiB,
                                                  host->guestsGiveKiB))
        decision->verdict = LIBXL_CLAIM_VERDICT_BALLOON;
    else
        decision->verdict = LIBXL_CLAIM_VERDICT_REFUSE;

    decision->lowerKiB = 0;
    decision->newTargetKiB = target;
    if (decision->verdict == LIBXL_CLAIM_VERDICT_BALLOON) {
        unsigned long long dom0Part = decision->gapKiB - decision->guestsKiB;

        decision->lowerKiB = libxlClaimSubKiB(dom0Part, incoming);
        decision->newTargetKiB = libxlClaimSubKiB(target, decision->lowerKiB);
    } else {
        decision->guestsKiB = 0;
    }
}


/**
 * libxlClaimPendingKiB:
 * @needKiB: what a build in flight needs in all
 * @currentKiB: what its domain owns so far (0 before it exists)
 * @outstandingKiB: its claim not yet consumed
 *
 * Returns what the build will still take that the hypervisor's figures
 * do not show yet: nothing once its claim covers the rest.
 */
unsigned long long
libxlClaimPendingKiB(unsigned long long needKiB,
                     unsigned long long currentKiB,
                     unsigned long long outstandingKiB)
{
    return libxlClaimSubKiB(needKiB, libxlClaimAddKiB(currentKiB, outstandingKiB));
}


/**
 * libxlClaimNetFree:
 * @cellFreeKiB: free memory of each NUMA cell, adjusted in place
 * @ncells: number of cells
 * @claimedKiB: the host's outstanding claims
 *
 * Claims in Xen 4.17 are host-wide, not per node.  Take them out of the
 * cells in proportion to each cell's free memory, so that the cells add
 * up to the host's free memory net of claims.
 */
void
libxlClaimNetFree(unsigned long long *cellFreeKiB,
                  size_t ncells,
                  unsigned long long claimedKiB)
{
    unsigned long long total = 0;
    unsigned long long left = claimedKiB;
    size_t i;

    for (i = 0; i < ncells; i++)
        total = libxlClaimAddKiB(total, cellFreeKiB[i]);

    if (claimedKiB >= total) {
        for (i = 0; i < ncells; i++)
            cellFreeKiB[i] = 0;
        return;
    }

    for (i = 0; i < ncells && left; i++) {
        /* the last cell with memory takes the rounding remainder */
        unsigned long long share = i + 1 == ncells ? left :
            (unsigned long long)((long double)claimedKiB * cellFreeKiB[i] / total);

        if (share > left)
            share = left;
        if (share > cellFreeKiB[i])
            share = cellFreeKiB[i];
        cellFreeKiB[i] -= share;
        left -= share;
    }

    /* rounding may leave a little: take it from any cell that has it */
    for (i = 0; i < ncells && left; i++) {
        unsigned long long share = left < cellFreeKiB[i] ? left : cellFreeKiB[i];

        cellFreeKiB[i] -= share;
        left -= share;
    }
}
