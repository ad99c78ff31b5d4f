/*
 * libxl_node_memory.h: the host's memory figures, net of claims
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

#include "libxl_conf.h"

/* The hypervisor's figures, in KiB */
typedef struct _libxlNodeMemory libxlNodeMemory;
struct _libxlNodeMemory {
    unsigned long long totalKiB;
    unsigned long long freeKiB;     /* free pages, claimed or not */
    unsigned long long scrubKiB;    /* freed pages not yet scrubbed */
    unsigned long long claimedKiB;  /* outstanding claims */
};

int
libxlNodeMemoryRead(libxlDriverConfig *cfg,
                    libxlNodeMemory *mem);

int
libxlNodeMemoryUnclaimedKiB(libxlDriverConfig *cfg,
                            const libxlNodeMemory *mem,
                            unsigned long long *kib);

int
libxlNodeMemoryFree(libxlDriverConfig *cfg,
                    unsigned long long *bytes);

int
libxlNodeMemoryCellsFree(libxlDriverConfig *cfg,
                         const libxl_numainfo *numa,
                         int nr_nodes,
                         unsigned long long *freeMems,
                         int startCell,
                         int numCells);

int
libxlNodeMemoryStats(libxlDriverConfig *cfg,
                     int cellNum,
                     virNodeMemoryStatsPtr params,
                     int *nparams,
                     unsigned int flags);
