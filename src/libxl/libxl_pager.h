/*
 * libxl_pager.h: the paging daemon of a domain (xenpaging)
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

/* Debian's xen-utils-4.17 ships the pager here; nothing in libxl starts it */
#define LIBXL_PAGER_PROGRAM_DEFAULT "/usr/lib/xen-4.17/bin/xenpaging"

/* The xenstore key the pager watches for the allocation, in KiB, to page
 * the domain down (or back up) to */
#define LIBXL_PAGER_TARGET_KEY "memory/target-tot_pages"

/* Longest pause between restarts of a pager that keeps dying */
#define LIBXL_PAGER_BACKOFF_MAX_MS (60 * 1000ULL)

char *
libxlPagerFile(const char *dir,
               const char *name);

int
libxlPagerStart(const char *program,
                const char *dir,
                const char *logDir,
                const char *name,
                int domid,
                bool wait,
                pid_t *pid);

bool
libxlPagerAlive(pid_t pid,
                const char *program,
                const char *pagefile,
                bool starting);

void
libxlPagerStop(pid_t pid,
               const char *program,
               const char *pagefile,
               bool starting);

unsigned long long
libxlPagerBackoffMs(unsigned int restarts);
