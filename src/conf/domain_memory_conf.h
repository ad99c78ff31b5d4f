/*
 * domain_memory_conf.h: <memoryClaim/> and <memoryPolicy/> domain XML
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
#include "virconftypes.h"
#include "virenum.h"

/* Longest wait between reaching a balloon target and handing the rest of a
 * memory target to the pager.  The delay only has to cover a balloon driver
 * that is slow to react; an hour is far beyond any such driver. */
#define VIR_DOMAIN_MEMORY_POLICY_DELAY_MAX 3600

/* Whether the domain build claims the domain's memory in the hypervisor
 * before populating it.  An absent element defers to the host default. */
typedef struct _virDomainMemoryClaimDef virDomainMemoryClaimDef;
struct _virDomainMemoryClaimDef {
    bool present;               /* <memoryClaim/> was given */
    virTristateSwitch mode;     /* ABSENT: element given without mode= */
};

typedef enum {
    VIR_DOMAIN_MEMORY_POLICY_ACTOR_NONE = 0,  /* nobody acts on targets */
    VIR_DOMAIN_MEMORY_POLICY_ACTOR_MANUAL,    /* admin sets each target */
    VIR_DOMAIN_MEMORY_POLICY_ACTOR_BALLOON,   /* balloon, then paging */
    VIR_DOMAIN_MEMORY_POLICY_ACTOR_AUTO,      /* rebalance toward need */

    VIR_DOMAIN_MEMORY_POLICY_ACTOR_LAST
} virDomainMemoryPolicyActor;

VIR_ENUM_DECL(virDomainMemoryPolicyActor);

typedef struct _virDomainMemoryPolicyDef virDomainMemoryPolicyDef;
struct _virDomainMemoryPolicyDef {
    virDomainMemoryPolicyActor actor;
    bool hasDelay;              /* delay= was given */
    unsigned int delay;         /* seconds */
    virTristateSwitch paging;   /* ABSENT: paging= not given */
};

void
virDomainMemoryPolicyDefFree(virDomainMemoryPolicyDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainMemoryPolicyDef, virDomainMemoryPolicyDefFree);

int
virDomainMemoryClaimDefParseXML(xmlXPathContextPtr ctxt,
                                virDomainMemoryClaimDef *def);

void
virDomainMemoryClaimDefFormat(virBuffer *buf,
                              const virDomainMemoryClaimDef *def);

bool
virDomainMemoryClaimDefWanted(const virDomainMemoryClaimDef *def,
                              bool hostDefault);

int
virDomainMemoryPolicyDefParseXML(xmlXPathContextPtr ctxt,
                                 virDomainMemoryPolicyDef **def);

void
virDomainMemoryPolicyDefFormat(virBuffer *buf,
                               const virDomainMemoryPolicyDef *def);

int
virDomainDefMemoryOvercommitValidate(const virDomainDef *def,
                                     virDomainXMLOption *xmlopt);
