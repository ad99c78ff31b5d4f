/*
 * libxl_balloon_event.c: VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE for Xen domains
 *
 * A guest's balloon driver moves its allocation without telling dom0, so
 * the hypervisor is polled: one domain list a second, whatever the number
 * of domains, and an event for each domain whose allocation changed since
 * the last poll.  The poll period is also the rate limit: at most one
 * event a second per domain, however fast a balloon moves.
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
#include "domain_event.h"
#include "virevent.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("libxl.libxl_balloon_event");

#define LIBXL_BALLOON_EVENTS_POLL_MS 1000

struct _libxlBalloonEvents {
    libxlDriverPrivate *driver;
    int timer;
    /* domid -> allocation in KiB at the last poll; only the event loop
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
libxlBalloonEventsPoll(int timer G_GNUC_UNUSED, void *opaque)
{
    libxlBalloonEvents *events = opaque;
    g_autoptr(libxlDriverConfig) cfg = libxlDriverConfigGet(events->driver);
    GHashTable *now;
    libxl_dominfo *list;
    int n = 0;
    int i;

    if (!(list = libxl_list_domain(cfg->ctx, &n)))
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


libxlBalloonEvents *
libxlBalloonEventsNew(struct _libxlDriverPrivate *driver)
{
    libxlBalloonEvents *events = g_new0(libxlBalloonEvents, 1);

    events->driver = driver;
    events->last = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    if ((events->timer = virEventAddTimeout(LIBXL_BALLOON_EVENTS_POLL_MS,
                                            libxlBalloonEventsPoll,
                                            events, NULL)) < 0) {
        VIR_WARN("cannot poll domains' allocations: no balloon change events");
        libxlBalloonEventsFree(events);
        return NULL;
    }
    return events;
}


void
libxlBalloonEventsFree(libxlBalloonEvents *events)
{
    if (!events)
        return;
    if (events->timer >= 0)
        virEventRemoveTimeout(events->timer);
    g_hash_table_destroy(events->last);
    g_free(events);
}
