/*
 * domain_memory_conf.c: <memoryClaim/> and <memoryPolicy/> domain XML
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

#include <config.h>

#include "domain_memory_conf.h"
#include "domain_conf.h"
#include "virerror.h"
#include "virstring.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN

VIR_ENUM_IMPL(virDomainMemoryPolicyActor,
              VIR_DOMAIN_MEMORY_POLICY_ACTOR_LAST,
              "none",
              "manual",
              "balloon",
              "auto",
);


/* Parse an optional on|off attribute.  Unlike virXMLPropTristateSwitch the
 * error names the element, the rejected value and the accepted ones, which
 * is what an admin editing the XML by hand needs to see. */
static int
virDomainMemoryParseOnOff(xmlNodePtr node,
                          const char *element,
                          const char *attr,
                          virTristateSwitch *result)
{
    g_autofree char *value = virXMLPropString(node, attr);
    int v;

    *result = VIR_TRISTATE_SWITCH_ABSENT;
    if (!value)
        return 0;

    if ((v = virTristateSwitchTypeFromString(value)) <= 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("invalid value '%s' for attribute '%s' of <%s>: expected 'on' or 'off'"),
                       value, attr, element);
        return -1;
    }

    *result = v;
    return 0;
}


/* Find the domain's single @name child element.  Returns 0 with *node set
 * (NULL when absent), or -1 with an error when it is given more than once:
 * silently using the first would hide an admin's mistake. */
static int
virDomainMemoryGetSingleElement(xmlXPathContextPtr ctxt,
                                const char *name,
                                xmlNodePtr *node)
{
    g_autofree xmlNodePtr *nodes = NULL;
    g_autofree char *xpath = g_strdup_printf("./%s", name);
    int n;

    *node = NULL;

    if ((n = virXPathNodeSet(xpath, ctxt, &nodes)) < 0)
        return -1;

    if (n > 1) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("only one <%s> element is allowed"), name);
        return -1;
    }

    if (n == 1)
        *node = nodes[0];
    return 0;
}


int
virDomainMemoryClaimDefParseXML(xmlXPathContextPtr ctxt,
                                virDomainMemoryClaimDef *def)
{
    xmlNodePtr node;

    memset(def, 0, sizeof(*def));

    if (virDomainMemoryGetSingleElement(ctxt, "memoryClaim", &node) < 0)
        return -1;

    if (!node)
        return 0;

    if (virDomainMemoryParseOnOff(node, "memoryClaim", "mode", &def->mode) < 0)
        return -1;

    def->present = true;
    return 0;
}


void
virDomainMemoryClaimDefFormat(virBuffer *buf,
                              const virDomainMemoryClaimDef *def)
{
    g_auto(virBuffer) attrBuf = VIR_BUFFER_INITIALIZER;

    if (!def->present)
        return;

    if (def->mode != VIR_TRISTATE_SWITCH_ABSENT)
        virBufferAsprintf(&attrBuf, " mode='%s'",
                          virTristateSwitchTypeToString(def->mode));

    virXMLFormatElementEmpty(buf, "memoryClaim", &attrBuf, NULL);
}


/**
 * virDomainMemoryClaimDefWanted:
 * @def: the domain's <memoryClaim/> setting
 * @hostDefault: whether the host claims for domains that do not say
 *
 * Returns true if building the domain must claim its memory first.
 */
bool
virDomainMemoryClaimDefWanted(const virDomainMemoryClaimDef *def,
                              bool hostDefault)
{
    if (!def->present)
        return hostDefault;

    return def->mode != VIR_TRISTATE_SWITCH_OFF;
}


void
virDomainMemoryPolicyDefFree(virDomainMemoryPolicyDef *def)
{
    g_free(def);
}


static int
virDomainMemoryPolicyParseActor(xmlNodePtr node,
                                virDomainMemoryPolicyActor *actor)
{
    g_autofree char *value = virXMLPropString(node, "actor");
    int v;

    if (!value) {
        virReportError(VIR_ERR_XML_ERROR, "%s",
                       _("missing required attribute 'actor' of <memoryPolicy>: expected 'none', 'manual', 'balloon' or 'auto'"));
        return -1;
    }

    if ((v = virDomainMemoryPolicyActorTypeFromString(value)) < 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("invalid value '%s' for attribute 'actor' of <memoryPolicy>: expected 'none', 'manual', 'balloon' or 'auto'"),
                       value);
        return -1;
    }

    *actor = v;
    return 0;
}


static int
virDomainMemoryPolicyParseDelay(xmlNodePtr node,
                                virDomainMemoryPolicyDef *def)
{
    g_autofree char *value = virXMLPropString(node, "delay");
    unsigned int delay;

    if (!value)
        return 0;

    /* virStrToLong_uip rejects signs, so '-1' cannot wrap to UINT_MAX */
    if (virStrToLong_uip(value, NULL, 10, &delay) < 0 ||
        delay > VIR_DOMAIN_MEMORY_POLICY_DELAY_MAX) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("invalid value '%s' for attribute 'delay' of <memoryPolicy>: expected an integer number of seconds from 0 to %u"),
                       value, VIR_DOMAIN_MEMORY_POLICY_DELAY_MAX);
        return -1;
    }

    def->hasDelay = true;
    def->delay = delay;
    return 0;
}


int
virDomainMemoryPolicyDefParseXML(xmlXPathContextPtr ctxt,
                                 virDomainMemoryPolicyDef **def)
{
    g_autoptr(virDomainMemoryPolicyDef) policy = NULL;
    xmlNodePtr node;

    *def = NULL;

    if (virDomainMemoryGetSingleElement(ctxt, "memoryPolicy", &node) < 0)
        return -1;

    if (!node)
        return 0;

    policy = g_new0(virDomainMemoryPolicyDef, 1);

    if (virDomainMemoryPolicyParseActor(node, &policy->actor) < 0)
        return -1;

    if (virDomainMemoryPolicyParseDelay(node, policy) < 0)
        return -1;

    if (virDomainMemoryParseOnOff(node, "memoryPolicy", "paging",
                                  &policy->paging) < 0)
        return -1;

    *def = g_steal_pointer(&policy);
    return 0;
}


void
virDomainMemoryPolicyDefFormat(virBuffer *buf,
                               const virDomainMemoryPolicyDef *def)
{
    g_auto(virBuffer) attrBuf = VIR_BUFFER_INITIALIZER;

    if (!def)
        return;

    virBufferAsprintf(&attrBuf, " actor='%s'",
                      virDomainMemoryPolicyActorTypeToString(def->actor));

    if (def->hasDelay)
        virBufferAsprintf(&attrBuf, " delay='%u'", def->delay);

    if (def->paging != VIR_TRISTATE_SWITCH_ABSENT)
        virBufferAsprintf(&attrBuf, " paging='%s'",
                          virTristateSwitchTypeToString(def->paging));

    virXMLFormatElementEmpty(buf, "memoryPolicy", &attrBuf, NULL);
}


/* Paging targets are served by xenpaging, which pages out through the
 * guest's second-level page tables and so exists only for HVM guests. */
static int
virDomainMemoryPolicyDefValidate(const virDomainDef *def)
{
    const virDomainMemoryPolicyDef *policy = def->memoryPolicy;

    if (!policy)
        return 0;

    if (policy->paging == VIR_TRISTATE_SWITCH_ON &&
        def->os.type != VIR_DOMAIN_OSTYPE_HVM) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("paging='on' in <memoryPolicy> needs an HVM guest (os type 'hvm'), but this domain's os type is '%s'"),
                       virDomainOSTypeToString(def->os.type));
        return -1;
    }

    return 0;
}


/**
 * virDomainDefMemoryOvercommitValidate:
 * @def: the domain whose <memoryClaim/> and <memoryPolicy/> to check
 * @xmlopt: the parser configuration of the driver that validates @def
 *
 * A driver that ignored either element would run the domain without the
 * claim or the policy its definition asks for, and nothing would tell the
 * admin; so only a driver that acts on an element accepts it, by setting
 * VIR_DOMAIN_DEF_FEATURE_MEMORY_CLAIM or VIR_DOMAIN_DEF_FEATURE_MEMORY_POLICY
 * in its parser configuration.  The check is made at validation, not while
 * parsing, so that a definition saved before a driver refused the elements
 * still loads when the daemon starts.
 *
 * Returns 0 if @def is fine for the driver, -1 with an error otherwise.
 */
int
virDomainDefMemoryOvercommitValidate(const virDomainDef *def,
                                     virDomainXMLOption *xmlopt)
{
    unsigned int features = xmlopt->config.features;

    if (def->memoryClaim.present &&
        !(features & VIR_DOMAIN_DEF_FEATURE_MEMORY_CLAIM)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("<memoryClaim> is not supported by this hypervisor driver"));
        return -1;
    }

    if (def->memoryPolicy &&
        !(features & VIR_DOMAIN_DEF_FEATURE_MEMORY_POLICY)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("<memoryPolicy> is not supported by this hypervisor driver"));
        return -1;
    }

    return virDomainMemoryPolicyDefValidate(def);
}
