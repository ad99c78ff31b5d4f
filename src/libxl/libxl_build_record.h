/*
 * libxl_build_record.h: a record of each domain build in flight
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

#include "libxl_conf.h"

int
libxlBuildRecordBegin(const char *stateDir,
                      const unsigned char *uuid,
                      const char *name,
                      unsigned long long dom0LoweredKiB,
                      unsigned long long dom0TargetKiB);

void
libxlBuildRecordEnd(const char *stateDir,
                    const unsigned char *uuid);

void
libxlBuildRecordReap(libxlDriverPrivate *driver);
