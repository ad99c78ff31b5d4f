/*
 * libxlmemorypolicysim.h: a small host simulated second by second
 * under a memory policy, for the policy's scenario tests
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

#pragma once

#include "libxlmemorypolicytestvalues.h"
#include "virenum.h"

#define MAX_POINTS 32
#define MAX_EXPECTS 32
#define MAX_EVENTS 8

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

const char *testSimFailureDescribe(testSimFailure kind);
void testSimFree(testSim *sim);
unsigned long long testSimUsed(const testSimDomain *sd, unsigned long long ms);
int testSimLoad(testSim *sim, const char *name, bool quiet, size_t *badLine);

testSimFailure testSimRun(const char *name,
                          testPolicyFunc policy,
                          bool quiet,
                          unsigned long long *failMs);
