/*
 * libxl_memory_actor.h: the domains' memory policy actors at work
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

#include <libxl.h>

#include "internal.h"
#include "libxl_memory_actor_conf.h"

typedef struct _libxlMemoryActor libxlMemoryActor;

struct _libxlDriverConfig;
struct _libxlDriverPrivate;
struct _virDomainObj;
struct _virDomainDef;

unsigned long long
libxlMemoryActorGuestsGiveKiB(void);

void
libxlMemoryActorWake(void);

void
libxlMemoryActorSetBuildInfo(const struct _virDomainDef *def,
                             libxl_domain_build_info *b_info);

int
libxlMemoryActorCheckStart(struct _libxlDriverPrivate *driver,
                           struct _virDomainDef *def);

libxlMemoryActor *
libxlMemoryActorNew(struct _libxlDriverPrivate *driver);

void
libxlMemoryActorFree(libxlMemoryActor *actor);

int
libxlMemoryActorDomainStarted(struct _libxlDriverPrivate *driver,
                              struct _virDomainObj *vm);

void
libxlMemoryActorDomainStopped(struct _libxlDriverPrivate *driver,
                              struct _virDomainObj *vm);

void
libxlMemoryActorDomainReconnected(struct _libxlDriverPrivate *driver,
                                  struct _virDomainObj *vm);

int
libxlMemoryActorSetMemory(struct _libxlDriverPrivate *driver,
                          struct _virDomainObj *vm,
                          unsigned long long kib);

int
libxlMemoryActorGetParameters(struct _libxlDriverPrivate *driver,
                              struct _virDomainObj *vm,
                              struct _virDomainDef *def,
                              virTypedParameterPtr params,
                              int *nparams,
                              unsigned int flags);

int
libxlMemoryActorSetParameters(struct _libxlDriverPrivate *driver,
                              struct _virDomainObj *vm,
                              struct _virDomainDef *persistentDef,
                              virTypedParameterPtr params,
                              int nparams,
                              unsigned int flags);
