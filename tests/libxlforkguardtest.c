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


/* A thread that holds a guarded call until told to leave it */
typedef struct {
    pthread_t thread;
    volatile bool inside;
    volatile bool leave;
} testHolder;

static void *
testHold(void *opaque)
{
    testHolder *h = opaque;

    libxlForkGuardEnter();
    h->inside = true;
    while (!h->leave)
        usleep(1000);
    h->inside = false;
    libxlForkGuardLeave();
    return NULL;
}

static int
testHolderStart(testHolder *h)
{
    h->inside = false;
    h->leave = false;
    if (pthread_create(&h->thread, NULL, testHold, h) != 0)
        return -1;
    while (!h->inside)
        usleep(1000);
    return 0;
}

static void
testHolderStop(testHolder *h)
{
    h->leave = true;
    pthread_join(h->thread, NULL);
}


/* fork(); the child exits 0 if none of the holders (C may be NULL) is
 * inside its call and the guard counts CALLS in flight, 1 otherwise;
 * the parent returns the child's exit status, or -1 */
static int
testForkChecking(testHolder *a, testHolder *b, testHolder *c,
                 unsigned int calls, unsigned long long *tookUs)
{
    unsigned long long t0 = testNowUs();
    int status;
    pid_t pid;

    if ((pid = fork()) == 0)
        _exit(!a->inside && !b->inside && !(c && c->inside) &&
              libxlForkGuardInside() == calls ? 0 : 1);
    if (tookUs)
        *tookUs = testNowUs() - t0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}


/* Waits until N forks wait for calls to end, at most 2 s: a guard
 * that gets them wrong may never show N.  Returns whether they did. */
static bool
testWaitPending(unsigned int n)
{
    unsigned long long until = testNowUs() + 2000000;

    while (libxlForkGuardPending() < n && testNowUs() < until)
        usleep(1000);
    return libxlForkGuardPending() >= n;
}


/* The other thread of testGuardForkInside: lets the holder go once the
 * fork waits for it, and says whether it did */
static volatile bool testReleaseSawFork;

static void *
testReleaseWhenPending(void *opaque)
{
    testHolder *h = opaque;

    testReleaseSawFork = testWaitPending(1);
    h->leave = true;
    return NULL;
}


/* A fork from inside a guarded call: its own call cannot end before
 * the fork does, so the fork must not wait for it, but it waits for
 * another thread's, and goes as soon as that one ends; the child has
 * its own call and not the other */
static int
testGuardForkInside(const void *opaque G_GNUC_UNUSED)
{
    testHolder other;
    pthread_t releaser;
    unsigned long long alone;
    unsigned long long beside;
    int alone_rc;
    int beside_rc;
    testHolder none = { .inside = false };

    libxlForkGuardEnter();
    alone_rc = testForkChecking(&none, &none, NULL, 1, &alone);
    libxlForkGuardLeave();

    if (testHolderStart(&other) < 0)
        return -1;
    if (pthread_create(&releaser, NULL, testReleaseWhenPending, &other) != 0)
        return -1;
    libxlForkGuardEnter();
    beside_rc = testForkChecking(&other, &none, NULL, 1, &beside);
    libxlForkGuardLeave();
    pthread_join(releaser, NULL);
    testHolderStop(&other);

    VIR_TEST_VERBOSE("\na fork from inside a call took %llu ms (child %s), beside another thread's call %llu ms (child %s)",
                     alone / 1000, alone_rc == 0 ? "right" : "wrong",
                     beside / 1000, beside_rc == 0 ? "right" : "wrong");
    if (!testReleaseSawFork)
        VIR_TEST_VERBOSE("\nthe fork beside another thread's call never waited for it");
    if (alone_rc != 0 || beside_rc != 0 || !testReleaseSawFork ||
        alone >= LIBXL_FORK_GUARD_WAIT_MS * 1000ULL / 2 ||
        beside >= LIBXL_FORK_GUARD_WAIT_MS * 1000ULL / 2)
        return -1;
    return libxlForkGuardInside() == 0 ? 0 : -1;
}


/*
 * Two forks wait at once: F1 from inside a call of its own, F2 from
 * outside, both for a holder's call.  Once the holder leaves, F1 can go
 * and F2 cannot, F1's call being in flight.  A thread W that wants in
 * meanwhile must wait for F2 too: were the forks a flag, F1's fork
 * would let W in, F2 would wait for W until its bound and fork with W
 * inside.  F1 leaves its call once W is in, or after 200 ms.  (A flag
 * never shows two forks waiting either: the holder is then let go only
 * after the forks' bound, and both fork in its call.)
 */
typedef struct {
    testHolder *holder;
    testHolder *w;
    testHolder *other;              /* F2: F1's call, which its fork must
                                     * not see; F1: none */
    testHolder call;                /* F1: its own call, inside from its
                                     * Enter to its Leave */
    int rc;
    unsigned long long tookUs;
} testForker2;

static volatile int testForksDone;

static void *
testForkFromInside(void *opaque)
{
    testForker2 *f = opaque;
    unsigned long long until;

    libxlForkGuardEnter();
    f->call.inside = true;
    f->rc = testForkChecking(f->holder, f->w, NULL, 1, &f->tookUs);
    until = testNowUs() + 200000;
    while (!f->w->inside && testNowUs() < until)
        usleep(1000);
    f->call.inside = false;
    libxlForkGuardLeave();
    __atomic_add_fetch(&testForksDone, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void *
testForkFromOutside(void *opaque)
{
    testForker2 *f = opaque;

    /* F1's call, in flight when F2 could have forked, is as bad as any */
    f->rc = testForkChecking(f->holder, f->w, f->other, 0, &f->tookUs);
    __atomic_add_fetch(&testForksDone, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* W: in as soon as the guard lets it, out once both forks are done */
static void *
testWantIn(void *opaque)
{
    testHolder *w = opaque;

    libxlForkGuardEnter();
    w->inside = true;
    while (__atomic_load_n(&testForksDone, __ATOMIC_SEQ_CST) < 2)
        usleep(1000);
    w->inside = false;
    libxlForkGuardLeave();
    return NULL;
}

static int
testGuardForksCounted(const void *opaque G_GNUC_UNUSED)
{
    testHolder holder;
    testHolder w = { .inside = false };
    testForker2 f1 = { .holder = &holder, .w = &w, .rc = -1 };
    testForker2 f2 = { .holder = &holder, .w = &w, .other = &f1.call, .rc = -1 };
    pthread_t t1;
    pthread_t t2;
    bool waited;

    testForksDone = 0;
    /* F1 waits first: F2 waiting before F1 is inside its call would
     * hold F1's call back instead */
    if (testHolderStart(&holder) < 0 ||
        pthread_create(&t1, NULL, testForkFromInside, &f1) != 0)
        return -1;
    waited = testWaitPending(1);
    if (pthread_create(&t2, NULL, testForkFromOutside, &f2) != 0)
        return -1;
    waited = testWaitPending(2) && waited;
    if (pthread_create(&w.thread, NULL, testWantIn, &w) != 0)
        return -1;
    testHolderStop(&holder);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    pthread_join(w.thread, NULL);

    VIR_TEST_VERBOSE("\nF1 forked in %llu ms (child %s), F2 in %llu ms (child %s)",
                     f1.tookUs / 1000, f1.rc == 0 ? "right" : "saw a call inside",
                     f2.tookUs / 1000, f2.rc == 0 ? "right" : "saw a call inside");
    if (!waited)
        VIR_TEST_VERBOSE("\nthe two forks were never seen waiting at once");
    /* F1 goes once the holder leaves, not at its bound */
    if (!waited || f1.rc != 0 || f2.rc != 0 ||
        f1.tookUs >= LIBXL_FORK_GUARD_WAIT_MS * 1000ULL / 2)
        return -1;
    return libxlForkGuardInside() == 0 && libxlForkGuardPending() == 0 ? 0 : -1;
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
    bool waited;

    libxlForkGuardEnter();
    if (pthread_create(&forker, NULL, testForkOnce, &pid) != 0)
        return -1;
    /* without a fork waiting, the inner call would prove nothing */
    waited = testWaitPending(1);
    t0 = testNowUs();
    libxlForkGuardEnter();
    took = testNowUs() - t0;
    libxlForkGuardLeave();
    libxlForkGuardLeave();
    pthread_join(forker, NULL);
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    VIR_TEST_VERBOSE("\nthe inner call waited %llu ms for the fork (%s)", took / 1000,
                     waited ? "it waited" : "never seen waiting");
    if (!waited || took >= LIBXL_FORK_GUARD_WAIT_MS * 1000ULL / 2)
        return -1;
    return libxlForkGuardInside() == 0 && libxlForkGuardPending() == 0 ? 0 : -1;
}


static int
testGuardBounded(const void *opaque G_GNUC_UNUSED)
{
    testHolder stuck;
    unsigned long long t0;
    unsigned long long took;
    int status;
    pid_t pid;

    if (testHolderStart(&stuck) < 0)
        return -1;
    t0 = testNowUs();
    if ((pid = fork()) == 0)
        _exit(0);
    took = testNowUs() - t0;
    testHolderStop(&stuck);
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
    if (virTestRun("a fork waiting beside another keeps calls out", testGuardForksCounted, NULL) < 0)
        ret = -1;
    if (virTestRun("a fork from inside a call does not wait for it", testGuardForkInside, NULL) < 0)
        ret = -1;
    if (virTestRun("a call inside a call does not wait for a fork", testGuardNested, NULL) < 0)
        ret = -1;
    return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

VIR_TEST_MAIN(mymain)
