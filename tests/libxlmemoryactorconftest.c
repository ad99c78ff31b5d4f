/*
 * libxlmemoryactorconftest.c: the memory policy actors' settings and status
 *
 * Every line of tests/libxlmemoryactorconfdata/settings.txt is a libxl.conf
 * and the settings the driver keeps or the error it refuses the file
 * with; every line of status.txt a status XML record of an actor's
 * pending work and what the driver formats back after reading it.
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

#include "testutils.h"
#include "testdatalines.h"
#include "libxl/libxl_memory_actor_conf.h"
#include "libxl/libxl_conf.h"
#include "virbuffer.h"
#include "virerror.h"
#include "virstring.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_NONE

#define DATA "libxlmemoryactorconfdata"


/* Split "INPUT|EXPECTED" at its last '|' */
static int
testSplitCase(const testDataLine *tc,
              char **input,
              const char **expected)
{
    char *bar = strrchr(tc->line, '|');

    if (!bar) {
        VIR_TEST_VERBOSE("%s:%zu: no '|' in the case", tc->file, tc->lineno);
        return -1;
    }
    *input = g_strndup(tc->line, bar - tc->line);
    *expected = bar + 1;
    return 0;
}


static int
testCompare(const testDataLine *tc,
            const char *expected,
            const char *actual)
{
    if (STRNEQ(expected, actual)) {
        VIR_TEST_VERBOSE("%s:%zu:\n expected: %s\n   actual: %s",
                         tc->file, tc->lineno, expected, actual);
        return -1;
    }
    return 0;
}


static int
testSettings(const void *opaque)
{
    const testDataLine *tc = opaque;
    g_autofree char *input = NULL;
    g_autofree char *text = NULL;
    g_autofree char *actual = NULL;
    g_autoptr(virConf) conf = NULL;
    libxlDriverConfig cfg = { 0 };
    const char *expected;

    if (testSplitCase(tc, &input, &expected) < 0)
        return -1;
    text = virStringReplace(input, "\\n", "\n");

    libxlMemoryActorConfigDefault(&cfg);
    virResetLastError();
    if (!(conf = virConfReadString(text, 0))) {
        actual = g_strdup_printf("error: %s", virGetLastErrorMessage());
    } else if (libxlMemoryActorConfigLoad(&cfg, conf) < 0) {
        actual = g_strdup_printf("error: %s", virGetLastErrorMessage());
    } else {
        actual = g_strdup_printf("pager_program=%s auto_reserve_mib=%u "
                                 "auto_floor_percent=%u auto_grace=%u",
                                 cfg.pagerProgram, cfg.autoReserveMiB,
                                 cfg.autoFloorPercent, cfg.autoGrace);
    }
    g_free(cfg.pagerProgram);
    return testCompare(tc, expected, actual);
}


static int
testStatus(const void *opaque)
{
    const testDataLine *tc = opaque;
    g_autofree char *input = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *actual = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    libxlMemoryActorState state;
    const char *expected;

    if (testSplitCase(tc, &input, &expected) < 0)
        return -1;
    xml = g_strdup_printf("<domstatus>%s</domstatus>", input);
    if (!(doc = virXMLParseStringCtxt(xml, "(status)", &ctxt)))
        return -1;

    /* what a failed parse must not leave behind */
    memset(&state, 0xa5, sizeof(state));
    if (libxlMemoryActorStateParse(ctxt, &state) < 0) {
        VIR_TEST_VERBOSE("%s:%zu: the parse failed: a record must never "
                         "fail the domain's status", tc->file, tc->lineno);
        return -1;
    }
    libxlMemoryActorStateFormat(&buf, &state);
    actual = virBufferContentAndReset(&buf);
    if (actual) {
        /* the driver's line breaks and indentation are not the case's */
        g_autofree char *lines = virStringReplace(actual, "\n", "");
        g_free(actual);
        actual = virStringReplace(lines, "  <", "<");
    }
    return testCompare(tc, expected, NULLSTR_EMPTY(actual));
}


static int
mymain(void)
{
    int ret = 0;

    if (testRunDataLines(DATA, "settings.txt", testSettings) < 0)
        ret = -1;
    if (testRunDataLines(DATA, "status.txt", testStatus) < 0)
        ret = -1;
    return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

VIR_TEST_MAIN(mymain)
