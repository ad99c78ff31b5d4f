/*
 * libxlmemoryactorconffuzz.c: libFuzzer target for the memory actors'
 * libxl.conf settings and their status XML record
 *
 * The input's bytes up to the first NUL are a libxl.conf, the rest a
 * domain status document.  Settings are refused with a reported error or
 * kept within their limits; a status record is never fatal, and what is
 * kept of it formats to a record that reads back the same.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "libxl/libxl_memory_actor_conf.h"
#include "libxl/libxl_conf.h"
#include "virbuffer.h"
#include "virerror.h"
#include "virxml.h"

#include "libvirtfuzz.h"

#define VIR_FROM_THIS VIR_FROM_NONE


static void
fuzzSettings(const char *text)
{
    g_autoptr(virConf) conf = NULL;
    libxlDriverConfig cfg = { 0 };

    libxlMemoryActorConfigDefault(&cfg);
    virResetLastError();
    if (!(conf = virConfReadString(text, 0)) ||
        libxlMemoryActorConfigLoad(&cfg, conf) < 0) {
        if (!virGetLastError())
            abort();            /* refused without saying why */
    } else if (!cfg.pagerProgram || cfg.pagerProgram[0] != '/' ||
               cfg.autoFloorPercent > LIBXL_MEMORY_ACTOR_FLOOR_MAX_PERCENT ||
               cfg.autoGrace > LIBXL_MEMORY_ACTOR_GRACE_MAX ||
               cfg.autoReserveMiB > LIBXL_MEMORY_ACTOR_RESERVE_MAX_MIB) {
        abort();                /* a setting past its limit kept */
    }
    g_free(cfg.pagerProgram);
}


static char *
fuzzStatus(const char *xml)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    libxlMemoryActorState state;

    if (!(doc = virXMLParseStringCtxt(xml, "(fuzz)", &ctxt)))
        return NULL;
    if (libxlMemoryActorStateParse(ctxt, &state) < 0)
        abort();                /* a record must never fail the domain */
    virBufferAddLit(&buf, "<domstatus>\n");
    virBufferAdjustIndent(&buf, 2);
    libxlMemoryActorStateFormat(&buf, &state);
    virBufferAdjustIndent(&buf, -2);
    virBufferAddLit(&buf, "</domstatus>\n");
    return virBufferContentAndReset(&buf);
}


static void
fuzzOne(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t confLen = nul ? (size_t)(nul - data) : size;
    g_autofree char *conf = g_strndup((const char *)data, confLen);
    g_autofree char *status = NULL;
    g_autofree char *first = NULL;
    g_autofree char *second = NULL;

    fuzzSettings(conf);

    if (!nul)
        return;
    status = g_strndup((const char *)nul + 1, size - confLen - 1);
    if (!(first = fuzzStatus(status)))
        return;
    if (!(second = fuzzStatus(first)) || strcmp(first, second) != 0)
        abort();                /* the record changed on its way round */
}
