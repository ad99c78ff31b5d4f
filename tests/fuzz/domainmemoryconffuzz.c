/*
 * domainmemoryconffuzz.c: libFuzzer target for <memoryClaim/> and
 * <memoryPolicy/> in a domain's XML
 *
 * Any user of the API can define a domain: whatever the XML says, the
 * parsers refuse it with a reported error or accept it, and what they
 * accept formats to XML that parses back to the same definition.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "conf/domain_conf.h"
#include "conf/domain_memory_conf.h"
#include "virbuffer.h"
#include "virerror.h"
#include "virxml.h"

#include "libvirtfuzz.h"

#define VIR_FROM_THIS VIR_FROM_NONE


/* Parse both elements of the <domain> in @xml; -1 if either is refused */
static int
fuzzParse(const char *xml,
          virDomainMemoryClaimDef *claim,
          virDomainMemoryPolicyDef **policy)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    int rc;

    memset(claim, 0, sizeof(*claim));
    *policy = NULL;
    if (!(doc = virXMLParseStringCtxt(xml, "(fuzz)", &ctxt)))
        return -2;
    virResetLastError();
    rc = virDomainMemoryClaimDefParseXML(ctxt, claim);
    if (rc == 0)
        rc = virDomainMemoryPolicyDefParseXML(ctxt, policy);
    if (rc < 0 && !virGetLastError())
        abort();                /* refused without saying why */
    return rc;
}


static char *
fuzzFormat(const virDomainMemoryClaimDef *claim,
           const virDomainMemoryPolicyDef *policy)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;

    virBufferAddLit(&buf, "<domain>\n");
    virBufferAdjustIndent(&buf, 2);
    virDomainMemoryClaimDefFormat(&buf, claim);
    virDomainMemoryPolicyDefFormat(&buf, policy);
    virBufferAdjustIndent(&buf, -2);
    virBufferAddLit(&buf, "</domain>\n");
    return virBufferContentAndReset(&buf);
}


/* Validation refuses what the driver does not act on, and paging for
 * guests that are not HVM, and nothing else */
static void
fuzzValidate(const virDomainMemoryClaimDef *claim,
             virDomainMemoryPolicyDef *policy)
{
    g_autofree virDomainDef *def = g_new0(virDomainDef, 1);
    virDomainXMLOption none = { 0 };
    virDomainXMLOption both = { 0 };
    size_t i;

    both.config.features = VIR_DOMAIN_DEF_FEATURE_MEMORY_CLAIM |
                           VIR_DOMAIN_DEF_FEATURE_MEMORY_POLICY;
    def->memoryClaim = *claim;
    def->memoryPolicy = policy;
    for (i = 0; i < 2; i++) {
        bool hvm = i == 0;
        bool pagingRefused = policy && policy->paging == VIR_TRISTATE_SWITCH_ON && !hvm;

        def->os.type = hvm ? VIR_DOMAIN_OSTYPE_HVM : VIR_DOMAIN_OSTYPE_XEN;
        if ((virDomainDefMemoryOvercommitValidate(def, &none) < 0) !=
            (claim->present || policy))
            abort();            /* an element accepted by a driver that ignores it */
        if ((virDomainDefMemoryOvercommitValidate(def, &both) < 0) != pagingRefused)
            abort();            /* paging outside HVM, or a good definition refused */
    }
    /* the host default decides only for a domain without the element;
     * with it, only mode='off' does not claim */
    for (i = 0; i < 2; i++) {
        bool hostDefault = i == 0;
        bool wanted = claim->present ? claim->mode != VIR_TRISTATE_SWITCH_OFF
                                     : hostDefault;

        if (virDomainMemoryClaimDefWanted(claim, hostDefault) != wanted)
            abort();
    }
    def->memoryPolicy = NULL;
}


static void
fuzzOne(const uint8_t *data, size_t size)
{
    g_autofree char *xml = g_strndup((const char *)data, size);
    g_autofree char *first = NULL;
    g_autofree char *second = NULL;
    g_autoptr(virDomainMemoryPolicyDef) policy = NULL;
    g_autoptr(virDomainMemoryPolicyDef) again = NULL;
    virDomainMemoryClaimDef claim;
    virDomainMemoryClaimDef claimAgain;

    if (fuzzParse(xml, &claim, &policy) < 0)
        return;

    if (policy && policy->delay > VIR_DOMAIN_MEMORY_POLICY_DELAY_MAX)
        abort();                /* a delay past the limit accepted */

    fuzzValidate(&claim, policy);
    first = fuzzFormat(&claim, policy);
    if (fuzzParse(first, &claimAgain, &again) < 0)
        abort();                /* what we wrote we cannot read */
    second = fuzzFormat(&claimAgain, again);
    if (strcmp(first, second) != 0)
        abort();                /* the definition changed on its way round */
}
