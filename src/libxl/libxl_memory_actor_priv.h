/*
 * libxl_memory_actor_priv.h: what the actors' hooks and their thread share
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

#include "libxl_memory_actor.h"
#include "libxl_conf.h"
#include "domain_conf.h"

/* A pager this daemon forked may take a while to exec: until then its
 * command line is libvirtd's */
#define LIBXL_MEMORY_ACTOR_PAGER_EXEC_MS 10000

struct _libxlMemoryActor {
    libxlDriverPrivate *driver;
    virMutex lock;
    virCond cond;
    bool quit;                      /* under lock */
    bool kicked;                    /* under lock: a target changed */
    virThread thread;

    /* the thread's alone */
    struct xs_handle *xsh;
    GHashTable *written;            /* domid -> paging target written */
};

virDomainMemoryPolicyActor
libxlMemoryActorOf(const virDomainDef *def);

bool
libxlMemoryActorPaging(const virDomainDef *def);

unsigned int
libxlMemoryActorDelay(const virDomainDef *def);

unsigned long long
libxlMemoryActorNow(void);

char *
libxlMemoryActorPagerDir(libxlDriverConfig *cfg);

void
libxlMemoryActorSave(libxlDriverPrivate *driver,
                     virDomainObj *vm);

int
libxlMemoryActorWriteTarget(libxlDriverConfig *cfg,
                            int domid,
                            unsigned long long kib,
                            bool paged);

/* libxl_memory_actor_cycle.c: the thread looks again now, not at its
 * next cycle */
void
libxlMemoryActorKick(libxlDriverPrivate *driver);
