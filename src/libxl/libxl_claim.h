/*
 * libxl_claim.h: admission arithmetic of claim-aware domain starts
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

#pragma once

#include "internal.h"
#include "virenum.h"

/* dom0 is never ballooned below libxl's own floor (LIBXL_MIN_DOM0_MEM) */
#define LIBXL_CLAIM_DOM0_MIN_KIB (128 * 1024ULL)

/* The host as a start sees it, in KiB */
typedef struct _libxlClaimHost libxlClaimHost;
struct _libxlClaimHost {
    unsigned long long freeKiB;     /* free pages, claimed or not */
    unsigned long long claimedKiB;  /* outstanding claims of other domains */
    unsigned long long pendingKiB;  /* what builds in flight will still take */
    unsigned long long dom0KiB;     /* dom0's current allocation */
    unsigned long long dom0TargetKiB; /* dom0's balloon target, 0 if unknown:
                                     * below its allocation, dom0 is already
                                     * giving the difference */
    bool autoballoon;               /* dom0 may be ballooned for the start */
    unsigned long long guestsGiveKiB; /* what the auto actor's domains could
                                     * give down to their floors */
};

typedef enum {
    LIBXL_CLAIM_VERDICT_ADMIT,      /* fits in memory nobody else counts on */
    LIBXL_CLAIM_VERDICT_BALLOON,    /* fits once dom0 and the auto actor's
                                     * domains give gapKiB */
    LIBXL_CLAIM_VERDICT_REFUSE,     /* does not fit, even with dom0's help */

    LIBXL_CLAIM_VERDICT_LAST
} libxlClaimVerdict;

VIR_ENUM_DECL(libxlClaimVerdict);

typedef struct _libxlClaimDecision libxlClaimDecision;
struct _libxlClaimDecision {
    libxlClaimVerdict verdict;
    unsigned long long availKiB;    /* free minus claimed minus pending */
    unsigned long long gapKiB;      /* what is missing, 0 when it fits */
    unsigned long long dom0GiveKiB; /* what ballooning dom0 could free */
    unsigned long long guestsKiB;   /* of the gap, what the auto actor's
                                     * domains are to give */
    unsigned long long lowerKiB;    /* how much lower than its target
                                     * dom0's target must go: the gap less
                                     * what the guests give and what dom0
                                     * is already giving */
    unsigned long long newTargetKiB; /* dom0's target then, never below
                                      * libxl's floor when ballooning */
};

unsigned long long
libxlClaimSubKiB(unsigned long long a, unsigned long long b);

unsigned long long
libxlClaimAddKiB(unsigned long long a, unsigned long long b);

void
libxlClaimDecide(const libxlClaimHost *host,
                 unsigned long long needKiB,
                 libxlClaimDecision *decision);

unsigned long long
libxlClaimPendingKiB(unsigned long long needKiB,
                     unsigned long long currentKiB,
                     unsigned long long outstandingKiB);

void
libxlClaimNetFree(unsigned long long *cellFreeKiB,
                  size_t ncells,
                  unsigned long long claimedKiB);
