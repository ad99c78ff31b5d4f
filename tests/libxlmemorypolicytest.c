/*
 * libxlmemorypolicytest.c: the memory policy actors' decisions
 *
 * Two kinds of cases, all from tests/libxlmemorypolicydata:
 *
 *  - single decisions (balloon.txt, auto.txt): one line, inputs and the
 *    expected outputs;
 *  - scenarios (scenarios.txt names them): a small host simulated second
 *    by second, with balloon drivers that are quick, slow, stuck, give
 *    only part of what they are asked or take all that maxmem allows
 *    whatever they are asked, guests whose statistics follow a
 *    workload or lie, and starts waiting for memory.  Each step calls the
 *    policy, applies what it decides, moves the balloons and checks the
 *    invariants.  The same scenarios run under deliberately broken
 *    policies (broken.txt), each of which must fail at least one of
 *    them, and by the kind of check it is meant to trip: a checker that
 *    cannot fail proves nothing;
 *  - scenario files the loader must refuse (rejected.txt names them).
 *
 * Sizes are KiB unless suffixed K, M, G or T (binary), "max" is
 * ULLONG_MAX; times are milliseconds unless suffixed s.
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
#include "libxl/libxl_memory_policy.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

#define DATADIR "libxlmemorypolicydata"
#define MAX_DOMS 16
#define MAX_POINTS 32
#define MAX_EXPECTS 32
#define MAX_EVENTS 8

/* A scenario begins with the host up for an hour, its domains booted
 * long ago: times in the scenario files count from there */
#define TEST_SIM_EPOCH_MS (3600 * 1000ULL)


/* ---------------------------------------------------------------- values */

static int
testParseSize(const char *s, unsigned long long *v)
{
    char *end = NULL;
    unsigned long long mult = 1;

    if (STREQ(s, "max")) {
        *v = ULLONG_MAX;
        return 0;
    }
    if (virStrToLong_ull(s, &end, 10, v) < 0 || end == s)
        return -1;
    if (STREQ(end, "K") || STREQ(end, ""))
        mult = 1;
    else if (STREQ(end, "M"))
        mult = 1024ULL;
    else if (STREQ(end, "G"))
        mult = 1024ULL * 1024;
    else if (STREQ(end, "T"))
        mult = 1024ULL * 1024 * 1024;
    else
        return -1;
    /* a size that does not fit is a broken case, not one that wraps */
    if (*v > ULLONG_MAX / mult)
        return -1;
    *v *= mult;
    return 0;
}


static int
testParseTime(const char *s, unsigned long long *ms)
{
    char *end = NULL;

    if (STREQ(s, "max")) {
        *ms = ULLONG_MAX;
        return 0;
    }
    if (virStrToLong_ull(s, &end, 10, ms) < 0 || end == s)
        return -1;
    if (STREQ(end, "s")) {
        if (*ms > ULLONG_MAX / 1000)
            return -1;
        *ms *= 1000;
    } else if (STRNEQ(end, "") && STRNEQ(end, "ms")) {
        return -1;
    }
    return 0;
}


static int
testParseBool(const char *s, bool *b)
{
    if (STREQ(s, "1") || STREQ(s, "yes")) {
        *b = true;
    } else if (STREQ(s, "0") || STREQ(s, "no")) {
        *b = false;
    } else {
        return -1;
    }
    return 0;
}


/* "SIZE@TIME" */
static int
testParsePoint(const char *s, unsigned long long *kib, unsigned long long *ms)
{
    g_auto(GStrv) parts = g_strsplit(s, "@", 2);

    if (!parts[0] || !parts[1] ||
        testParseSize(parts[0], kib) < 0 || testParseTime(parts[1], ms) < 0)
        return -1;
    return 0;
}


/* for messages: the size the way the data files write it */
static char *
testFormatSize(unsigned long long v)
{
    if (v == ULLONG_MAX)
        return g_strdup("max");
    if (v != 0 && v % (1024ULL * 1024) == 0)
        return g_strdup_printf("%lluG", v / (1024ULL * 1024));
    if (v != 0 && v % 1024ULL == 0)
        return g_strdup_printf("%lluM", v / 1024ULL);
    return g_strdup_printf("%llu", v);
}


/* Split "key=value" in place; a word without '=' is a flag, value NULL */
static char *
testSplitKey(char *word, char **value)
{
    char *eq = strchr(word, '=');

    *value = NULL;
    if (eq) {
        *eq = '\0';
        *value = eq + 1;
    }
    return word;
}


static char **
testWords(const char *s)
{
    g_auto(GStrv) all = g_strsplit_set(s, " \t", -1);
    GPtrArray *words = g_ptr_array_new();
    size_t i;

    for (i = 0; all[i]; i++) {
        if (*all[i])
            g_ptr_array_add(words, g_strdup(all[i]));
    }
    g_ptr_array_add(words, NULL);
    return (char **) g_ptr_array_free(words, FALSE);
}


/* The configuration every case starts from: written out here rather than
 * taken from libxlMemoryPolicyConfigDefault, so that a change of the
 * defaults does not change what the cases mean */
static void
testConfig(libxlMemoryPolicyConfig *cfg)
{
    cfg->reserveKiB = 64 * 1024ULL;
    cfg->marginPercent = 25;
    cfg->deadbandKiB = 16 * 1024ULL;
    cfg->holdMs = 10 * 1000ULL;
    cfg->graceMs = 30 * 1000ULL;
    cfg->stuckMs = 5 * 1000ULL;
    cfg->stuckRateKiBs = 1024ULL;
    cfg->suggestStepKiB = 64 * 1024ULL;
}


/* a configuration key; 1 if @key is one, 0 if not, -1 on a bad value */
static int
testConfigKey(libxlMemoryPolicyConfig *cfg, const char *key, const char *value)
{
    unsigned long long v;

    if (!value)
        return 0;
    if (STREQ(key, "reserve"))
        return testParseSize(value, &cfg->reserveKiB) < 0 ? -1 : 1;
    if (STREQ(key, "deadband"))
        return testParseSize(value, &cfg->deadbandKiB) < 0 ? -1 : 1;
    if (STREQ(key, "stuckrate"))
        return testParseSize(value, &cfg->stuckRateKiBs) < 0 ? -1 : 1;
    if (STREQ(key, "step"))
        return testParseSize(value, &cfg->suggestStepKiB) < 0 ? -1 : 1;
    if (STREQ(key, "hold"))
        return testParseTime(value, &cfg->holdMs) < 0 ? -1 : 1;
    if (STREQ(key, "grace"))
        return testParseTime(value, &cfg->graceMs) < 0 ? -1 : 1;
    if (STREQ(key, "stuckms"))
        return testParseTime(value, &cfg->stuckMs) < 0 ? -1 : 1;
    if (STREQ(key, "margin")) {
        if (virStrToLong_ull(value, NULL, 10, &v) < 0 || v > UINT_MAX)
            return -1;
        cfg->marginPercent = v;
        return 1;
    }
    return 0;
}


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


/* ---------------------------------------------------------------- scenarios */

typedef enum {
    TEST_BALLOON_NORMAL,
    TEST_BALLOON_SLOW,
    TEST_BALLOON_STUCK,
    TEST_BALLOON_PARTIAL,   /* gives nothing below downToKiB */
    TEST_BALLOON_GREEDY,    /* stuck, and its guest takes every free page
                             * its maxmem allows, whatever its target */
} testBalloonKind;

typedef struct {
    unsigned long long ms;
    unsigned long long kib;
} testPoint;

typedef struct {
    char *name;
    testBalloonKind balloon;
    unsigned long long rateKiBs;
    unsigned long long downToKiB;
    bool liar;              /* says it uses its ceiling */
    bool noStats;
    testPoint load[MAX_POINTS];
    size_t nload;
    unsigned long long allocKiB;
    unsigned long long maxmemKiB;
    unsigned long long pagingTargetKiB;
    unsigned long long pagerRateKiBs;
    /* the start that brings it, if any */
    bool started;
    unsigned long long startAtMs;
    unsigned long long claimKiB;    /* outstanding while it builds */
    bool expectStart;       /* expected to be admitted ... */
    unsigned long long byMs; /* ... by then */
    bool refused;
    bool running;           /* built: one of the actor's domains */
    libxlMemoryPolicyAutoDomain d;
} testSimDomain;

typedef enum {
    TEST_EXPECT_REASON,
    TEST_EXPECT_TARGET_GE,
    TEST_EXPECT_TARGET_LE,
    TEST_EXPECT_ALLOC_GE,
    TEST_EXPECT_ALLOC_LE,
    TEST_EXPECT_STUCK,
    TEST_EXPECT_RUNNING,
    TEST_EXPECT_REFUSED,
} testExpectKind;

typedef struct {
    unsigned long long ms;
    size_t dom;
    testExpectKind kind;
    unsigned long long kib;
    int value;
    size_t lineno;          /* in the scenario file, for messages */
    bool checked;           /* evaluated by the run */
} testExpect;

/* maxmem set from outside the actor, as by xl mem-max */
typedef struct {
    unsigned long long ms;
    size_t dom;
    unsigned long long kib;
    size_t lineno;
} testMaxmemEvent;

typedef struct {
    const char *file;
    libxlMemoryPolicyConfig cfg;
    unsigned long long memoryKiB;
    unsigned long long fixedKiB;    /* held by domains outside the actor */
    unsigned long long freeKiB;     /* free pages, claimed or not */
    unsigned long long runMs;
    bool checkNeeds;
    unsigned long long settleMs;
    testSimDomain doms[MAX_DOMS];
    size_t ndoms;
    testExpect expects[MAX_EXPECTS];
    size_t nexpects;
    testMaxmemEvent maxmems[MAX_EVENTS];
    size_t nmaxmems;
} testSim;

typedef void (*testPolicyFunc)(const libxlMemoryPolicyConfig *cfg,
                               const libxlMemoryPolicyAutoHost *host,
                               libxlMemoryPolicyAutoDomain *doms,
                               size_t ndoms);

/* How a run ended: the kind of the first check that did not hold */
typedef enum {
    TEST_SIM_PASSED = 0,
    TEST_SIM_FAILED_LOAD,           /* the file is malformed */
    TEST_SIM_FAILED_RESERVE,        /* invariant: free below the reserve */
    TEST_SIM_FAILED_FLOOR,          /* invariant: a target below its floor */
    TEST_SIM_FAILED_CEILING,        /* invariant: a target above its ceiling */
    TEST_SIM_FAILED_TOTAL,          /* invariant: memory does not add up to
                                     * the host, or claims exceed free */
    TEST_SIM_FAILED_NEEDS,          /* check-needs */
    TEST_SIM_FAILED_EXPECT,         /* an expect line */
    TEST_SIM_FAILED_START,          /* a start's expect= or by= */

    TEST_SIM_FAILED_LAST
} testSimFailure;

VIR_ENUM_DECL(testSimFailure);
/* as broken.txt names them */
VIR_ENUM_IMPL(testSimFailure,
              TEST_SIM_FAILED_LAST,
              "passed",
              "load",
              "reserve",
              "floor",
              "ceiling",
              "total",
              "needs",
              "expect",
              "start",
);


/* for messages */
static const char *
testSimFailureDescribe(testSimFailure kind)
{
    switch (kind) {
    case TEST_SIM_FAILED_RESERVE:
        return "the reserve invariant";
    case TEST_SIM_FAILED_FLOOR:
        return "the floor invariant";
    case TEST_SIM_FAILED_CEILING:
        return "the ceiling invariant";
    case TEST_SIM_FAILED_TOTAL:
        return "the host total invariant";
    case TEST_SIM_FAILED_NEEDS:
        return "check-needs";
    case TEST_SIM_FAILED_EXPECT:
        return "an expect line";
    case TEST_SIM_FAILED_START:
        return "a start's expectation";
    case TEST_SIM_FAILED_LOAD:
        return "its load";
    case TEST_SIM_PASSED:
    case TEST_SIM_FAILED_LAST:
        break;
    }
    return "nothing";
}


static void
testSimFree(testSim *sim)
{
    size_t i;

    for (i = 0; i < sim->ndoms; i++)
        g_free(sim->doms[i].name);
}


static int
testSimParseLoad(testSimDomain *sd, const char *value)
{
    g_auto(GStrv) points = g_strsplit(value, ",", -1);
    size_t i;

    for (i = 0; points[i]; i++) {
        g_auto(GStrv) tv = g_strsplit(points[i], ":", 2);

        if (sd->nload >= MAX_POINTS)
            return -1;
        if (!tv[1]) {
            /* a constant */
            if (i > 0 || testParseSize(tv[0], &sd->load[0].kib) < 0)
                return -1;
            sd->load[sd->nload++].ms = 0;
            continue;
        }
        if (testParseTime(tv[0], &sd->load[sd->nload].ms) < 0 ||
            testParseSize(tv[1], &sd->load[sd->nload].kib) < 0 ||
            (sd->nload > 0 && sd->load[sd->nload].ms <= sd->load[sd->nload - 1].ms))
            return -1;
        sd->nload++;
    }
    return sd->nload ? 0 : -1;
}


/* what the workload uses at @ms: linear between its points */
static unsigned long long
testSimUsed(const testSimDomain *sd, unsigned long long ms)
{
    size_t i;

    if (ms <= sd->load[0].ms)
        return sd->load[0].kib;
    for (i = 1; i < sd->nload; i++) {
        const testPoint *a = &sd->load[i - 1];
        const testPoint *b = &sd->load[i];

        if (ms < b->ms) {
            if (b->kib >= a->kib)
                return a->kib + (b->kib - a->kib) * (ms - a->ms) / (b->ms - a->ms);
            return a->kib - (a->kib - b->kib) * (ms - a->ms) / (b->ms - a->ms);
        }
    }
    return sd->load[sd->nload - 1].kib;
}


static ssize_t
testSimFindDomain(testSim *sim, const char *name)
{
    size_t i;

    for (i = 0; i < sim->ndoms; i++) {
        if (STREQ(sim->doms[i].name, name))
            return i;
    }
    return -1;
}


/* "dom NAME ..." and "start NAME ...": see the scenario files */
static int
testSimParseDomain(testSim *sim, char **words, bool start)
{
    testSimDomain *sd;
    bool haveSize = false;
    size_t i;

    if (!words[1] || sim->ndoms >= MAX_DOMS || testSimFindDomain(sim, words[1]) >= 0)
        return -1;
    sd = &sim->doms[sim->ndoms++];
    memset(sd, 0, sizeof(*sd));
    sd->name = g_strdup(words[1]);
    sd->balloon = TEST_BALLOON_NORMAL;
    sd->rateKiBs = 256 * 1024ULL;
    sd->pagerRateKiBs = 64 * 1024ULL;
    sd->d.floorKiB = 512 * 1024ULL;
    sd->d.ceilingKiB = 4 * 1024 * 1024ULL;
    sd->d.domid = sim->ndoms;
    sd->expectStart = true;
    sd->byMs = ULLONG_MAX - TEST_SIM_EPOCH_MS;

    for (i = 2; words[i]; i++) {
        char *value;
        char *key = testSplitKey(words[i], &value);
        int rc = 0;

        if (!value) {
            if (STREQ(key, "liar"))
                sd->liar = true;
            else if (STREQ(key, "nostats"))
                sd->noStats = true;
            else if (STREQ(key, "paused"))
                sd->d.paused = true;
            else if (STREQ(key, "paging"))
                sd->d.paging = true;
            else if (STREQ(key, "booting"))
                sd->d.startedMs = TEST_SIM_EPOCH_MS;
            else
                return -1;
            continue;
        }
        if (STREQ(key, "mem") || STREQ(key, "size")) {
            rc = testParseSize(value, &sd->d.targetKiB);
            haveSize = true;
        } else if (STREQ(key, "floor")) {
            rc = testParseSize(value, &sd->d.floorKiB);
        } else if (STREQ(key, "ceil")) {
            rc = testParseSize(value, &sd->d.ceilingKiB);
        } else if (STREQ(key, "rate")) {
            rc = testParseSize(value, &sd->rateKiBs);
        } else if (STREQ(key, "load")) {
            rc = testSimParseLoad(sd, value);
        } else if (STREQ(key, "at") && start) {
            rc = testParseTime(value, &sd->startAtMs);
        } else if (STREQ(key, "by") && start) {
            rc = testParseTime(value, &sd->byMs);
        } else if (STREQ(key, "expect") && start) {
            if (STREQ(value, "started"))
                sd->expectStart = true;
            else if (STREQ(value, "refused"))
                sd->expectStart = false;
            else
                rc = -1;
        } else if (STREQ(key, "balloon")) {
            if (STREQ(value, "normal")) {
                sd->balloon = TEST_BALLOON_NORMAL;
            } else if (STREQ(value, "slow")) {
                sd->balloon = TEST_BALLOON_SLOW;
                sd->rateKiBs = 8 * 1024ULL;
            } else if (STREQ(value, "stuck")) {
                sd->balloon = TEST_BALLOON_STUCK;
            } else if (STREQ(value, "greedy")) {
                sd->balloon = TEST_BALLOON_GREEDY;
            } else if (STRPREFIX(value, "partial:")) {
                sd->balloon = TEST_BALLOON_PARTIAL;
                rc = testParseSize(value + strlen("partial:"), &sd->downToKiB);
            } else {
                rc = -1;
            }
        } else {
            return -1;
        }
        if (rc < 0)
            return -1;
    }
    if (!haveSize)
        return -1;
    /* a start need not say what it will use: it has no statistics then */
    if (sd->nload == 0) {
        if (start)
            sd->noStats = true;
        else if (!sd->noStats)
            return -1;
    }

    sd->started = start;
    if (!start) {
        sd->running = true;
        sd->allocKiB = sd->d.targetKiB;
        sd->maxmemKiB = sd->d.targetKiB;
    }
    return 0;
}


/* "expect at=TIME NAME WHAT" with WHAT one of reason=R target>=S
 * target<=S alloc>=S alloc<=S stuck=0|1 running refused */
static int
testSimParseExpect(testSim *sim, char **words, size_t lineno)
{
    testExpect *e;
    ssize_t dom;
    const char *what;

    if (sim->nexpects >= MAX_EXPECTS || !words[1] || !words[2] || !words[3] || words[4] ||
        !STRPREFIX(words[1], "at="))
        return -1;
    e = &sim->expects[sim->nexpects++];
    e->lineno = lineno;
    if (testParseTime(words[1] + 3, &e->ms) < 0 ||
        (dom = testSimFindDomain(sim, words[2])) < 0)
        return -1;
    e->dom = dom;
    what = words[3];

    if (STRPREFIX(what, "reason=")) {
        e->kind = TEST_EXPECT_REASON;
        if ((e->value = libxlMemoryPolicyReasonTypeFromString(what + 7)) < 0)
            return -1;
        return 0;
    }
    if (STRPREFIX(what, "stuck=")) {
        bool b;

        e->kind = TEST_EXPECT_STUCK;
        if (testParseBool(what + 6, &b) < 0)
            return -1;
        e->value = b;
        return 0;
    }
    if (STREQ(what, "running")) {
        e->kind = TEST_EXPECT_RUNNING;
        return 0;
    }
    if (STREQ(what, "refused")) {
        e->kind = TEST_EXPECT_REFUSED;
        return 0;
    }
    if (STRPREFIX(what, "target>="))
        e->kind = TEST_EXPECT_TARGET_GE;
    else if (STRPREFIX(what, "target<="))
        e->kind = TEST_EXPECT_TARGET_LE;
    else if (STRPREFIX(what, "alloc>="))
        e->kind = TEST_EXPECT_ALLOC_GE;
    else if (STRPREFIX(what, "alloc<="))
        e->kind = TEST_EXPECT_ALLOC_LE;
    else
        return -1;
    return testParseSize(strchr(what, '=') + 1, &e->kib);
}


/* "maxmem at=TIME NAME SIZE" */
static int
testSimParseMaxmem(testSim *sim, char **words, size_t lineno)
{
    testMaxmemEvent *ev;
    ssize_t dom;

    if (sim->nmaxmems >= MAX_EVENTS || !words[1] || !words[2] || !words[3] || words[4] ||
        !STRPREFIX(words[1], "at="))
        return -1;
    ev = &sim->maxmems[sim->nmaxmems++];
    ev->lineno = lineno;
    if (testParseTime(words[1] + 3, &ev->ms) < 0 ||
        (dom = testSimFindDomain(sim, words[2])) < 0 ||
        testParseSize(words[3], &ev->kib) < 0)
        return -1;
    ev->dom = dom;
    return 0;
}


/* Whether a step of the run is at @ms, so that what is due then happens */
static int
testSimCheckStep(const testSim *sim,
                 const char *what,
                 size_t lineno,
                 unsigned long long ms,
                 bool quiet,
                 size_t *badLine)
{
    if (ms % 1000 != 0) {
        if (!quiet)
            VIR_TEST_VERBOSE("\n%s:%zu: %s at %llu ms: not a whole second, no step would reach it",
                             sim->file, lineno, what, ms);
        *badLine = lineno;
        return -1;
    }
    if (ms > sim->runMs) {
        if (!quiet)
            VIR_TEST_VERBOSE("\n%s:%zu: %s at %llu s: after the run of %llu s, no step would reach it",
                             sim->file, lineno, what, ms / 1000, sim->runMs / 1000);
        *badLine = lineno;
        return -1;
    }
    return 0;
}


/*
 * Loads the scenario @name into @sim.  On a line that is malformed, or an
 * expect or event that no step of the run would ever reach (its time not
 * a whole second, or after the run), fails with the line's number in
 * @badLine (0 for a fault of the whole file).
 */
static int
testSimLoad(testSim *sim, const char *name, bool quiet, size_t *badLine)
{
    g_autofree char *path = g_strdup_printf("%s/%s/%s", abs_srcdir, DATADIR, name);
    g_autofree char *content = NULL;
    g_auto(GStrv) lines = NULL;
    unsigned long long held = 0;
    size_t i;

    memset(sim, 0, sizeof(*sim));
    *badLine = 0;
    sim->file = name;
    testConfig(&sim->cfg);
    sim->settleMs = 15 * 1000ULL;

    if (virTestLoadFile(path, &content) < 0)
        return -1;
    lines = g_strsplit(content, "\n", -1);

    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) words = testWords(lines[i]);
        size_t j;
        int rc = 0;

        if (!words[0] || *words[0] == '#')
            continue;
        if (STREQ(words[0], "host")) {
            for (j = 1; words[j] && rc == 0; j++) {
                char *value;
                char *key = testSplitKey(words[j], &value);

                if (value && STREQ(key, "memory"))
                    rc = testParseSize(value, &sim->memoryKiB);
                else if (value && STREQ(key, "fixed"))
                    rc = testParseSize(value, &sim->fixedKiB);
                else if (testConfigKey(&sim->cfg, key, value) != 1)
                    rc = -1;
            }
        } else if (STREQ(words[0], "run")) {
            rc = words[1] && !words[2] ? testParseTime(words[1], &sim->runMs) : -1;
        } else if (STREQ(words[0], "check-needs")) {
            sim->checkNeeds = true;
            if (words[1] && (!STRPREFIX(words[1], "settle=") || words[2] ||
                             testParseTime(words[1] + 7, &sim->settleMs) < 0))
                rc = -1;
        } else if (STREQ(words[0], "dom")) {
            rc = testSimParseDomain(sim, words, false);
        } else if (STREQ(words[0], "start")) {
            rc = testSimParseDomain(sim, words, true);
        } else if (STREQ(words[0], "expect")) {
            rc = testSimParseExpect(sim, words, i + 1);
        } else if (STREQ(words[0], "maxmem")) {
            rc = testSimParseMaxmem(sim, words, i + 1);
        } else {
            rc = -1;
        }
        if (rc < 0) {
            if (!quiet)
                VIR_TEST_VERBOSE("\n%s:%zu: malformed line '%s'", name, i + 1, lines[i]);
            *badLine = i + 1;
            return -1;
        }
    }

    /* the run steps whole seconds from 0 to its end: an expect at any
     * other time would never be checked, and pass unseen */
    if (sim->runMs % 1000 != 0) {
        if (!quiet)
            VIR_TEST_VERBOSE("\n%s: run time of %llu ms is not a whole number of seconds",
                             name, sim->runMs);
        return -1;
    }
    for (i = 0; i < sim->nexpects; i++) {
        if (testSimCheckStep(sim, "expect", sim->expects[i].lineno, sim->expects[i].ms,
                             quiet, badLine) < 0)
            return -1;
    }
    for (i = 0; i < sim->nmaxmems; i++) {
        if (testSimCheckStep(sim, "maxmem", sim->maxmems[i].lineno, sim->maxmems[i].ms,
                             quiet, badLine) < 0)
            return -1;
    }

    for (i = 0; i < sim->ndoms; i++)
        held += sim->doms[i].allocKiB;
    if (sim->memoryKiB == 0 || sim->runMs == 0 ||
        held + sim->fixedKiB > sim->memoryKiB) {
        if (!quiet)
            VIR_TEST_VERBOSE("\n%s: no host memory, no run time, or more held than the host has", name);
        return -1;
    }
    sim->freeKiB = sim->memoryKiB - held - sim->fixedKiB;
    return 0;
}


static unsigned long long
testSimClaims(const testSim *sim)
{
    unsigned long long sum = 0;
    size_t i;

    for (i = 0; i < sim->ndoms; i++)
        sum += sim->doms[i].claimKiB;
    return sum;
}


/* free memory net of outstanding claims, as the actor sees it */
static unsigned long long
testSimNetFree(const testSim *sim)
{
    unsigned long long claims = testSimClaims(sim);

    return sim->freeKiB > claims ? sim->freeKiB - claims : 0;
}


/* The need as this test computes it, independently of the policy: used
 * plus the margin within [floor, ceiling]; a guest without statistics
 * needs its target, a booting one at least its target */
static unsigned long long
testSimNeed(const testSim *sim, const testSimDomain *sd, unsigned long long ms)
{
    const libxlMemoryPolicyAutoDomain *d = &sd->d;
    unsigned long long floorKiB = MIN(d->floorKiB, d->ceilingKiB);
    unsigned long long need;

    if (sd->noStats) {
        need = d->targetKiB;
    } else {
        unsigned long long used = sd->liar ? d->ceilingKiB : testSimUsed(sd, ms);

        need = used + used * sim->cfg.marginPercent / 100;
    }
    need = MAX(MIN(need, d->ceilingKiB), floorKiB);
    if (TEST_SIM_EPOCH_MS + ms < d->startedMs + sim->cfg.graceMs)
        need = MAX(need, MIN(MAX(d->targetKiB, floorKiB), d->ceilingKiB));
    return need;
}


/*
 * The invariants, after every phase of every step, each its own kind of
 * failure:
 *  - reserve: free memory net of claims never below the reserve;
 *  - floor, ceiling: no target below its floor or above its ceiling;
 *  - host total: allocations, claims and free memory add up to the
 *    host, claims within free memory.
 */
static testSimFailure
testSimCheck(const testSim *sim,
             unsigned long long ms,
             const char *phase,
             bool quiet)
{
    unsigned long long sum = sim->fixedKiB + sim->freeKiB;
    unsigned long long claims = testSimClaims(sim);
    size_t i;

    if (claims > sim->freeKiB) {
        if (!quiet)
            VIR_TEST_VERBOSE("\n%s: %llu s, %s: claims of %llu KiB exceed free memory of %llu KiB",
                             sim->file, ms / 1000, phase, claims, sim->freeKiB);
        return TEST_SIM_FAILED_TOTAL;
    }
    if (testSimNetFree(sim) < sim->cfg.reserveKiB) {
        if (!quiet)
            VIR_TEST_VERBOSE("\n%s: %llu s, %s: free %llu KiB, claims %llu KiB, below the reserve of %llu KiB",
                             sim->file, ms / 1000, phase, sim->freeKiB, claims,
                             sim->cfg.reserveKiB);
        return TEST_SIM_FAILED_RESERVE;
    }
    for (i = 0; i < sim->ndoms; i++) {
        const testSimDomain *sd = &sim->doms[i];
        unsigned long long floorKiB = MIN(sd->d.floorKiB, sd->d.ceilingKiB);

        sum += sd->allocKiB;
        if (!sd->running)
            continue;
        if (sd->d.targetKiB < floorKiB) {
            if (!quiet)
                VIR_TEST_VERBOSE("\n%s: %llu s, %s: %s's target %llu KiB below its floor %llu KiB",
                                 sim->file, ms / 1000, phase, sd->name, sd->d.targetKiB,
                                 floorKiB);
            return TEST_SIM_FAILED_FLOOR;
        }
        if (sd->d.targetKiB > sd->d.ceilingKiB) {
            if (!quiet)
                VIR_TEST_VERBOSE("\n%s: %llu s, %s: %s's target %llu KiB above its ceiling %llu KiB",
                                 sim->file, ms / 1000, phase, sd->name, sd->d.targetKiB,
                                 sd->d.ceilingKiB);
            return TEST_SIM_FAILED_CEILING;
        }
    }
    if (sum != sim->memoryKiB) {
        if (!quiet)
            VIR_TEST_VERBOSE("\n%s: %llu s, %s: allocations and free memory add up to %llu KiB, not the host's %llu",
                             sim->file, ms / 1000, phase, sum, sim->memoryKiB);
        return TEST_SIM_FAILED_TOTAL;
    }
    return TEST_SIM_PASSED;
}


/* What the domains could give a start down to their floors, as the
 * admission counts it, computed here rather than by the code under test:
 * the allocation above the floor (the ceiling where the floor is above
 * it) of every running domain that is neither stuck, paused nor booting,
 * as the last decision left them */
static unsigned long long
testSimSqueezable(const testSim *sim, unsigned long long ms)
{
    unsigned long long sum = 0;
    size_t i;

    for (i = 0; i < sim->ndoms; i++) {
        const testSimDomain *sd = &sim->doms[i];
        unsigned long long floorKiB = MIN(sd->d.floorKiB, sd->d.ceilingKiB);

        if (!sd->running || sd->d.state.stuck || sd->d.paused ||
            TEST_SIM_EPOCH_MS + ms < sd->d.startedMs + sim->cfg.graceMs)
            continue;
        if (sd->allocKiB > floorKiB)
            sum += sd->allocKiB - floorKiB;
    }
    return sum;
}


/* Starts: a waiting start is admitted as soon as free memory less the
 * reserve covers it (its claim then holds the memory while it builds);
 * one that could not fit even with every domain at its floor is refused
 * when it arrives.  Returns the demand of those still waiting. */
static unsigned long long
testSimStarts(testSim *sim, unsigned long long ms)
{
    unsigned long long demand = 0;
    size_t i;

    for (i = 0; i < sim->ndoms; i++) {
        testSimDomain *sd = &sim->doms[i];
        unsigned long long avail = testSimNetFree(sim);

        avail = avail > sim->cfg.reserveKiB ? avail - sim->cfg.reserveKiB : 0;
        if (!sd->started || sd->running || sd->refused || sd->claimKiB || ms < sd->startAtMs)
            continue;
        if (avail >= sd->d.targetKiB) {
            sd->claimKiB = sd->d.targetKiB;
            continue;
        }
        if (ms == sd->startAtMs &&
            sd->d.targetKiB > avail + testSimSqueezable(sim, ms)) {
            sd->refused = true;
            continue;
        }
        demand += sd->d.targetKiB;
    }
    return demand;
}


/* One second of the hypervisor and the guests: builds populate their
 * claims, then every balloon that grows does, then every balloon and
 * pager that shrinks.  Growing first is the worst order for free memory,
 * and the checks run between the two. */
static testSimFailure
testSimMove(testSim *sim, unsigned long long ms, bool quiet)
{
    testSimFailure rc;
    size_t i;

    for (i = 0; i < sim->ndoms; i++) {
        testSimDomain *sd = &sim->doms[i];
        unsigned long long step = MIN(sd->claimKiB, 1024 * 1024ULL);

        if (!sd->claimKiB)
            continue;
        sd->claimKiB -= step;
        sd->allocKiB += step;
        sim->freeKiB -= step;
        if (sd->claimKiB == 0) {
            sd->running = true;
            sd->maxmemKiB = sd->d.targetKiB;
            sd->d.startedMs = TEST_SIM_EPOCH_MS + ms;
        }
    }

    for (i = 0; i < sim->ndoms; i++) {
        testSimDomain *sd = &sim->doms[i];
        unsigned long long limit = MIN(sd->d.targetKiB, sd->maxmemKiB);
        unsigned long long step;

        if (!sd->running || sd->d.paused || sd->balloon == TEST_BALLOON_STUCK)
            continue;
        /* a greedy guest populates memory itself, as any guest may: only
         * maxmem, the hypervisor's limit, holds it */
        if (sd->balloon == TEST_BALLOON_GREEDY)
            limit = sd->maxmemKiB;
        if (sd->pagingTargetKiB)
            limit = MIN(limit, sd->pagingTargetKiB);
        if (sd->allocKiB >= limit)
            continue;
        /* the hypervisor hands out free pages nobody has claimed */
        step = MIN(MIN(sd->rateKiBs, limit - sd->allocKiB), testSimNetFree(sim));
        sd->allocKiB += step;
        sim->freeKiB -= step;
    }
    if ((rc = testSimCheck(sim, ms, "balloons grown", quiet)) != TEST_SIM_PASSED)
        return rc;

    for (i = 0; i < sim->ndoms; i++) {
        testSimDomain *sd = &sim->doms[i];
        unsigned long long down = sd->d.targetKiB;
        unsigned long long step = 0;

        if (!sd->running || sd->d.paused)
            continue;
        if (sd->balloon == TEST_BALLOON_PARTIAL)
            down = MAX(down, sd->downToKiB);
        if (sd->balloon != TEST_BALLOON_STUCK && sd->balloon != TEST_BALLOON_GREEDY &&
            sd->allocKiB > down)
            step = MIN(sd->rateKiBs, sd->allocKiB - down);
        if (sd->pagingTargetKiB && sd->allocKiB - step > sd->pagingTargetKiB)
            step += MIN(sd->pagerRateKiBs, sd->allocKiB - step - sd->pagingTargetKiB);
        sd->allocKiB -= step;
        sim->freeKiB += step;
    }
    return testSimCheck(sim, ms, "balloons shrunk", quiet);
}


static int
testSimExpect(const testSim *sim, const testExpect *e, bool quiet)
{
    const testSimDomain *sd = &sim->doms[e->dom];
    bool ok = false;
    static const char *const what[] = {
        "reason", "target >=", "target <=", "alloc >=", "alloc <=", "stuck",
        "running", "refused",
    };

    switch (e->kind) {
    case TEST_EXPECT_REASON:
        ok = sd->running && (int) sd->d.reason == e->value;
        break;
    case TEST_EXPECT_TARGET_GE:
        ok = sd->d.targetKiB >= e->kib;
        break;
    case TEST_EXPECT_TARGET_LE:
        ok = sd->d.targetKiB <= e->kib;
        break;
    case TEST_EXPECT_ALLOC_GE:
        ok = sd->allocKiB >= e->kib;
        break;
    case TEST_EXPECT_ALLOC_LE:
        ok = sd->allocKiB <= e->kib;
        break;
    case TEST_EXPECT_STUCK:
        ok = sd->d.state.stuck == !!e->value;
        break;
    case TEST_EXPECT_RUNNING:
        ok = sd->running;
        break;
    case TEST_EXPECT_REFUSED:
        ok = sd->refused;
        break;
    }
    if (!ok && !quiet)
        VIR_TEST_VERBOSE("\n%s: %llu s: expected %s %s %llu/%d; it has target %llu KiB, allocation %llu KiB, reason %s%s%s",
                         sim->file, e->ms / 1000, sd->name, what[e->kind], e->kib, e->value,
                         sd->d.targetKiB, sd->allocKiB,
                         libxlMemoryPolicyReasonTypeToString(sd->d.reason),
                         sd->d.state.stuck ? ", stuck" : "",
                         sd->running ? ", running" : "");
    return ok ? 0 : -1;
}


/*
 * Runs the scenario @name under @policy: TEST_SIM_PASSED if every check
 * held, else the kind of the first that did not, with the time of its
 * step in @failMs.  With check-needs, once the host could cover every
 * participant's need (net of the reserve, the demand, and what stuck
 * and paused domains and builds hold) for settle seconds running, every
 * participant's target must be within the deadband of its need.
 */
static testSimFailure
testSimRun(const char *name,
           testPolicyFunc policy,
           bool quiet,
           unsigned long long *failMs)
{
    testSim sim;
    libxlMemoryPolicyAutoDomain doms[MAX_DOMS];
    size_t map[MAX_DOMS];
    unsigned long long ms;
    unsigned long long coveredSince = ULLONG_MAX;
    /* LIBXL_POLICY_TRACE=1: a line a step, for whoever writes a scenario */
    bool trace = !quiet && STREQ_NULLABLE(g_getenv("LIBXL_POLICY_TRACE"), "1");
    size_t nchecked = 0;
    size_t badLine;
    size_t i;
    testSimFailure ret;

    *failMs = 0;
    if (testSimLoad(&sim, name, quiet, &badLine) < 0) {
        testSimFree(&sim);
        return TEST_SIM_FAILED_LOAD;
    }
    if ((ret = testSimCheck(&sim, 0, "at the start", quiet)) != TEST_SIM_PASSED)
        goto cleanup;

    for (ms = 0; ms <= sim.runMs; ms += 1000) {
        *failMs = ms;

        /* maxmem set from outside just before this decision */
        for (i = 0; i < sim.nmaxmems; i++) {
            if (sim.maxmems[i].ms == ms)
                sim.doms[sim.maxmems[i].dom].maxmemKiB = sim.maxmems[i].kib;
        }

        libxlMemoryPolicyAutoHost host = { TEST_SIM_EPOCH_MS + ms, 0, 0 };
        unsigned long long capacity;
        unsigned long long needs = 0;
        size_t ndoms = 0;

        for (i = 0; i < sim.ndoms; i++) {
            testSimDomain *sd = &sim.doms[i];
            libxlMemoryPolicyAutoDomain *d = &sd->d;

            if (!sd->running)
                continue;
            d->currentKiB = sd->allocKiB;
            d->pagingTargetKiB = sd->pagingTargetKiB;
            d->hasUsed = !sd->noStats;
            d->usedKiB = 0;
            if (sd->liar)
                d->usedKiB = d->ceilingKiB;
            else if (!sd->noStats)
                d->usedKiB = testSimUsed(sd, ms);
            map[ndoms] = i;
            doms[ndoms++] = *d;
        }

        host.demandKiB = testSimStarts(&sim, ms);
        host.freeKiB = testSimNetFree(&sim);
        policy(&sim.cfg, &host, doms, ndoms);

        for (i = 0; i < ndoms; i++) {
            testSimDomain *sd = &sim.doms[map[i]];
            libxlMemoryPolicyAutoDomain *d = &doms[i];

            if (d->setTarget) {
                d->targetKiB = d->newTargetKiB;
                /* libxl's enforce: maxmem follows the target */
                sd->maxmemKiB = d->newTargetKiB;
            }
            if (d->setMaxmem)
                sd->maxmemKiB = d->maxmemKiB;
            if (d->setPaging)
                sd->pagingTargetKiB = d->pagingKiB;
            sd->d = *d;
        }
        if (trace) {
            fprintf(stderr, "%s %3llus free %6lluM demand %5lluM |", name, ms / 1000,
                    testSimNetFree(&sim) / 1024, host.demandKiB / 1024);
            for (i = 0; i < sim.ndoms; i++) {
                testSimDomain *sd = &sim.doms[i];

                if (!sd->running && !sd->claimKiB)
                    continue;
                fprintf(stderr, " %s %llu/%lluM %s%s", sd->name, sd->allocKiB / 1024,
                        sd->d.targetKiB / 1024,
                        sd->running ? libxlMemoryPolicyReasonTypeToString(sd->d.reason) : "building",
                        sd->d.state.stuck ? "!" : "");
            }
            fprintf(stderr, "\n");
        }
        if ((ret = testSimCheck(&sim, ms, "targets applied", quiet)) != TEST_SIM_PASSED)
            goto cleanup;

        for (i = 0; i < sim.nexpects; i++) {
            if (sim.expects[i].ms != ms)
                continue;
            if (testSimExpect(&sim, &sim.expects[i], quiet) < 0) {
                ret = TEST_SIM_FAILED_EXPECT;
                goto cleanup;
            }
            sim.expects[i].checked = true;
            nchecked++;
        }

        if (sim.checkNeeds) {
            capacity = sim.memoryKiB - sim.fixedKiB;
            capacity = capacity > sim.cfg.reserveKiB + host.demandKiB ?
                capacity - sim.cfg.reserveKiB - host.demandKiB : 0;
            for (i = 0; i < sim.ndoms; i++) {
                testSimDomain *sd = &sim.doms[i];

                if (!sd->running || sd->d.paused || sd->d.state.stuck) {
                    capacity = capacity > sd->allocKiB + sd->claimKiB ?
                        capacity - sd->allocKiB - sd->claimKiB : 0;
                    continue;
                }
                needs += testSimNeed(&sim, sd, ms);
            }
            if (needs > capacity)
                coveredSince = ULLONG_MAX;
            else if (coveredSince == ULLONG_MAX)
                coveredSince = ms;

            for (i = 0; coveredSince != ULLONG_MAX && ms >= coveredSince + sim.settleMs &&
                 i < sim.ndoms; i++) {
                testSimDomain *sd = &sim.doms[i];
                unsigned long long need = testSimNeed(&sim, sd, ms);

                if (!sd->running || sd->d.paused || sd->d.state.stuck)
                    continue;
                if (sd->d.targetKiB + sim.cfg.deadbandKiB < need) {
                    if (!quiet)
                        VIR_TEST_VERBOSE("\n%s: %llu s: %s's target %llu KiB below its need %llu KiB, though the host has covered every need since %llu s",
                                         sim.file, ms / 1000, sd->name, sd->d.targetKiB,
                                         need, coveredSince / 1000);
                    ret = TEST_SIM_FAILED_NEEDS;
                    goto cleanup;
                }
            }
        }

        if ((ret = testSimMove(&sim, ms, quiet)) != TEST_SIM_PASSED)
            goto cleanup;
    }
    *failMs = sim.runMs;

    /* the load rejects an expect no step reaches; this is the proof */
    if (nchecked != sim.nexpects) {
        ret = TEST_SIM_FAILED_EXPECT;
        for (i = 0; !quiet && i < sim.nexpects; i++) {
            if (!sim.expects[i].checked)
                VIR_TEST_VERBOSE("\n%s:%zu: expect never checked", sim.file,
                                 sim.expects[i].lineno);
        }
        if (!quiet)
            VIR_TEST_VERBOSE("\n%s: %zu of %zu expects checked", sim.file, nchecked,
                             sim.nexpects);
        goto cleanup;
    }

    for (i = 0; i < sim.ndoms; i++) {
        testSimDomain *sd = &sim.doms[i];

        if (!sd->started)
            continue;
        if (sd->expectStart &&
            (!sd->running || sd->d.startedMs > TEST_SIM_EPOCH_MS + sd->byMs)) {
            if (!quiet)
                VIR_TEST_VERBOSE("\n%s: start %s %s", sim.file, sd->name,
                                 sd->running ? "ran too late" :
                                 sd->refused ? "was refused" : "never ran");
            ret = TEST_SIM_FAILED_START;
            goto cleanup;
        }
        if (!sd->expectStart && !sd->refused) {
            if (!quiet)
                VIR_TEST_VERBOSE("\n%s: start %s was not refused", sim.file, sd->name);
            ret = TEST_SIM_FAILED_START;
            goto cleanup;
        }
    }
    ret = TEST_SIM_PASSED;

 cleanup:
    testSimFree(&sim);
    return ret;
}


static int
testScenario(const void *opaque)
{
    const testDataLine *tc = opaque;
    g_auto(GStrv) words = testWords(tc->line);
    unsigned long long ms;

    if (!words[0] || words[1]) {
        VIR_TEST_VERBOSE("\n%s:%zu: malformed line '%s'", tc->file, tc->lineno, tc->line);
        return -1;
    }
    return testSimRun(words[0], libxlMemoryPolicyAutoDecide, false, &ms) == TEST_SIM_PASSED ?
        0 : -1;
}


/* "FILE LINE": the scenario FILE must be refused when it is loaded, for
 * its line LINE (see rejected.txt) */
static int
testRejected(const void *opaque)
{
    const testDataLine *tc = opaque;
    g_auto(GStrv) words = testWords(tc->line);
    testSim sim;
    unsigned long long want;
    size_t badLine;
    int rc;

    if (!words[0] || !words[1] || words[2] ||
        virStrToLong_ull(words[1], NULL, 10, &want) < 0 || want == 0) {
        VIR_TEST_VERBOSE("\n%s:%zu: malformed line '%s'", tc->file, tc->lineno, tc->line);
        return -1;
    }
    rc = testSimLoad(&sim, words[0], !virTestGetDebug(), &badLine);
    testSimFree(&sim);
    if (rc == 0) {
        VIR_TEST_VERBOSE("\n%s:%zu: %s was loaded; it must be refused for its line %llu",
                         tc->file, tc->lineno, words[0], want);
        return -1;
    }
    if (badLine != want) {
        VIR_TEST_VERBOSE("\n%s:%zu: %s was refused for its line %zu, not %llu",
                         tc->file, tc->lineno, words[0], badLine, want);
        return -1;
    }
    return 0;
}


/* ---------------------------------------------------------------- broken policies */

/* forgets the reserve */
static void
testBrokenNoReserve(const libxlMemoryPolicyConfig *cfg,
                    const libxlMemoryPolicyAutoHost *host,
                    libxlMemoryPolicyAutoDomain *doms,
                    size_t ndoms)
{
    libxlMemoryPolicyConfig broken = *cfg;

    broken.reserveKiB = 0;
    libxlMemoryPolicyAutoDecide(&broken, host, doms, ndoms);
}


/* pays raises out of what balloons are still to give back, as if it
 * were free already */
static void
testBrokenRaisesFirst(const libxlMemoryPolicyConfig *cfg,
                      const libxlMemoryPolicyAutoHost *host,
                      libxlMemoryPolicyAutoDomain *doms,
                      size_t ndoms)
{
    libxlMemoryPolicyAutoHost broken = *host;
    size_t i;

    for (i = 0; i < ndoms; i++) {
        if (doms[i].currentKiB > doms[i].targetKiB)
            broken.freeKiB += doms[i].currentKiB - doms[i].targetKiB;
    }
    libxlMemoryPolicyAutoDecide(cfg, &broken, doms, ndoms);
}


/* lets targets go below the floors */
static void
testBrokenNoFloor(const libxlMemoryPolicyConfig *cfg,
                  const libxlMemoryPolicyAutoHost *host,
                  libxlMemoryPolicyAutoDomain *doms,
                  size_t ndoms)
{
    unsigned long long floors[MAX_DOMS];
    size_t i;

    for (i = 0; i < ndoms; i++) {
        floors[i] = doms[i].floorKiB;
        doms[i].floorKiB = 0;
    }
    libxlMemoryPolicyAutoDecide(cfg, host, doms, ndoms);
    for (i = 0; i < ndoms; i++)
        doms[i].floorKiB = floors[i];
}


/* lets targets go above the ceilings */
static void
testBrokenNoCeiling(const libxlMemoryPolicyConfig *cfg,
                    const libxlMemoryPolicyAutoHost *host,
                    libxlMemoryPolicyAutoDomain *doms,
                    size_t ndoms)
{
    unsigned long long ceilings[MAX_DOMS];
    size_t i;

    for (i = 0; i < ndoms; i++) {
        ceilings[i] = doms[i].ceilingKiB;
        doms[i].ceilingKiB = ULLONG_MAX;
    }
    libxlMemoryPolicyAutoDecide(cfg, host, doms, ndoms);
    for (i = 0; i < ndoms; i++)
        doms[i].ceilingKiB = ceilings[i];
}


/* never gives a guest more: every raise is left unmade */
static void
testBrokenNeverRaise(const libxlMemoryPolicyConfig *cfg,
                     const libxlMemoryPolicyAutoHost *host,
                     libxlMemoryPolicyAutoDomain *doms,
                     size_t ndoms)
{
    size_t i;

    libxlMemoryPolicyAutoDecide(cfg, host, doms, ndoms);
    for (i = 0; i < ndoms; i++) {
        libxlMemoryPolicyAutoDomain *d = &doms[i];

        if (!d->setTarget || d->newTargetKiB <= d->targetKiB)
            continue;
        d->setTarget = false;
        d->newTargetKiB = d->targetKiB;
        d->reason = LIBXL_MEMORY_POLICY_REASON_KEEP;
        if (d->setMaxmem && !d->state.stuck)
            d->maxmemKiB = d->targetKiB;
        if (d->setPaging && d->pagingKiB > d->targetKiB) {
            d->setPaging = false;
            d->pagingKiB = d->pagingTargetKiB;
        }
    }
}


/* leaves maxmem alone when a balloon is stuck above its target, so that
 * what the guest may still take is not held to what it has */
static void
testBrokenNoMaxmemClip(const libxlMemoryPolicyConfig *cfg,
                       const libxlMemoryPolicyAutoHost *host,
                       libxlMemoryPolicyAutoDomain *doms,
                       size_t ndoms)
{
    size_t i;

    libxlMemoryPolicyAutoDecide(cfg, host, doms, ndoms);
    for (i = 0; i < ndoms; i++) {
        libxlMemoryPolicyAutoDomain *d = &doms[i];

        if (d->setMaxmem && d->state.stuck && d->currentKiB > d->targetKiB) {
            d->setMaxmem = false;
            d->maxmemKiB = 0;
        }
    }
}


typedef struct {
    const char *name;       /* as broken.txt names it */
    testPolicyFunc policy;
} testBroken;

static const testBroken testBrokenPolicies[] = {
    { "no-reserve", testBrokenNoReserve },
    { "raises-first", testBrokenRaisesFirst },
    { "no-floor", testBrokenNoFloor },
    { "no-ceiling", testBrokenNoCeiling },
    { "never-raise", testBrokenNeverRaise },
    { "no-maxmem-clip", testBrokenNoMaxmemClip },
};

/* which of them broken.txt has named, so that none goes untried */
static bool testBrokenNamed[G_N_ELEMENTS(testBrokenPolicies)];


/*
 * "POLICY KIND[,KIND...]" (broken.txt): every scenario of scenarios.txt
 * under the broken POLICY; at least one must fail, and by a check of one
 * of the KINDs, the first that fails in its run.  A failure of another
 * kind, an expect say, would not show that the check meant to catch the
 * breakage can fail at all.
 */
static int
testBrokenPolicy(const void *opaque)
{
    const testDataLine *tc = opaque;
    g_auto(GStrv) words = testWords(tc->line);
    g_autofree char *path = g_strdup_printf("%s/%s/scenarios.txt", abs_srcdir, DATADIR);
    g_autofree char *content = NULL;
    g_auto(GStrv) lines = NULL;
    g_auto(GStrv) kinds = NULL;
    g_autoptr(GString) report = g_string_new(NULL);
    const testBroken *broken = NULL;
    unsigned int want = 0;
    size_t caught = 0;
    size_t i;

    if (!words[0] || !words[1] || words[2])
        goto malformed;
    for (i = 0; i < G_N_ELEMENTS(testBrokenPolicies); i++) {
        if (STREQ(testBrokenPolicies[i].name, words[0])) {
            broken = &testBrokenPolicies[i];
            testBrokenNamed[i] = true;
        }
    }
    if (!broken)
        goto malformed;
    kinds = g_strsplit(words[1], ",", -1);
    for (i = 0; kinds[i]; i++) {
        int kind = testSimFailureTypeFromString(kinds[i]);

        if (kind <= TEST_SIM_FAILED_LOAD)
            goto malformed;
        want |= 1U << kind;
    }
    if (!want)
        goto malformed;

    if (virTestLoadFile(path, &content) < 0)
        return -1;
    lines = g_strsplit(content, "\n", -1);
    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) scenario = testWords(lines[i]);
        testSimFailure kind;
        unsigned long long ms;

        if (!scenario[0] || *scenario[0] == '#')
            continue;
        kind = testSimRun(scenario[0], broken->policy, true, &ms);
        if (kind == TEST_SIM_PASSED) {
            g_string_append_printf(report, "\n%s: %s passes", broken->name, scenario[0]);
        } else if (want & (1U << kind)) {
            g_string_append_printf(report, "\n%s: caught by %s: %s failed at %llu s",
                                   broken->name, scenario[0],
                                   testSimFailureDescribe(kind), ms / 1000);
            caught++;
        } else {
            g_string_append_printf(report, "\n%s: %s fails %s at %llu s, not a check that must catch it",
                                   broken->name, scenario[0],
                                   testSimFailureDescribe(kind), ms / 1000);
        }
    }
    VIR_TEST_VERBOSE("%s", report->str);
    if (caught == 0) {
        VIR_TEST_VERBOSE("%s:%zu: no scenario catches the broken policy %s by %s",
                         tc->file, tc->lineno, broken->name, words[1]);
        return -1;
    }
    return 0;

 malformed:
    VIR_TEST_VERBOSE("\n%s:%zu: malformed case '%s'", tc->file, tc->lineno, tc->line);
    return -1;
}


/* A broken policy that broken.txt does not name would never be tried */
static int
testBrokenAllNamed(const void *opaque G_GNUC_UNUSED)
{
    size_t i;
    int ret = 0;

    for (i = 0; i < G_N_ELEMENTS(testBrokenPolicies); i++) {
        if (!testBrokenNamed[i]) {
            VIR_TEST_VERBOSE("\nbroken.txt does not name the broken policy %s",
                             testBrokenPolicies[i].name);
            ret = -1;
        }
    }
    return ret;
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
    if (testRunDataLines(DATADIR, "scenarios.txt", testScenario) < 0)
        ret = -1;
    if (testRunDataLines(DATADIR, "rejected.txt", testRejected) < 0)
        ret = -1;
    if (testRunDataLines(DATADIR, "broken.txt", testBrokenPolicy) < 0)
        ret = -1;
    if (virTestRun("every broken policy tried", testBrokenAllNamed, NULL) < 0)
        ret = -1;

    return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

VIR_TEST_MAIN(mymain)
