/*
 * libxlmemorypolicysimtest.c: the memory policy actors on a simulated host
 *
 * From tests/libxlmemorypolicydata:
 *
 *  - scenarios (scenarios.txt names them): a small host simulated second
 *    by second (libxlmemorypolicysim*.c), with balloon drivers that are
 *    quick, slow, stuck, give only part of what they are asked or take
 *    all that maxmem allows whatever they are asked, guests whose
 *    statistics follow a workload or lie, and starts waiting for memory.
 *    Each step calls the policy, applies what it decides, moves the
 *    balloons and checks the invariants.  The same scenarios run under
 *    deliberately broken policies (broken.txt), each of which must fail
 *    at least one of them, and by the kind of check it is meant to trip:
 *    a checker that cannot fail proves nothing;
 *  - scenario files the loader must refuse (rejected.txt names them).
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
#include "libxlmemorypolicysim.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE


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
