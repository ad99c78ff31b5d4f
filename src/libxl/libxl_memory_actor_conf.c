/*
 * libxl_memory_actor_conf.c: what the memory policy actors read and keep
 *
 * The actors' settings in libxl.conf and the record of a domain's pending
 * work in its status XML.  Both are read back from files a user or an
 * earlier daemon wrote, so they are parsed here, apart from the thread
 * that acts, where they can be tested and fuzzed without a hypervisor.
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

#include "libxl_memory_actor_conf.h"
#include "libxl_conf.h"
#include "libxl_pager.h"
#include "virerror.h"
#include "virlog.h"
#include "virstring.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("libxl.libxl_memory_actor_conf");


void
libxlMemoryActorConfigDefault(libxlDriverConfig *cfg)
{
    /* XAPI's squeezed keeps 64 MiB plus 8 MiB of slack free */
    cfg->pagerProgram = g_strdup(LIBXL_PAGER_PROGRAM_DEFAULT);
    cfg->autoReserveMiB = 72;
    cfg->autoFloorPercent = 25;
    cfg->autoGrace = 30;
}


int
libxlMemoryActorConfigLoad(libxlDriverConfig *cfg,
                           virConf *conf)
{
    g_autofree char *pager = NULL;

    if (virConfGetValueString(conf, "pager_program", &pager) < 0 ||
        virConfGetValueUInt(conf, "auto_reserve_mib", &cfg->autoReserveMiB) < 0 ||
        virConfGetValueUInt(conf, "auto_floor_percent", &cfg->autoFloorPercent) < 0 ||
        virConfGetValueUInt(conf, "auto_grace", &cfg->autoGrace) < 0)
        return -1;

    if (pager) {
        if (!g_path_is_absolute(pager)) {
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("pager_program '%s' in libxl.conf must be an absolute path"),
                           pager);
            return -1;
        }
        g_free(cfg->pagerProgram);
        cfg->pagerProgram = g_steal_pointer(&pager);
    }
    if (cfg->autoReserveMiB > LIBXL_MEMORY_ACTOR_RESERVE_MAX_MIB) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("auto_reserve_mib %u in libxl.conf is above the limit of %u"),
                       cfg->autoReserveMiB, LIBXL_MEMORY_ACTOR_RESERVE_MAX_MIB);
        return -1;
    }
    if (cfg->autoFloorPercent > LIBXL_MEMORY_ACTOR_FLOOR_MAX_PERCENT) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("auto_floor_percent %u in libxl.conf is above the limit of %u"),
                       cfg->autoFloorPercent, LIBXL_MEMORY_ACTOR_FLOOR_MAX_PERCENT);
        return -1;
    }
    if (cfg->autoGrace > LIBXL_MEMORY_ACTOR_GRACE_MAX) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("auto_grace %u in libxl.conf is above the limit of %u seconds"),
                       cfg->autoGrace, LIBXL_MEMORY_ACTOR_GRACE_MAX);
        return -1;
    }
    return 0;
}


void
libxlMemoryActorStateFormat(virBuffer *buf,
                            const libxlMemoryActorState *state)
{
    g_auto(virBuffer) attrBuf = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) childBuf = VIR_BUFFER_INIT_CHILD(buf);

    if (state->targetKiB)
        virBufferAsprintf(&attrBuf, " target='%llu' set='%llu'",
                          state->targetKiB, state->setMs);
    if (state->pagingKiB)
        virBufferAsprintf(&attrBuf, " paging='%llu'", state->pagingKiB);
    if (state->dueMs)
        virBufferAsprintf(&attrBuf, " due='%llu'", state->dueMs);
    if (state->ceilingKiB)
        virBufferAsprintf(&attrBuf, " ceiling='%llu'", state->ceilingKiB);
    if (state->startedMs)
        virBufferAsprintf(&attrBuf, " started='%llu'", state->startedMs);
    if (state->clippedKiB)
        virBufferAsprintf(&attrBuf, " clipped='%llu'", state->clippedKiB);

    if (state->pagerPid > 0)
        virBufferAsprintf(&childBuf, "<pager pid='%lld' restarts='%u' retry='%llu'/>\n",
                          (long long)state->pagerPid, state->pagerRestarts,
                          state->pagerRetryMs);
    else if (state->pagerRestarts || state->pagerRetryMs)
        virBufferAsprintf(&childBuf, "<pager restarts='%u' retry='%llu'/>\n",
                          state->pagerRestarts, state->pagerRetryMs);

    virXMLFormatElement(buf, "memoryActor", &attrBuf, &childBuf);
}


static int
libxlMemoryActorParseULL(xmlNodePtr node,
                         const char *attr,
                         unsigned long long *value)
{
    g_autofree char *str = virXMLPropString(node, attr);

    *value = 0;
    if (!str)
        return 0;
    return virStrToLong_ullp(str, NULL, 10, value);
}


/**
 * libxlMemoryActorStateParse:
 *
 * What the status XML says the actor had pending.  A record that cannot
 * be read is dropped with a warning, never the domain with it: the actor
 * starts afresh from the domain's definition, as for a domain it has not
 * seen, rather than libvirt losing a running domain.
 */
int
libxlMemoryActorStateParse(xmlXPathContextPtr ctxt,
                           libxlMemoryActorState *state)
{
    VIR_XPATH_NODE_AUTORESTORE(ctxt)
    xmlNodePtr node;
    xmlNodePtr pager;
    unsigned long long pid = 0;
    unsigned long long restarts = 0;

    memset(state, 0, sizeof(*state));
    if (!(node = virXPathNode("./memoryActor", ctxt)))
        return 0;

    ctxt->node = node;
    pager = virXPathNode("./pager", ctxt);
    if (libxlMemoryActorParseULL(node, "target", &state->targetKiB) < 0 ||
        libxlMemoryActorParseULL(node, "set", &state->setMs) < 0 ||
        libxlMemoryActorParseULL(node, "paging", &state->pagingKiB) < 0 ||
        libxlMemoryActorParseULL(node, "due", &state->dueMs) < 0 ||
        libxlMemoryActorParseULL(node, "ceiling", &state->ceilingKiB) < 0 ||
        libxlMemoryActorParseULL(node, "started", &state->startedMs) < 0 ||
        libxlMemoryActorParseULL(node, "clipped", &state->clippedKiB) < 0 ||
        (pager &&
         (libxlMemoryActorParseULL(pager, "pid", &pid) < 0 ||
          libxlMemoryActorParseULL(pager, "restarts", &restarts) < 0 ||
          libxlMemoryActorParseULL(pager, "retry", &state->pagerRetryMs) < 0)) ||
        pid > INT_MAX || restarts > UINT_MAX) {
        VIR_WARN("the memory actor's status cannot be read: starting afresh");
        memset(state, 0, sizeof(*state));
        return 0;
    }
    state->pagerPid = pid;
    state->pagerRestarts = restarts;
    return 0;
}
