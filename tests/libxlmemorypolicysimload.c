/*
 * libxlmemorypolicysimload.c: scenario files of the memory policy's
 * simulated host, read and checked
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
#include "libxlmemorypolicysim.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE


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
const char *
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


void
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
unsigned long long
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
int
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
