/*
 * libxlmemstatstest.c: guest memory statistics from guest-written keys
 *
 * Every line of tests/libxlmemstatsdata/records.txt, oldagent.txt and
 * limit.txt is a case: what a guest wrote, and the tags reported or the
 * error.  fields.txt checks what the parser keeps of a record, field by
 * field, including the fields that map to no tag; suggest.txt what
 * libxlMemstatsSuggestKiB() makes of a guest's suggested target.
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
#include "libxl/libxl_memstats.h"
#include "virbuffer.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

static const char *const tagNames[VIR_DOMAIN_MEMORY_STAT_NR] = {
    "swap_in", "swap_out", "major_fault", "minor_fault", "unused",
    "available", "actual", "rss", "usable", "last_update", "disk_caches",
    "hugetlb_pgalloc", "hugetlb_pgfail",
};

/* The guest fields in libxlMemstatsField order, by their names in the
 * record.  The test's own statement of the mapping: a parser that stored
 * a field under another's index would show it under the wrong name. */
static const char *const fieldNames[] = {
    "total", "free", "avail", "caches", "swapin", "swapout", "majflt",
    "minflt", "htlbok", "htlbfail", "t", "committed", "suggest",
};
G_STATIC_ASSERT(G_N_ELEMENTS(fieldNames) == LIBXL_MEMSTATS_LAST);


/* "\xHH" escapes to bytes; returns the length */
static size_t
testUnescape(const char *in, char *out)
{
    size_t n = 0;

    while (*in) {
        unsigned int byte;

        if (in[0] == '\\' && in[1] == 'x' && sscanf(in + 2, "%2x", &byte) == 1) {
            out[n++] = byte;
            in += 4;
        } else {
            out[n++] = *in++;
        }
    }
    return n;
}


/* Parse a record written with \xHH escapes */
static int
testParseEscaped(const char *text, libxlMemstatsGuest *guest,
                 const char **reason)
{
    g_autofree char *record = g_new0(char, strlen(text) + 1);
    size_t len = testUnescape(text, record);

    return libxlMemstatsParseRecord(record, len, guest, reason);
}


static char *
testFormatLimit(int rc, const char *reason, const libxlMemstatsGuest *guest,
                unsigned long long seen, unsigned long long limitKiB)
{
    libxlMemstatsHypervisor hv = { .currentKiB = 1048576, .pagedKiB = 0,
                                   .limitKiB = limitKiB };
    libxlMemstatsGuest withSeen = *guest;
    virDomainMemoryStatStruct stats[VIR_DOMAIN_MEMORY_STAT_NR];
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    int n, i;

    if (rc < 0)
        return g_strdup_printf("error: %s", reason);
    withSeen.seen = seen;

    n = libxlMemstatsToTags(&hv, seen ? &withSeen : guest, stats, G_N_ELEMENTS(stats));
    for (i = 0; i < n; i++)
        virBufferAsprintf(&buf, "%s%s=%llu", i ? " " : "",
                          tagNames[stats[i].tag], stats[i].val);
    return virBufferContentAndReset(&buf);
}


static char *
testFormat(int rc, const char *reason, const libxlMemstatsGuest *guest,
           unsigned long long seen)
{
    return testFormatLimit(rc, reason, guest, seen, 0);
}


static int
testCompare(const testDataLine *tc, const char *expected, const char *actual)
{
    if (STRNEQ(expected, actual)) {
        VIR_TEST_VERBOSE("\n%s: %s\n  expected: %s\n  actual:   %s",
                         tc->file, tc->line, expected, actual);
        return -1;
    }
    return 0;
}


static int
testRecord(const void *opaque)
{
    const testDataLine *tc = opaque;
    g_autofree char *copy = g_strdup(tc->line);
    char *bar = strrchr(copy, '|');
    char *seenBar;
    g_autofree char *actual = NULL;
    libxlMemstatsGuest guest;
    const char *reason = NULL;
    unsigned long long seen;
    int rc;

    if (!bar)
        return -1;
    *bar = '\0';
    if (!(seenBar = strrchr(copy, '|')) ||
        virStrToLong_ullp(seenBar + 1, NULL, 10, &seen) < 0)
        return -1;
    *seenBar = '\0';
    rc = testParseEscaped(copy, &guest, &reason);
    actual = testFormat(rc, reason, &guest, seen);
    return testCompare(tc, bar + 1, actual);
}


/* The fields a guest has, in libxlMemstatsField order, "-" for none; or
 * the error.  A refused record must leave every field absent. */
static char *
testFormatFields(int rc, const char *reason, const libxlMemstatsGuest *guest)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    size_t i;

    for (i = 0; i < LIBXL_MEMSTATS_LAST; i++) {
        if (!guest->present[i])
            continue;
        if (rc < 0)
            return g_strdup_printf("error: %s, yet field %s is present",
                                   reason, fieldNames[i]);
        virBufferAsprintf(&buf, "%s%s=%llu", virBufferUse(&buf) ? " " : "",
                          fieldNames[i], guest->value[i]);
    }
    if (rc < 0)
        return g_strdup_printf("error: %s", reason);
    if (!virBufferUse(&buf))
        return g_strdup("-");
    return virBufferContentAndReset(&buf);
}


/* RECORD|EXPECTED: the fields parsed from a record */
static int
testFields(const void *opaque)
{
    const testDataLine *tc = opaque;
    g_autofree char *copy = g_strdup(tc->line);
    char *bar = strrchr(copy, '|');
    g_autofree char *actual = NULL;
    libxlMemstatsGuest guest;
    const char *reason = NULL;
    int rc;

    if (!bar)
        return -1;
    *bar = '\0';
    rc = testParseEscaped(copy, &guest, &reason);
    actual = testFormatFields(rc, reason, &guest);
    return testCompare(tc, bar + 1, actual);
}


static int
testOldAgent(const void *opaque)
{
    const testDataLine *tc = opaque;
    g_auto(GStrv) parts = g_strsplit(tc->line, "|", 4);
    g_autofree char *actual = NULL;
    libxlMemstatsGuest guest;
    const char *reason = NULL;
    const char *keys[2];
    unsigned long long seen;
    size_t i;
    int rc;

    if (g_strv_length(parts) != 4 ||
        virStrToLong_ullp(parts[2], NULL, 10, &seen) < 0)
        return -1;
    for (i = 0; i < 2; i++)
        keys[i] = STREQ(parts[i], "-") ? NULL : parts[i];
    rc = libxlMemstatsParseOldAgent(keys[0], keys[1], &guest, &reason);
    actual = testFormat(rc, reason, &guest, seen);
    return testCompare(tc, parts[3], actual);
}


/* LIMIT|RECORD|EXPECTED: a record read for a domain whose maximum memory
 * is LIMIT KiB */
static int
testLimit(const void *opaque)
{
    const testDataLine *tc = opaque;
    g_auto(GStrv) parts = g_strsplit(tc->line, "|", 3);
    g_autofree char *actual = NULL;
    libxlMemstatsGuest guest;
    const char *reason = NULL;
    unsigned long long limit;
    int rc;

    if (g_strv_length(parts) != 3 ||
        virStrToLong_ullp(parts[0], NULL, 10, &limit) < 0)
        return -1;
    rc = libxlMemstatsParseRecord(parts[1], strlen(parts[1]), &guest, &reason);
    actual = testFormatLimit(rc, reason, &guest, 0, limit);
    return testCompare(tc, parts[2], actual);
}


/* LIMIT|RECORD|EXPECTED: the suggested target a policy gets from a record,
 * for a domain whose maximum memory is LIMIT KiB: "suggest=KiB", "none",
 * or the record's error */
static int
testSuggest(const void *opaque)
{
    const testDataLine *tc = opaque;
    g_auto(GStrv) parts = g_strsplit(tc->line, "|", 3);
    g_autofree char *actual = NULL;
    libxlMemstatsGuest guest;
    const char *reason = NULL;
    unsigned long long limit;
    unsigned long long kib = 12345;

    if (g_strv_length(parts) != 3 ||
        virStrToLong_ullp(parts[0], NULL, 10, &limit) < 0)
        return -1;
    if (testParseEscaped(parts[1], &guest, &reason) < 0)
        actual = g_strdup_printf("error: %s", reason);
    else if (libxlMemstatsSuggestKiB(&guest, limit, &kib))
        actual = g_strdup_printf("suggest=%llu", kib);
    else if (kib != 12345)
        actual = g_strdup_printf("none, yet the result was set to %llu", kib);
    else
        actual = g_strdup("none");
    return testCompare(tc, parts[2], actual);
}


/* No guest, no suggestion */
static int
testSuggestNoGuest(const void *opaque G_GNUC_UNUSED)
{
    unsigned long long kib = 12345;

    if (libxlMemstatsSuggestKiB(NULL, 0, &kib) ||
        libxlMemstatsSuggestKiB(NULL, 1048576, &kib) || kib != 12345)
        return -1;
    return 0;
}


/* Pages paged out are backed by nobody: RSS leaves them out */
static int
testPaged(const void *opaque G_GNUC_UNUSED)
{
    libxlMemstatsHypervisor hv = { .currentKiB = 1048576, .pagedKiB = 262144 };
    libxlMemstatsHypervisor odd = { .currentKiB = 1024, .pagedKiB = 4096 };
    virDomainMemoryStatStruct stats[VIR_DOMAIN_MEMORY_STAT_NR];
    int n = libxlMemstatsToTags(&hv, NULL, stats, G_N_ELEMENTS(stats));

    if (n != 2 || stats[1].tag != VIR_DOMAIN_MEMORY_STAT_RSS ||
        stats[1].val != 786432)
        return -1;
    /* paged beyond the allocation never wraps */
    n = libxlMemstatsToTags(&odd, NULL, stats, G_N_ELEMENTS(stats));
    if (n != 2 || stats[1].val != 0)
        return -1;
    /* a short array gets the first entries */
    if (libxlMemstatsToTags(&hv, NULL, stats, 1) != 1)
        return -1;
    /* a guest that says nothing: the configured maximum, as before */
    hv.maxKiB = 2097152;
    n = libxlMemstatsToTags(&hv, NULL, stats, G_N_ELEMENTS(stats));
    if (n != 3 || stats[0].tag != VIR_DOMAIN_MEMORY_STAT_AVAILABLE ||
        stats[0].val != 2097152)
        return -1;
    return 0;
}


static int
mymain(void)
{
    int ret = 0;

    if (testRunDataLines("libxlmemstatsdata", "records.txt", testRecord) < 0)
        ret = -1;
    if (testRunDataLines("libxlmemstatsdata", "oldagent.txt", testOldAgent) < 0)
        ret = -1;
    if (testRunDataLines("libxlmemstatsdata", "limit.txt", testLimit) < 0)
        ret = -1;
    if (testRunDataLines("libxlmemstatsdata", "fields.txt", testFields) < 0)
        ret = -1;
    if (testRunDataLines("libxlmemstatsdata", "suggest.txt", testSuggest) < 0)
        ret = -1;
    if (virTestRun("no guest, no suggested target", testSuggestNoGuest, NULL) < 0)
        ret = -1;
    if (virTestRun("paged memory and RSS", testPaged, NULL) < 0)
        ret = -1;

    return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

VIR_TEST_MAIN(mymain)
