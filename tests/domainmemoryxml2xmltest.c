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

/* Parser configurations of drivers that implement both elements (as the
 * libxl and test drivers do), only one of them, or neither (every other
 * driver); otherwise each is virTestGenericDomainXMLConfInit's. */
static virDomainDefParserConfig configBoth = {
    .features = VIR_DOMAIN_DEF_FEATURE_INDIVIDUAL_VCPUS |
                VIR_DOMAIN_DEF_FEATURE_MEMORY_CLAIM |
                VIR_DOMAIN_DEF_FEATURE_MEMORY_POLICY,
};
static virDomainDefParserConfig configClaimOnly = {
    .features = VIR_DOMAIN_DEF_FEATURE_INDIVIDUAL_VCPUS |
                VIR_DOMAIN_DEF_FEATURE_MEMORY_CLAIM,
};
static virDomainDefParserConfig configPolicyOnly = {
    .features = VIR_DOMAIN_DEF_FEATURE_INDIVIDUAL_VCPUS |
                VIR_DOMAIN_DEF_FEATURE_MEMORY_POLICY,
};
static virDomainDefParserConfig configNeither = {
    .features = VIR_DOMAIN_DEF_FEATURE_INDIVIDUAL_VCPUS,
};

static virDomainXMLOption *xmlopt;          /* configBoth */
static virDomainXMLOption *xmloptClaimOnly;
static virDomainXMLOption *xmloptPolicyOnly;
static virDomainXMLOption *xmloptNeither;

struct testXML2XMLInfo {
    const char *name;
    bool different;
    virDomainXMLOption *xmlopt;
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

    return testCompareDomXML2XMLFiles(caps, info->xmlopt, in,
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


struct testParseFailsInfo {
    const char *in;             /* path below abs_srcdir without .xml */
    const char *err;            /* path below abs_srcdir without .err */
    virDomainXMLOption *xmlopt;
};

/* Parse (which validates too) an input that must be refused, and compare
 * the error code and message with the expected ones, so that a message
 * that stops naming the bad value or the accepted ones fails the test. */
static int
testParseFails(const void *opaque)
{
    const struct testParseFailsInfo *info = opaque;
    g_autofree char *in = NULL;
    g_autofree char *errfile = NULL;
    g_autofree char *actual = NULL;
    g_autoptr(virDomainDef) def = NULL;
    virErrorPtr err;

    in = g_strdup_printf("%s/%s.xml", abs_srcdir, info->in);
    errfile = g_strdup_printf("%s/%s.err", abs_srcdir, info->err);

    virResetLastError();
    if ((def = virDomainDefParseFile(in, info->xmlopt, NULL,
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

    if (!(xmlopt = virDomainXMLOptionNew(&configBoth, NULL, NULL,
                                         NULL, NULL, NULL)) ||
        !(xmloptClaimOnly = virDomainXMLOptionNew(&configClaimOnly, NULL,
                                                  NULL, NULL, NULL, NULL)) ||
        !(xmloptPolicyOnly = virDomainXMLOptionNew(&configPolicyOnly, NULL,
                                                   NULL, NULL, NULL, NULL)) ||
        !(xmloptNeither = virDomainXMLOptionNew(&configNeither, NULL, NULL,
                                                NULL, NULL, NULL)))
        return EXIT_FAILURE;

#define DO_TEST_FULL(name, different, opt, desc) \
    do { \
        const struct testXML2XMLInfo info = { name, different, opt }; \
        if (virTestRun("memory XML-2-XML " name desc, \
                       testCompareXMLToXML, &info) < 0) \
            ret = -1; \
    } while (0)

#define DO_TEST(name) DO_TEST_FULL(name, false, xmlopt, "")
#define DO_TEST_DIFFERENT(name) DO_TEST_FULL(name, true, xmlopt, "")

#define DO_TEST_INVALID(name) \
    do { \
        const struct testParseFailsInfo info = { \
            "domainmemoryxml2xmlinvalid/" name, \
            "domainmemoryxml2xmlinvalid/" name, xmlopt }; \
        if (virTestRun("memory XML refused " name, \
                       testParseFails, &info) < 0) \
            ret = -1; \
    } while (0)

/* A driver whose parser configuration lacks
 * VIR_DOMAIN_DEF_FEATURE_MEMORY_CLAIM or _POLICY (@impl says which it has:
 * neither, claim-only or policy-only) must refuse a valid input of
 * domainmemoryxml2xmlindata that has the element it lacks, with the error
 * in domainmemoryxml2xmlunsupported. */
#define DO_TEST_UNSUPPORTED(name, impl, opt) \
    do { \
        const struct testParseFailsInfo info = { \
            "domainmemoryxml2xmlindata/" name, \
            "domainmemoryxml2xmlunsupported/" name "." impl, opt }; \
        if (virTestRun("memory XML refused by a driver implementing " impl \
                       " " name, testParseFails, &info) < 0) \
            ret = -1; \
    } while (0)

/* ... and accept an input without it, unchanged. */
#define DO_TEST_SUPPORTED(name, impl, opt) \
    DO_TEST_FULL(name, false, opt, " by a driver implementing " impl)

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

    DO_TEST_UNSUPPORTED("claim-empty", "neither", xmloptNeither);
    DO_TEST_UNSUPPORTED("claim-on", "neither", xmloptNeither);
    DO_TEST_UNSUPPORTED("claim-off", "neither", xmloptNeither);
    DO_TEST_UNSUPPORTED("policy-none", "neither", xmloptNeither);
    DO_TEST_UNSUPPORTED("policy-paging-on-hvm", "neither", xmloptNeither);
    DO_TEST_UNSUPPORTED("claim-and-policy", "neither", xmloptNeither);
    DO_TEST_UNSUPPORTED("policy-balloon", "claim-only", xmloptClaimOnly);
    DO_TEST_UNSUPPORTED("claim-and-policy", "claim-only", xmloptClaimOnly);
    DO_TEST_UNSUPPORTED("claim-on", "policy-only", xmloptPolicyOnly);
    DO_TEST_UNSUPPORTED("claim-and-policy", "policy-only", xmloptPolicyOnly);
    DO_TEST_SUPPORTED("claim-absent", "neither", xmloptNeither);
    DO_TEST_SUPPORTED("claim-on", "claim-only", xmloptClaimOnly);
    DO_TEST_SUPPORTED("policy-auto", "policy-only", xmloptPolicyOnly);

    for (i = 0; i < G_N_ELEMENTS(claimCases); i++) {
        g_autofree char *desc = g_strdup_printf("claim wanted: %s",
                                                claimCases[i].desc);
        if (virTestRun(desc, testClaimWanted, &claimCases[i]) < 0)
            ret = -1;
    }

    virObjectUnref(caps);
    virObjectUnref(xmlopt);
    virObjectUnref(xmloptClaimOnly);
    virObjectUnref(xmloptPolicyOnly);
    virObjectUnref(xmloptNeither);

    return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

VIR_TEST_MAIN(mymain)
