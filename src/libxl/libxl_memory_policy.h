/*
 * libxl_memory_policy.h: decisions of the domains' memory policy actors
 *
 * Pure: plain structures in, targets out, no I/O and no clock of its own.
 * The actor (libxl_memory_actor.c) reads the hypervisor and the guests'
 * statistics, calls in here, and applies what comes back.
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

/* A balloon within this of its target has reached it: balloon drivers
 * work in pages and round, and libxl takes video RAM off the target. */
#define LIBXL_MEMORY_POLICY_TOLERANCE_KIB (1024ULL)

/*
 * The balloon actor: a memory target is first the balloon target; once
 * the domain's delay has passed, an HVM domain with paging on hands what
 * the balloon has not given to the pager.
 */
typedef struct _libxlMemoryPolicyBalloon libxlMemoryPolicyBalloon;
struct _libxlMemoryPolicyBalloon {
    unsigned long long targetKiB;   /* the memory target in force */
    unsigned long long setMs;       /* when it was set */
    unsigned long long currentKiB;  /* the domain's allocation now */
    unsigned long long pagingKiB;   /* paging target in force, 0 = none */
    unsigned int delay;             /* seconds the balloon is given */
    bool paging;                    /* the pager may take the rest */
};

typedef struct _libxlMemoryPolicyBalloonStep libxlMemoryPolicyBalloonStep;
struct _libxlMemoryPolicyBalloonStep {
    bool setPaging;                 /* write pagingKiB */
    unsigned long long pagingKiB;   /* the paging target to write */
    unsigned long long dueMs;       /* when to look again, 0 = nothing due */
};

void
libxlMemoryPolicyBalloonDecide(const libxlMemoryPolicyBalloon *in,
                               unsigned long long nowMs,
                               libxlMemoryPolicyBalloonStep *step);


/*
 * The auto actor: one host-wide decision over the running domains whose
 * actor is auto, moving each toward its need within [floor, ceiling].
 */
typedef enum {
    LIBXL_MEMORY_POLICY_REASON_KEEP = 0,  /* target left as it is */
    LIBXL_MEMORY_POLICY_REASON_NEED,      /* raised toward the guest's need */
    LIBXL_MEMORY_POLICY_REASON_SURPLUS,   /* lowered to its need: memory it
                                           * does not use */
    LIBXL_MEMORY_POLICY_REASON_SHORTAGE,  /* lowered below its need: the
                                           * host cannot cover every need */
    LIBXL_MEMORY_POLICY_REASON_DEMAND,    /* lowered for a start waiting
                                           * to be admitted */
    LIBXL_MEMORY_POLICY_REASON_STUCK,     /* its balloon does not move: left
                                           * out, maxmem clipped */
    LIBXL_MEMORY_POLICY_REASON_BOOTING,   /* within its grace period */
    LIBXL_MEMORY_POLICY_REASON_PAUSED,    /* not running: not grown */

    LIBXL_MEMORY_POLICY_REASON_LAST
} libxlMemoryPolicyReason;

VIR_ENUM_DECL(libxlMemoryPolicyReason);

typedef struct _libxlMemoryPolicyConfig libxlMemoryPolicyConfig;
struct _libxlMemoryPolicyConfig {
    unsigned long long reserveKiB;  /* free memory kept at every step */
    unsigned int marginPercent;     /* need = used + this much of used */
    unsigned long long deadbandKiB; /* smaller changes are not made */
    unsigned long long holdMs;      /* no decrease this soon after an
                                     * increase, and no increase this soon
                                     * after a decrease, unless the guest
                                     * is below its need */
    unsigned long long graceMs;     /* a booting guest is not shrunk */
    unsigned long long stuckMs;     /* off target without progress this
                                     * long: stuck */
    unsigned long long stuckRateKiBs; /* slower than this is no progress */
    unsigned long long suggestStepKiB; /* how far a guest's own suggested
                                        * target may move its need per
                                        * decision */
};

void
libxlMemoryPolicyConfigDefault(libxlMemoryPolicyConfig *cfg);

/* What the actor keeps for a domain from one decision to the next;
 * zeroed for a domain it has not seen */
typedef struct _libxlMemoryPolicyAutoState libxlMemoryPolicyAutoState;
struct _libxlMemoryPolicyAutoState {
    unsigned long long changedMs;   /* last target change */
    int direction;                  /* of that change: -1, 0, 1 */
    unsigned long long progressKiB; /* allocation when last seen moving */
    unsigned long long progressMs;
    unsigned long long suggestNeedKiB; /* need from the suggested target,
                                        * after the step limit */
    bool stuck;
};

typedef struct _libxlMemoryPolicyAutoDomain libxlMemoryPolicyAutoDomain;
struct _libxlMemoryPolicyAutoDomain {
    /* in */
    int domid;
    unsigned long long currentKiB;  /* allocation (hypervisor) */
    unsigned long long targetKiB;   /* balloon target in force */
    unsigned long long floorKiB;    /* never below */
    unsigned long long ceilingKiB;  /* never above */
    unsigned long long startedMs;
    bool paused;
    bool paging;                    /* HVM with paging on */
    unsigned long long pagingTargetKiB; /* paging target in force,
                                         * 0 = none */
    bool hasUsed;
    unsigned long long usedKiB;     /* guest: what it uses, from its stats */
    unsigned long long suggestKiB;  /* guest: its own target, 0 = none */
    libxlMemoryPolicyAutoState state; /* in and out */

    /* out */
    libxlMemoryPolicyReason reason;
    unsigned long long needKiB;     /* the need this decision worked with */
    bool setTarget;
    unsigned long long newTargetKiB; /* the target after the decision,
                                      * the one in force if !setTarget */
    bool setMaxmem;                 /* clip a stuck balloon's maxmem to
                                     * its allocation; when it is no
                                     * longer stuck, give maxmem back at
                                     * its target (the driver adds what
                                     * libxl's enforce adds to a target) */
    unsigned long long maxmemKiB;
    bool setPaging;
    unsigned long long pagingKiB;
};

typedef struct _libxlMemoryPolicyAutoHost libxlMemoryPolicyAutoHost;
struct _libxlMemoryPolicyAutoHost {
    unsigned long long nowMs;
    unsigned long long freeKiB;     /* free, net of outstanding claims */
    unsigned long long demandKiB;   /* what waiting starts will claim:
                                     * freed on top of the reserve, and
                                     * never given to a raise.  The whole
                                     * size of those starts, not what is
                                     * missing for them */
};

void
libxlMemoryPolicyAutoDecide(const libxlMemoryPolicyConfig *cfg,
                            const libxlMemoryPolicyAutoHost *host,
                            libxlMemoryPolicyAutoDomain *doms,
                            size_t ndoms);

unsigned long long
libxlMemoryPolicyAutoSqueezableKiB(const libxlMemoryPolicyConfig *cfg,
                                   unsigned long long nowMs,
                                   const libxlMemoryPolicyAutoDomain *doms,
                                   size_t ndoms);
