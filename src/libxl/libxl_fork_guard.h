/*
 * libxl_fork_guard.h: keep the driver's own hypercalls out of forks
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

/* How long a fork waits for the guarded calls in flight to return */
#define LIBXL_FORK_GUARD_WAIT_MS 1000

int libxlForkGuardInit(void);
void libxlForkGuardEnter(void);
void libxlForkGuardLeave(void);
unsigned int libxlForkGuardInside(void);
unsigned int libxlForkGuardPending(void);
