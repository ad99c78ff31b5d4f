/*
 * libxl_balloon_event.c: VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE for Xen domains
 *
 * A guest's balloon driver moves its allocation without telling dom0, so
 * the hypervisor is polled: one domain list a second, whatever the number
 * of domains, and an event for each domain whose allocation changed since
 * the last poll.  The poll period is also the rate limit: at most one
 * event a second per domain, however fast a balloon moves.
 *
 * The poll runs in a thread of its own, not on the event loop: mapping a
 * domain ID to its object locks domain objects one by one, and a domain
 * may be locked by a thread that waits; the event loop must never wait
 * behind it (RPC I/O, keepalives and libxl's fd events run there).
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

#include <libxl.h>

#include "libxl_balloon_event.h"
#include "libxl_conf.h"
#include "libxl_fork_guard.h"
#include "domain_event.h"
#include "virlog.h"
#include "virthread.h"
#include "virtime.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("libxl.libxl_balloon_event");

#define LIBXL_BALLOON_EVENTS_POLL_MS 1000

struct _libxlBalloonEvents {
    libxlDriverPrivate *driver;
    virMutex lock;
    virCond cond;
    bool quit;              /* under lock */
    virThread thread;
    /* domid -> allocation in KiB at the last poll; only the poller
     * thread touches it */
    GHashTable *last;
};


static void
libxlBalloonEventsEmit(libxlDriverPrivate *driver,
                       int domid,
                       unsigned long long currentKiB)
{
    virDomainObj *vm = virDomainObjListFindByID(driver->domains, domid);
    virObjectEvent *event = NULL;

    if (!vm)
        return;
    if (virDomainObjIsActive(vm))
        event = virDomainEventBalloonChangeNewFromObj(vm, currentKiB);
    virDomainObjEndAPI(&vm);
    virObjectEventStateQueue(driver->domainEventState, event);
}


static void
libxlBalloonEventsPoll(libxlBalloonEvents *events)
{
    g_autoptr(libxlDriverConfig) cfg = libxlDriverConfigGet(events->driver);
    GHashTable *now;
    libxl_dominfo *list;
    int n = 0;
    int i;

    /* a hypercall: out of libxl's forks (libxl_fork_guard.c) */
    libxlForkGuardEnter();
    list = libxl_list_domain(cfg->ctx, &n);
    libxlForkGuardLeave();
    if (!list)
        return;

    now = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    for (i = 0; i < n; i++) {
        unsigned long long *before = g_hash_table_lookup(events->last,
                                                         GINT_TO_POINTER(list[i].domid));
        unsigned long long *current = g_new(unsigned long long, 1);

        *current = list[i].current_memkb;
        /* a domain seen for the first time has nothing to compare with */
        if (before && *before != *current)
            libxlBalloonEventsEmit(events->driver, list[i].domid, *current);
        g_hash_table_insert(now, GINT_TO_POINTER(list[i].domid), current);
    }
    libxl_dominfo_list_free(list, n);

    g_hash_table_destroy(events->last);
    events->last = now;
}


static void
libxlBalloonEventsThread(void *opaque)
{
    libxlBalloonEvents *events = opaque;
    unsigned long long now;

    virMutexLock(&events->lock);
    while (!events->quit) {
        if (virTimeMillisNow(&now) < 0)
            break;
        /* woken early only to quit */
        if (virCondWaitUntil(&events->cond, &events->lock,
                             now + LIBXL_BALLOON_EVENTS_POLL_MS) < 0 &&
            errno != ETIMEDOUT)
            break;
        if (events->quit)
            break;
        virMutexUnlock(&events->lock);
        libxlBalloonEventsPoll(events);
        virMutexLock(&events->lock);
    }
    virMutexUnlock(&events->lock);
}


libxlBalloonEvents *
libxlBalloonEventsNew(struct _libxlDriverPrivate *driver)
{
    libxlBalloonEvents *events = g_new0(libxlBalloonEvents, 1);

    events->driver = driver;
    if (libxlForkGuardInit() != 0)
        VIR_WARN("cannot keep the balloon change poll out of forks: a fork during it may hang");
    events->last = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    if (virMutexInit(&events->lock) < 0) {
        g_hash_table_destroy(events->last);
        g_free(events);
        return NULL;
    }
    if (virCondInit(&events->cond) < 0) {
        virMutexDestroy(&events->lock);
        g_hash_table_destroy(events->last);
        g_free(events);
        return NULL;
    }
    if (virThreadCreateFull(&events->thread, true, libxlBalloonEventsThread,
                            "libxl-balloon", false, events) < 0) {
        VIR_WARN("cannot poll domains' allocations: no balloon change events");
        virCondDestroy(&events->cond);
        virMutexDestroy(&events->lock);
        g_hash_table_destroy(events->last);
        g_free(events);
        return NULL;
    }
    return events;
}


void
libxlBalloonEventsFree(libxlBalloonEvents *events)
{
    if (!events)
        return;
    virMutexLock(&events->lock);
    events->quit = true;
    virCondSignal(&events->cond);
    virMutexUnlock(&events->lock);
    virThreadJoin(&events->thread);

    virCondDestroy(&events->cond);
    virMutexDestroy(&events->lock);
    g_hash_table_destroy(events->last);
    g_free(events);
}
