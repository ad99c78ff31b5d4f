/*
 * libxlforkguardtest.c: no guarded call is in flight in a forked child
 *
 * Threads stand in for the driver's pollers: each loops entering the
 * guard, marking itself inside a "hypercall" for a while, and leaving.
 * The main thread forks, or several threads at once; each child reports
 * whether any of them was inside when it was forked (a lock they held
 * would be held for good in the child).  Without the guard's handlers
 * nearly every fork lands in a call; with them none may.  A call that
 * never returns must delay a fork by the guard's bound, and not block
 * it; a fork from inside a call must not wait for that call.
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

#include <pthread.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutils.h"
#include "libxl/libxl_fork_guard.h"

#define VIR_FROM_THIS VIR_FROM_NONE

#define THREADS 4
#define FORKS 200
#define FORKERS 4

static volatile int testInside[THREADS];
static volatile bool testStop;
static volatile bool testGuarded;


static unsigned long long
testNowUs(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}


static void
testSpinUs(unsigned long long us)
{
    unsigned long long end = testNowUs() + us;

    while (testNowUs() < end)
        ;
}


static void *
testPoller(void *opaque)
{
    int *slot = opaque;

    while (!testStop) {
        bool guarded = testGuarded;

        if (guarded)
            libxlForkGuardEnter();
        testInside[*slot] = 1;
        testSpinUs(200);
        testInside[*slot] = 0;
        if (guarded)
            libxlForkGuardLeave();
        testSpinUs(20);
    }
    return NULL;
}


/* N forks; how many children found a poller inside a call, or -1 */
static int
testForkSome(int n)
{
    int caught = 0;
    int i;

    for (i = 0; i < n; i++) {
        int status;
        pid_t pid = fork();
        size_t j;

        if (pid < 0)
            return -1;
        if (pid == 0) {
            for (j = 0; j < THREADS; j++) {
                if (testInside[j])
                    _exit(1);
            }
            _exit(libxlForkGuardInside() == 0 ? 0 : 2);
        }
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
            return -1;
        if (WEXITSTATUS(status) != 0)
            caught++;
    }
    return caught;
}


static void *
testForker(void *opaque)
{
    int *caught = opaque;

    *caught = testForkSome(FORKS / FORKERS);
    return NULL;
}


/* FORKS forks from FORKERS threads at once while the pollers run; how
 * many children found one of them inside a call, or -1 */
static int
testForks(bool guarded, size_t forkers)
{
    pthread_t threads[THREADS];
    pthread_t forking[FORKERS];
    int slots[THREADS];
    int caught[FORKERS];
    int total = 0;
    size_t i;

    testGuarded = guarded;
    testStop = false;
    for (i = 0; i < THREADS; i++) {
        slots[i] = i;
        if (pthread_create(&threads[i], NULL, testPoller, &slots[i]) != 0)
            return -1;
    }
    if (forkers == 1) {
        total = testForkSome(FORKS);
    } else {
        for (i = 0; i < forkers; i++) {
            if (pthread_create(&forking[i], NULL, testForker, &caught[i]) != 0)
                return -1;
        }
        for (i = 0; i < forkers; i++) {
            pthread_join(forking[i], NULL);
            if (caught[i] < 0 || total < 0)
                total = -1;
            else
                total += caught[i];
        }
    }
    testStop = true;
    for (i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    return total;
}


static int
testGuardExcludes(const void *opaque G_GNUC_UNUSED)
{
    int unguarded = testForks(false, 1);
    int guarded = testForks(true, 1);

    VIR_TEST_VERBOSE("\n%d of %d forks landed in a call unguarded, %d guarded",
                     unguarded, FORKS, guarded);
    /* without the guard the test itself must be able to catch a fork in
     * a call, or a guarded 0 proves nothing */
    if (unguarded <= 0 || guarded != 0)
        return -1;
    return 0;
}


/* Forks of several threads prepare at once, each waiting with the
 * guard's lock released: still none lands in a call */
static int
testGuardConcurrentForks(const void *opaque G_GNUC_UNUSED)
{
    int unguarded = testForks(false, FORKERS);
    int guarded = testForks(true, FORKERS);

    VIR_TEST_VERBOSE("\n%d of %d forks of %d threads landed in a call unguarded, %d guarded",
                     unguarded, FORKS, FORKERS, guarded);
    if (unguarded <= 0 || guarded != 0)
        return -1;
    return 0;
}


/* A fork from inside a guarded call: its own call cannot end before
 * the fork does, so the fork must not wait for it */
static int
testGuardForkInside(const void *opaque G_GNUC_UNUSED)
{
    unsigned long long t0;
    unsigned long long took;
    int status;
    pid_t pid;

    libxlForkGuardEnter();
    t0 = testNowUs();
    if ((pid = fork()) == 0)
        _exit(libxlForkGuardInside() == 1 ? 0 : 1);
    took = testNowUs() - t0;
    libxlForkGuardLeave();
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    VIR_TEST_VERBOSE("\na fork from inside a call took %llu ms; the child had %s call",
                     took / 1000, WEXITSTATUS(status) == 0 ? "its" : "not its");
    if (took >= LIBXL_FORK_GUARD_WAIT_MS * 1000ULL / 2 || WEXITSTATUS(status) != 0)
        return -1;
    return libxlForkGuardInside() == 0 ? 0 : -1;
}


static void *
testForkOnce(void *opaque)
{
    pid_t *pid = opaque;

    if ((*pid = fork()) == 0)
        _exit(0);
    return NULL;
}


/* A thread inside a call that enters another while a fork waits for
 * its first: the fork cannot go before the outer call ends, so the
 * inner one must not wait for the fork */
static int
testGuardNested(const void *opaque G_GNUC_UNUSED)
{
    pthread_t forker;
    unsigned long long t0;
    unsigned long long took;
    int status;
    pid_t pid = -1;

    libxlForkGuardEnter();
    if (pthread_create(&forker, NULL, testForkOnce, &pid) != 0)
        return -1;
    while (libxlForkGuardPending() == 0)
        usleep(1000);
    t0 = testNowUs();
    libxlForkGuardEnter();
    took = testNowUs() - t0;
    libxlForkGuardLeave();
    libxlForkGuardLeave();
    pthread_join(forker, NULL);
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    VIR_TEST_VERBOSE("\nthe inner call waited %llu ms for the fork", took / 1000);
    if (took >= LIBXL_FORK_GUARD_WAIT_MS * 1000ULL / 2)
        return -1;
    return libxlForkGuardInside() == 0 && libxlForkGuardPending() == 0 ? 0 : -1;
}


static void *
testStuckCall(void *opaque G_GNUC_UNUSED)
{
    libxlForkGuardEnter();
    while (!testStop)
        usleep(1000);
    libxlForkGuardLeave();
    return NULL;
}


static int
testGuardBounded(const void *opaque G_GNUC_UNUSED)
{
    pthread_t thread;
    unsigned long long t0;
    unsigned long long took;
    int status;
    pid_t pid;

    testStop = false;
    if (pthread_create(&thread, NULL, testStuckCall, NULL) != 0)
        return -1;
    while (libxlForkGuardInside() == 0)
        usleep(1000);
    t0 = testNowUs();
    if ((pid = fork()) == 0)
        _exit(0);
    took = testNowUs() - t0;
    testStop = true;
    pthread_join(thread, NULL);
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    VIR_TEST_VERBOSE("\na call in flight for good delayed the fork by %llu ms", took / 1000);
    if (took < LIBXL_FORK_GUARD_WAIT_MS * 1000ULL / 2 ||
        took > LIBXL_FORK_GUARD_WAIT_MS * 1000ULL * 20)
        return -1;
    /* and the calls go on afterwards */
    libxlForkGuardEnter();
    libxlForkGuardLeave();
    return libxlForkGuardInside() == 0 ? 0 : -1;
}


static int
mymain(void)
{
    int ret = 0;

    /* first, before anything registers the handlers: a guarded call
     * registers them itself, or a call before the driver's threads
     * start would guard nothing */
    if (virTestRun("a stuck call delays a fork, boundedly", testGuardBounded, NULL) < 0)
        ret = -1;
    if (libxlForkGuardInit() != 0) {
        fprintf(stderr, "cannot register the fork guard\n");
        return EXIT_FAILURE;
    }
    if (virTestRun("guarded calls are out of every fork", testGuardExcludes, NULL) < 0)
        ret = -1;
    if (virTestRun("forks of several threads at once", testGuardConcurrentForks, NULL) < 0)
        ret = -1;
    if (virTestRun("a fork from inside a call does not wait for it", testGuardForkInside, NULL) < 0)
        ret = -1;
    if (virTestRun("a call inside a call does not wait for a fork", testGuardNested, NULL) < 0)
        ret = -1;
    return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

VIR_TEST_MAIN(mymain)
