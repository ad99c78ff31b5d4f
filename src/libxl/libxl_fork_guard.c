/*
 * libxl_fork_guard.c: keep the driver's own hypercalls out of forks
 *
 * libxl destroys a domain in a child it forks (libxl__ev_child_fork),
 * and that child makes hypercalls through a fresh handle of libxencall,
 * whose buffer cache has one lock for the whole process.  A fork while
 * another thread holds that lock, in the middle of a hypercall, leaves
 * it held for good in the child: the child never exits, and the destroy
 * waits for it forever, dom0 idle.  The driver's own threads poll the
 * hypervisor every second (balloon change events, the memory policy
 * actors), so a destroy can fork during one of their calls.
 *
 * Those calls are made inside libxlForkGuardEnter()/Leave(), and a
 * pthread_atfork() handler makes every fork of the process wait until no
 * call is inside, holding new ones back until the fork is done.  So are
 * the openings and closings of the driver's own xenstore handles: they
 * take libxentoolcore's lock of all handles, which every child of libxl
 * takes again at once (xs_daemon_destroy_postfork() closes its copy of
 * libxl's handle) and the destroy child once more to open its own.  The
 * wait is bounded (LIBXL_FORK_GUARD_WAIT_MS): a guarded call that waits
 * on the forking thread itself (a log lock virFork() holds, say) delays
 * the fork and cannot deadlock it; a fork from inside a guarded call
 * waits for the other threads' calls only.  Only calls that take no lock of
 * libxl's may be guarded: libxl forks with its context locked.
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
#include <time.h>

#include "libxl_fork_guard.h"

static pthread_mutex_t libxlForkGuardLock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t libxlForkGuardCond = PTHREAD_COND_INITIALIZER;
static unsigned int libxlForkGuardCalls;    /* guarded calls in flight */
static unsigned int libxlForkGuardForks;    /* forks being prepared */
/* the calling thread's own guarded calls: a fork from inside one cannot
 * wait for it to end */
static __thread unsigned int libxlForkGuardMine;
static pthread_once_t libxlForkGuardOnce = PTHREAD_ONCE_INIT;
static int libxlForkGuardRegistered = -1;


/* The bound on a fork's wait is kept on the monotonic clock: a wall
 * clock stepped back would hold the fork, and the locks its thread holds,
 * for as long as the step.  Where the condition cannot take that clock,
 * the bound is read on the one it has, so that the fork still waits. */
static clockid_t libxlForkGuardClock = CLOCK_MONOTONIC;

static void
libxlForkGuardCondInit(void)
{
    pthread_condattr_t attr;

    pthread_condattr_init(&attr);
    if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0)
        libxlForkGuardClock = CLOCK_REALTIME;
    pthread_cond_init(&libxlForkGuardCond, &attr);
    pthread_condattr_destroy(&attr);
}


static void
libxlForkGuardPrepare(void)
{
    struct timespec until;

    pthread_mutex_lock(&libxlForkGuardLock);
    /* a count, not a flag: forks of several threads prepare at once
     * (each waits with the lock released), and the first one done would
     * let new calls in while the others wait, which could hold them up
     * to the bound and then fork them in a call */
    libxlForkGuardForks++;
    clock_gettime(libxlForkGuardClock, &until);
    until.tv_nsec += (LIBXL_FORK_GUARD_WAIT_MS % 1000) * 1000000L;
    until.tv_sec += LIBXL_FORK_GUARD_WAIT_MS / 1000 + until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    while (libxlForkGuardCalls > libxlForkGuardMine) {
        if (pthread_cond_timedwait(&libxlForkGuardCond, &libxlForkGuardLock,
                                   &until) != 0)
            break;
    }
    /* held across the fork: no call starts until it is done */
}


static void
libxlForkGuardParent(void)
{
    if (--libxlForkGuardForks == 0)
        pthread_cond_broadcast(&libxlForkGuardCond);
    pthread_mutex_unlock(&libxlForkGuardLock);
}


static void
libxlForkGuardChild(void)
{
    /* the child runs the forking thread alone: only its own calls are in
     * flight.  The lock and the condition are made anew: the condition
     * may count waiters of threads the child does not have, and the
     * lock is the one the prepare handler took */
    pthread_mutex_init(&libxlForkGuardLock, NULL);
    libxlForkGuardCondInit();
    libxlForkGuardCalls = libxlForkGuardMine;
    libxlForkGuardForks = 0;
}


static void
libxlForkGuardRegister(void)
{
    /* before any guarded call or fork can wait on it */
    libxlForkGuardCondInit();
    libxlForkGuardRegistered = pthread_atfork(libxlForkGuardPrepare,
                                              libxlForkGuardParent,
                                              libxlForkGuardChild);
}


/**
 * libxlForkGuardInit:
 *
 * Makes every fork of the process wait for the guarded calls in flight;
 * once per process, whoever calls it or libxlForkGuardEnter() first.
 * Returns 0, or an errno value if the handlers could not be registered
 * (the calls then run unguarded, as without it).
 */
int
libxlForkGuardInit(void)
{
    pthread_once(&libxlForkGuardOnce, libxlForkGuardRegister);
    return libxlForkGuardRegistered;
}


void
libxlForkGuardEnter(void)
{
    /* a guard whose handlers are not registered yet would guard nothing */
    pthread_once(&libxlForkGuardOnce, libxlForkGuardRegister);

    pthread_mutex_lock(&libxlForkGuardLock);
    /* a thread inside a call already goes on: the fork waits for its
     * outer call, which could not end */
    while (libxlForkGuardForks > 0 && libxlForkGuardMine == 0)
        pthread_cond_wait(&libxlForkGuardCond, &libxlForkGuardLock);
    libxlForkGuardCalls++;
    libxlForkGuardMine++;
    pthread_mutex_unlock(&libxlForkGuardLock);
}


void
libxlForkGuardLeave(void)
{
    pthread_mutex_lock(&libxlForkGuardLock);
    if (libxlForkGuardMine > 0)
        libxlForkGuardMine--;
    if (libxlForkGuardCalls > 0)
        libxlForkGuardCalls--;
    /* a fork waits for the calls of the other threads to end, which is
     * not always all of them */
    if (libxlForkGuardForks > 0)
        pthread_cond_broadcast(&libxlForkGuardCond);
    pthread_mutex_unlock(&libxlForkGuardLock);
}


static unsigned int
libxlForkGuardRead(const unsigned int *count)
{
    unsigned int n;

    pthread_mutex_lock(&libxlForkGuardLock);
    n = *count;
    pthread_mutex_unlock(&libxlForkGuardLock);
    return n;
}


/* The guarded calls in flight, for the tests */
unsigned int
libxlForkGuardInside(void)
{
    return libxlForkGuardRead(&libxlForkGuardCalls);
}


/* The forks waiting for calls to end, for the tests */
unsigned int
libxlForkGuardPending(void)
{
    return libxlForkGuardRead(&libxlForkGuardForks);
}
