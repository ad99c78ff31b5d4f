/*
 * domainmemoryxml2xmltest.c: <memoryClaim/> and <memoryPolicy/> domain XML
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
#include "internal.h"
#include "conf/domain_conf.h"
#include "conf/domain_memory_conf.h"

#define VIR_FROM_THIS VIR_FROM_NONE

static virCaps *caps;
static virDomainXMLOption *xmlopt;

struct testXML2XMLInfo {
    const char *name;
    bool different;
};

/* Parse the input, format it back and compare with the expected output
 * (the input itself when the element round-trips unchanged). */
static int
testCompareXMLToXML(const void *opaque)
{
    const struct testXML2XMLInfo *info = opaque;
    g_autofree char *in = NULL;
    g_autofree char *out = NULL;

    in = g_strdup_printf("%s/domainmemoryxml2xmlindata/%s.xml",
                         abs_srcdir, info->name);
    out = g_strdup_printf("%s/domainmemoryxml2xmloutdata/%s.xml",
                          abs_srcdir, info->name);

    return testCompareDomXML2XMLFiles(caps, xmlopt, in,
                                      info->different ? out : in,
                                      false, 0,
                                      TEST_COMPARE_DOM_XML2XML_RESULT_SUCCESS);
}


static const char *
testErrorCodeName(int code)
{
    if (code == VIR_ERR_XML_ERROR)
        return "VIR_ERR_XML_ERROR";
    if (code == VIR_ERR_CONFIG_UNSUPPORTED)
        return "VIR_ERR_CONFIG_UNSUPPORTED";
    if (code == VIR_ERR_XML_DETAIL)
        return "VIR_ERR_XML_DETAIL";
    return "unexpected error code";
}


/* Parse (which validates too) an input that must be refused, and compare
 * the error code and message with the expected ones, so that a message
 * that stops naming the bad value or the accepted ones fails the test. */
static int
testParseFails(const void *opaque)
{
    const char *name = opaque;
    g_autofree char *in = NULL;
    g_autofree char *errfile = NULL;
    g_autofree char *actual = NULL;
    g_autoptr(virDomainDef) def = NULL;
    virErrorPtr err;

    in = g_strdup_printf("%s/domainmemoryxml2xmlinvalid/%s.xml",
                         abs_srcdir, name);
    errfile = g_strdup_printf("%s/domainmemoryxml2xmlinvalid/%s.err",
                              abs_srcdir, name);

    virResetLastError();
    if ((def = virDomainDefParseFile(in, xmlopt, NULL,
                                     VIR_DOMAIN_DEF_PARSE_INACTIVE))) {
        VIR_TEST_VERBOSE("\n%s was accepted but must be refused", in);
        return -1;
    }

    if (!(err = virGetLastError())) {
        VIR_TEST_VERBOSE("\n%s was refused without an error", in);
        return -1;
    }

    actual = g_strdup_printf("%s (%d): %s\n",
                             testErrorCodeName(err->code), err->code,
                             err->message);
    virResetLastError();

    return virTestCompareToFile(actual, errfile);
}


struct testClaimWantedInfo {
    const char *desc;
    virDomainMemoryClaimDef claim;
    bool hostDefault;
    bool wanted;
};

static int
testClaimWanted(const void *opaque)
{
    const struct testClaimWantedInfo *info = opaque;
    bool wanted = virDomainMemoryClaimDefWanted(&info->claim, info->hostDefault);

    if (wanted != info->wanted) {
        VIR_TEST_VERBOSE("\n%s: expected %d, got %d",
                         info->desc, info->wanted, wanted);
        return -1;
    }
    return 0;
}


static int
mymain(void)
{
    int ret = 0;
    size_t i;
    const struct testClaimWantedInfo claimCases[] = {
        { "absent, host off", { false, VIR_TRISTATE_SWITCH_ABSENT }, false, false },
        { "absent, host on", { false, VIR_TRISTATE_SWITCH_ABSENT }, true, true },
        { "empty, host off", { true, VIR_TRISTATE_SWITCH_ABSENT }, false, true },
        { "empty, host on", { true, VIR_TRISTATE_SWITCH_ABSENT }, true, true },
        { "on, host off", { true, VIR_TRISTATE_SWITCH_ON }, false, true },
        { "on, host on", { true, VIR_TRISTATE_SWITCH_ON }, true, true },
        { "off, host off", { true, VIR_TRISTATE_SWITCH_OFF }, false, false },
        { "off, host on", { true, VIR_TRISTATE_SWITCH_OFF }, true, false },
    };

    if (!(caps = virTestGenericCapsInit()))
        return EXIT_FAILURE;

    if (!(xmlopt = virTestGenericDomainXMLConfInit()))
        return EXIT_FAILURE;

#define DO_TEST_FULL(name, different) \
    do { \
        const struct testXML2XMLInfo info = { name, different }; \
        if (virTestRun("memory XML-2-XML " name, \
                       testCompareXMLToXML, &info) < 0) \
            ret = -1; \
    } while (0)

#define DO_TEST(name) DO_TEST_FULL(name, false)
#define DO_TEST_DIFFERENT(name) DO_TEST_FULL(name, true)

#define DO_TEST_INVALID(name) \
    do { \
        if (virTestRun("memory XML refused " name, \
                       testParseFails, name) < 0) \
            ret = -1; \
    } while (0)

    DO_TEST("claim-absent");
    DO_TEST("claim-empty");
    DO_TEST("claim-on");
    DO_TEST("claim-off");
    DO_TEST_DIFFERENT("claim-spaced");

    DO_TEST("policy-none");
    DO_TEST("policy-manual");
    DO_TEST("policy-balloon");
    DO_TEST("policy-auto");
    DO_TEST("policy-delay-zero");
    DO_TEST("policy-delay-max");
    DO_TEST("policy-paging-on-hvm");
    DO_TEST("policy-paging-off-pv");
    DO_TEST("claim-and-policy");
    DO_TEST_DIFFERENT("claim-and-policy-reordered");

    DO_TEST_INVALID("claim-mode-maybe");
    DO_TEST_INVALID("claim-mode-empty");
    DO_TEST_INVALID("claim-mode-absent");
    DO_TEST_INVALID("claim-twice");
    DO_TEST_INVALID("policy-actor-missing");
    DO_TEST_INVALID("policy-actor-bogus");
    DO_TEST_INVALID("policy-actor-uppercase");
    DO_TEST_INVALID("policy-delay-negative");
    DO_TEST_INVALID("policy-delay-too-large");
    DO_TEST_INVALID("policy-delay-huge");
    DO_TEST_INVALID("policy-delay-not-number");
    DO_TEST_INVALID("policy-delay-empty");
    DO_TEST_INVALID("policy-paging-yes");
    DO_TEST_INVALID("policy-paging-on-pv");
    DO_TEST_INVALID("policy-paging-on-linux");
    DO_TEST_INVALID("policy-twice");

    for (i = 0; i < G_N_ELEMENTS(claimCases); i++) {
        g_autofree char *desc = g_strdup_printf("claim wanted: %s",
                                                claimCases[i].desc);
        if (virTestRun(desc, testClaimWanted, &claimCases[i]) < 0)
            ret = -1;
    }

    virObjectUnref(caps);
    virObjectUnref(xmlopt);

    return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

VIR_TEST_MAIN(mymain)
