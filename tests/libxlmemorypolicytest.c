/*
 * libxlmemorypolicytest.c: the memory policy actors' single decisions
 *
 * From tests/libxlmemorypolicydata (balloon.txt, auto.txt): one line a
 * decision, its inputs and the expected outputs.  The policy over time,
 * on a simulated host, is libxlmemorypolicysimtest.c's.
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
#include "libxlmemorypolicytestvalues.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE


/* ---------------------------------------------------------------- balloon.txt */

/* target=.. set=.. cur=.. paging=.. delay=.. pager=0|1 now=..
 *   -> paging=SIZE|- due=TIME */
static int
testBalloon(const void *opaque)
{
    const testDataLine *tc = opaque;
    g_auto(GStrv) sides = g_strsplit(tc->line, "->", 2);
    g_auto(GStrv) in = NULL;
    g_auto(GStrv) out = NULL;
    libxlMemoryPolicyBalloon b = { 0 };
    libxlMemoryPolicyBalloonStep step;
    unsigned long long now = 0;
    unsigned long long wantDue = 0;
    unsigned long long wantPaging = 0;
    bool wantSet = false;
    bool haveDue = false;
    bool havePaging = false;
    g_autofree char *gotPaging = NULL;
    size_t i;

    if (!sides[0] || !sides[1])
        goto malformed;
    in = testWords(sides[0]);
    out = testWords(sides[1]);

    for (i = 0; in[i]; i++) {
        char *value;
        char *key = testSplitKey(in[i], &value);
        unsigned long long delay;
        int rc = 0;

        if (!value)
            goto malformed;
        if (STREQ(key, "target")) {
            rc = testParseSize(value, &b.targetKiB);
        } else if (STREQ(key, "cur")) {
            rc = testParseSize(value, &b.currentKiB);
        } else if (STREQ(key, "paging")) {
            rc = testParseSize(value, &b.pagingKiB);
        } else if (STREQ(key, "set")) {
            rc = testParseTime(value, &b.setMs);
        } else if (STREQ(key, "now")) {
            rc = testParseTime(value, &now);
        } else if (STREQ(key, "pager")) {
            rc = testParseBool(value, &b.paging);
        } else if (STREQ(key, "delay")) {
            rc = virStrToLong_ull(value, NULL, 10, &delay);
            if (rc == 0 && delay > UINT_MAX)
                rc = -1;
            b.delay = delay;
        } else {
            goto malformed;
        }
        if (rc < 0)
            goto malformed;
    }

    for (i = 0; out[i]; i++) {
        char *value;
        char *key = testSplitKey(out[i], &value);

        if (!value)
            goto malformed;
        if (STREQ(key, "paging")) {
            havePaging = true;
            wantSet = STRNEQ(value, "-");
            if (wantSet && testParseSize(value, &wantPaging) < 0)
                goto malformed;
        } else if (STREQ(key, "due")) {
            haveDue = true;
            if (testParseTime(value, &wantDue) < 0)
                goto malformed;
        } else {
            goto malformed;
        }
    }
    if (!havePaging || !haveDue)
        goto malformed;

    libxlMemoryPolicyBalloonDecide(&b, now, &step);

    gotPaging = step.setPaging ? testFormatSize(step.pagingKiB) : g_strdup("-");
    if (step.setPaging != wantSet ||
        (wantSet && step.pagingKiB != wantPaging) ||
        step.dueMs != wantDue) {
        VIR_TEST_VERBOSE("\n%s:%zu: got paging=%s due=%llu", tc->file, tc->lineno,
                         gotPaging, step.dueMs);
        return -1;
    }
    return 0;

 malformed:
    VIR_TEST_VERBOSE("\n%s:%zu: malformed case '%s'", tc->file, tc->lineno, tc->line);
    return -1;
}


/* ---------------------------------------------------------------- auto.txt */

/* One domain of a case: "key=value" words and flags, see auto.txt */
static int
testParseAutoDomain(char **words,
                    libxlMemoryPolicyAutoDomain *d)
{
    bool haveCur = false;
    size_t i;

    memset(d, 0, sizeof(*d));
    d->floorKiB = 512 * 1024ULL;
    d->ceilingKiB = 4 * 1024 * 1024ULL;

    for (i = 0; words[i]; i++) {
        char *value;
        char *key = testSplitKey(words[i], &value);
        int rc = 0;

        if (!value) {
            if (STREQ(key, "paused"))
                d->paused = true;
            else if (STREQ(key, "paging"))
                d->paging = true;
            else if (STREQ(key, "stuck"))
                d->state.stuck = true;
            else
                return -1;
            continue;
        }
        if (STREQ(key, "cur")) {
            rc = testParseSize(value, &d->currentKiB);
            haveCur = true;
        } else if (STREQ(key, "tgt")) {
            rc = testParseSize(value, &d->targetKiB);
        } else if (STREQ(key, "floor")) {
            rc = testParseSize(value, &d->floorKiB);
        } else if (STREQ(key, "ceil")) {
            rc = testParseSize(value, &d->ceilingKiB);
        } else if (STREQ(key, "started")) {
            rc = testParseTime(value, &d->startedMs);
        } else if (STREQ(key, "ptgt")) {
            rc = testParseSize(value, &d->pagingTargetKiB);
        } else if (STREQ(key, "used")) {
            rc = testParseSize(value, &d->usedKiB);
            d->hasUsed = true;
        } else if (STREQ(key, "suggest")) {
            rc = testParseSize(value, &d->suggestKiB);
        } else if (STREQ(key, "changed")) {
            rc = testParseTime(value, &d->state.changedMs);
        } else if (STREQ(key, "dir")) {
            if (STREQ(value, "1") || STREQ(value, "+1"))
                d->state.direction = 1;
            else if (STREQ(value, "-1"))
                d->state.direction = -1;
            else if (STREQ(value, "0"))
                d->state.direction = 0;
            else
                rc = -1;
        } else if (STREQ(key, "progress")) {
            rc = testParsePoint(value, &d->state.progressKiB, &d->state.progressMs);
        } else if (STREQ(key, "sneed")) {
            rc = testParseSize(value, &d->state.suggestNeedKiB);
        } else {
            return -1;
        }
        if (rc < 0)
            return -1;
    }
    if (!haveCur)
        d->currentKiB = d->targetKiB;
    return 0;
}


/* What is expected of one domain: REASON TARGET|- and optional words */
static int
testCheckAutoDomain(const testDataLine *tc,
                    size_t idx,
                    char **words,
                    const libxlMemoryPolicyAutoDomain *d)
{
    g_autofree char *gotTarget = NULL;
    g_autofree char *gotMaxmem = NULL;
    g_autofree char *gotPaging = NULL;
    g_autofree char *gotNeed = NULL;
    bool wantSet;
    unsigned long long want = 0;
    bool wantMaxmem = false;
    bool wantPaging = false;
    unsigned long long wantMaxmemKiB = 0;
    unsigned long long wantPagingKiB = 0;
    bool ok = true;
    size_t i;

    if (!words[0] || !words[1])
        return -1;
    if (libxlMemoryPolicyReasonTypeFromString(words[0]) < 0)
        return -1;
    wantSet = STRNEQ(words[1], "-");
    if (wantSet && testParseSize(words[1], &want) < 0)
        return -1;

    if (STRNEQ(libxlMemoryPolicyReasonTypeToString(d->reason), words[0]) ||
        d->setTarget != wantSet || (wantSet && d->newTargetKiB != want))
        ok = false;
    if (!d->setTarget && d->newTargetKiB != d->targetKiB)
        ok = false;

    for (i = 2; words[i]; i++) {
        char *value;
        char *key = testSplitKey(words[i], &value);
        unsigned long long v;
        unsigned long long ms;

        if (!value) {
            if (STREQ(key, "stuck"))
                ok &= d->state.stuck;
            else if (STREQ(key, "!stuck"))
                ok &= !d->state.stuck;
            else
                return -1;
            continue;
        }
        if (STREQ(key, "maxmem")) {
            wantMaxmem = true;
            if (testParseSize(value, &wantMaxmemKiB) < 0)
                return -1;
        } else if (STREQ(key, "paging")) {
            wantPaging = true;
            if (testParseSize(value, &wantPagingKiB) < 0)
                return -1;
        } else if (STREQ(key, "need")) {
            if (testParseSize(value, &v) < 0)
                return -1;
            ok &= d->needKiB == v;
        } else if (STREQ(key, "sneed")) {
            if (testParseSize(value, &v) < 0)
                return -1;
            ok &= d->state.suggestNeedKiB == v;
        } else if (STREQ(key, "progress")) {
            if (testParsePoint(value, &v, &ms) < 0)
                return -1;
            ok &= d->state.progressKiB == v && d->state.progressMs == ms;
        } else if (STREQ(key, "changed")) {
            if (testParseTime(value, &ms) < 0)
                return -1;
            ok &= d->state.changedMs == ms;
        } else {
            return -1;
        }
    }
    if (d->setMaxmem != wantMaxmem || (wantMaxmem && d->maxmemKiB != wantMaxmemKiB) ||
        d->setPaging != wantPaging || (wantPaging && d->pagingKiB != wantPagingKiB))
        ok = false;

    if (ok)
        return 0;

    gotTarget = d->setTarget ? testFormatSize(d->newTargetKiB) : g_strdup("-");
    gotMaxmem = testFormatSize(d->maxmemKiB);
    gotPaging = testFormatSize(d->pagingKiB);
    gotNeed = testFormatSize(d->needKiB);
    VIR_TEST_VERBOSE("\n%s:%zu: domain %zu: got %s %s%s%s%s%s need=%s sneed=%llu %sstuck progress=%llu@%llu changed=%llu",
                     tc->file, tc->lineno, idx,
                     libxlMemoryPolicyReasonTypeToString(d->reason), gotTarget,
                     d->setMaxmem ? " maxmem=" : "", d->setMaxmem ? gotMaxmem : "",
                     d->setPaging ? " paging=" : "", d->setPaging ? gotPaging : "",
                     gotNeed, d->state.suggestNeedKiB,
                     d->state.stuck ? "" : "!", d->state.progressKiB,
                     d->state.progressMs, d->state.changedMs);
    return 1;
}


/* HOST ; DOMAIN ; DOMAIN ... -> [squeeze=SIZE] ; EXPECTED ; EXPECTED ...
 * HOST: now= free= demand= and configuration keys */
static int
testAuto(const void *opaque)
{
    const testDataLine *tc = opaque;
    g_auto(GStrv) sides = g_strsplit(tc->line, "->", 2);
    g_auto(GStrv) in = NULL;
    g_auto(GStrv) out = NULL;
    libxlMemoryPolicyConfig cfg;
    libxlMemoryPolicyAutoHost host = { 0 };
    libxlMemoryPolicyAutoDomain doms[MAX_DOMS];
    g_auto(GStrv) hostWords = NULL;
    g_auto(GStrv) expectHost = NULL;
    unsigned long long squeeze = 0;
    bool haveSqueeze = false;
    unsigned long long got;
    size_t ndoms;
    size_t i;
    int ret = 0;

    testConfig(&cfg);
    host.nowMs = 100 * 1000ULL;

    if (!sides[0] || !sides[1])
        goto malformed;
    in = g_strsplit(sides[0], ";", -1);
    out = g_strsplit(sides[1], ";", -1);
    ndoms = g_strv_length(in) - 1;
    if (ndoms > MAX_DOMS || g_strv_length(out) != ndoms + 1)
        goto malformed;

    hostWords = testWords(in[0]);
    for (i = 0; hostWords[i]; i++) {
        char *value;
        char *key = testSplitKey(hostWords[i], &value);
        int rc = testConfigKey(&cfg, key, value);

        if (rc < 0 || !value)
            goto malformed;
        if (rc == 1)
            continue;
        if (STREQ(key, "now"))
            rc = testParseTime(value, &host.nowMs);
        else if (STREQ(key, "free"))
            rc = testParseSize(value, &host.freeKiB);
        else if (STREQ(key, "demand"))
            rc = testParseSize(value, &host.demandKiB);
        else
            goto malformed;
        if (rc < 0)
            goto malformed;
    }

    for (i = 0; i < ndoms; i++) {
        g_auto(GStrv) words = testWords(in[i + 1]);

        if (testParseAutoDomain(words, &doms[i]) < 0)
            goto malformed;
        doms[i].domid = i + 1;
        /* outputs start as garbage: the decision must set them all */
        doms[i].reason = LIBXL_MEMORY_POLICY_REASON_LAST;
        doms[i].setTarget = doms[i].setMaxmem = doms[i].setPaging = true;
        doms[i].newTargetKiB = doms[i].maxmemKiB = doms[i].pagingKiB = 12345;
    }

    expectHost = testWords(out[0]);
    for (i = 0; expectHost[i]; i++) {
        char *value;
        char *key = testSplitKey(expectHost[i], &value);

        if (!value || STRNEQ(key, "squeeze") || testParseSize(value, &squeeze) < 0)
            goto malformed;
        haveSqueeze = true;
    }

    libxlMemoryPolicyAutoDecide(&cfg, &host, doms, ndoms);

    for (i = 0; i < ndoms; i++) {
        g_auto(GStrv) words = testWords(out[i + 1]);
        int rc = testCheckAutoDomain(tc, i, words, &doms[i]);

        if (rc < 0)
            goto malformed;
        if (rc > 0)
            ret = -1;
    }

    if (haveSqueeze) {
        got = libxlMemoryPolicyAutoSqueezableKiB(&cfg, host.nowMs, doms, ndoms);
        if (got != squeeze) {
            g_autofree char *s = testFormatSize(got);

            VIR_TEST_VERBOSE("\n%s:%zu: got squeeze=%s", tc->file, tc->lineno, s);
            ret = -1;
        }
    }
    return ret;

 malformed:
    VIR_TEST_VERBOSE("\n%s:%zu: malformed case '%s'", tc->file, tc->lineno, tc->line);
    return -1;
}


/* The reasons' names are what the actor logs and the data files use */
static int
testReasonNames(const void *opaque G_GNUC_UNUSED)
{
    size_t i;

    for (i = 0; i < LIBXL_MEMORY_POLICY_REASON_LAST; i++) {
        const char *name = libxlMemoryPolicyReasonTypeToString(i);

        if (!name || libxlMemoryPolicyReasonTypeFromString(name) != (int) i)
            return -1;
    }
    return 0;
}


static int
mymain(void)
{
    int ret = 0;

    if (virTestRun("reason names", testReasonNames, NULL) < 0)
        ret = -1;
    if (testRunDataLines(DATADIR, "balloon.txt", testBalloon) < 0)
        ret = -1;
    if (testRunDataLines(DATADIR, "auto.txt", testAuto) < 0)
        ret = -1;

    return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

VIR_TEST_MAIN(mymain)
