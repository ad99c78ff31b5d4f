/*
 * libxl_memory_actor_conf.h: what the memory policy actors read and keep
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

#include <libxml/xpath.h>

#include "internal.h"
#include "virbuffer.h"
#include "virconf.h"
#include "libxl_memory_policy.h"

struct _libxlDriverConfig;

/* The limits of the actors' libxl.conf settings: a reserve beyond a TiB
 * is a typing error, not a reserve; a grace period beyond an hour is
 * not a boot */
#define LIBXL_MEMORY_ACTOR_RESERVE_MAX_MIB (1024 * 1024)
#define LIBXL_MEMORY_ACTOR_FLOOR_MAX_PERCENT 100
#define LIBXL_MEMORY_ACTOR_GRACE_MAX 3600

/* What the domain's actor still has to do, kept in the status XML so that
 * a restarted daemon carries on */
typedef struct _libxlMemoryActorState libxlMemoryActorState;
struct _libxlMemoryActorState {
    unsigned long long targetKiB;   /* memory target in force, 0 = none yet */
    unsigned long long setMs;       /* when it was set (wall clock) */
    unsigned long long pagingKiB;   /* paging target, 0 = none */
    unsigned long long dueMs;       /* when the paging target is due */
    unsigned long long ceilingKiB;  /* auto: the last setmem, 0 = <memory> */
    unsigned long long startedMs;   /* when the domain started */
    pid_t pagerPid;                 /* 0 = no pager running */
    unsigned int pagerRestarts;
    unsigned long long pagerRetryMs;
    unsigned long long clippedKiB;  /* auto: the maxmem a stuck balloon was
                                     * clipped to (memory/static-max with
                                     * it), 0 = not clipped */

    /* not kept: rebuilt by the next decisions, or by this daemon only */
    libxlMemoryPolicyAutoState autoState;
    unsigned long long pagerSpawnMs; /* when this daemon forked the pager */
};

void
libxlMemoryActorStateFormat(virBuffer *buf,
                            const libxlMemoryActorState *state);

int
libxlMemoryActorStateParse(xmlXPathContextPtr ctxt,
                           libxlMemoryActorState *state);

void
libxlMemoryActorConfigDefault(struct _libxlDriverConfig *cfg);

int
libxlMemoryActorConfigLoad(struct _libxlDriverConfig *cfg,
                           virConf *conf);
