/*
 * libxl_domain_stats.h: domains' memory statistics, bulk statistics and
 * the statistics period
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

int
libxlDomainMemoryStatsFill(libxlDriverPrivate *driver,
                           virDomainObj *vm,
                           const libxl_dominfo *info,
                           virDomainMemoryStatPtr stats,
                           unsigned int nr_stats);

void
libxlDomainStatsStarted(libxlDriverPrivate *driver,
                        virDomainObj *vm);

int
libxlDomainStatsGetAll(virConnectPtr conn,
                       virDomainObj **vms,
                       size_t nvms,
                       unsigned int stats,
                       bool enforce,
                       virDomainStatsRecordPtr **retStats);

int
libxlDomainStatsSetPeriod(libxlDriverPrivate *driver,
                          virDomainObj *vm,
                          int period,
                          unsigned int flags);
