/*
 * libxl_admission.h: claim-aware admission of domain starts
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

typedef struct _libxlAdmissionTicket libxlAdmissionTicket;

void
libxlAdmissionSetBuildInfo(const virDomainDef *def,
                           const libxlDriverConfig *cfg,
                           libxl_domain_build_info *b_info);

int
libxlAdmissionBegin(libxlDriverConfig *cfg,
                    const unsigned char *uuid,
                    const char *name,
                    libxl_domain_config *d_config,
                    libxlAdmissionTicket **ticket);

bool
libxlAdmissionExplainFailure(libxlDriverConfig *cfg,
                             libxlAdmissionTicket *ticket);

void
libxlAdmissionEnd(libxlDriverConfig *cfg,
                  libxlAdmissionTicket *ticket,
                  bool built);

void
libxlAdmissionBuildDone(libxlDriverConfig *cfg,
                        const unsigned char *uuid);

int
libxlAdmissionDemandKiB(libxlDriverConfig *cfg,
                        unsigned long long *demandKiB);
