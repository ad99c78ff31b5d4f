/*
 * events.c: DOMAIN_SHUTDOWN and DOMAIN_DEATH events from the simulated host
 *
 * As libxl does (domain_death_xswatch_callback in libxl_domain.c), a watch
 * on @releaseDomain wakes a scan of the domains; a domain with a death
 * event enabled gets one DOMAIN_SHUTDOWN when it is first seen shut down
 * and one DOMAIN_DEATH when it is gone.  Events are delivered from a
 * thread of this library to the hooks the application registered, which
 * is what libvirt's libxl driver expects of libxl's own event machinery.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

struct libxl__evgen_domain_death {
    libxl_ctx *ctx;
    uint32_t domid;
    libxl_ev_user for_user;
    bool shutdown_reported;
    bool death_reported;
    struct libxl__evgen_domain_death *next;
};

typedef struct {
    libxl_ctx *ctx;
    libxl_event_hooks hooks;
    void *user;
} shim_hooks;

typedef struct {
    libxl_ctx *ctx;
    uint32_t domid;
    libxl_ev_user for_user;
    libxl_event_type type;
    uint8_t reason;
} shim_pending;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct libxl__evgen_domain_death *evgens;
static shim_hooks hooks_table[8];
static size_t nhooks;
static bool thread_started;
static xensim_conn *event_conn;

void
libxl_event_register_callbacks(libxl_ctx *ctx, const libxl_event_hooks *hooks,
                               void *user)
{
    size_t i;

    pthread_mutex_lock(&lock);
    for (i = 0; i < nhooks && hooks_table[i].ctx != ctx; i++)
        ;
    if (i == nhooks && nhooks < sizeof(hooks_table) / sizeof(hooks_table[0]))
        nhooks++;
    if (i < nhooks) {
        hooks_table[i].ctx = ctx;
        hooks_table[i].hooks = *hooks;
        hooks_table[i].user = user;
    } else {
        xensim_shim_log("too many libxl contexts register event callbacks");
    }
    pthread_mutex_unlock(&lock);
}


static void
shim_deliver(const shim_pending *p)
{
    shim_hooks h = { 0 };
    libxl_event *ev;
    size_t i;

    pthread_mutex_lock(&lock);
    for (i = 0; i < nhooks; i++) {
        if (hooks_table[i].ctx == p->ctx)
            h = hooks_table[i];
    }
    pthread_mutex_unlock(&lock);

    if (!h.hooks.event_occurs ||
        !(h.hooks.event_occurs_mask & (1ULL << p->type))) {
        xensim_shim_log("domain %u: event %d dropped: nobody takes it",
                        p->domid, p->type);
        return;
    }
    if (!(ev = calloc(1, sizeof(*ev))))
        return;
    libxl_event_init(ev);
    libxl_event_init_type(ev, p->type);
    ev->domid = p->domid;
    ev->for_user = p->for_user;
    if (p->type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN)
        ev->u.domain_shutdown.shutdown_reason = p->reason;
    /* the application frees it with libxl_event_free() */
    h.hooks.event_occurs(h.user, ev);
}


/* An event for the application's hooks, as libxl__event_occurred()
 * hands it over */
void
xensim_shim_event_occurs(libxl_ctx *ctx, uint32_t domid, libxl_ev_user for_user,
                         libxl_event_type type)
{
    shim_pending p = { ctx, domid, for_user, type, 0 };

    shim_deliver(&p);
}


/* Compare every enabled generator with the host; collect what to deliver
 * under the lock, deliver without it (a handler may disable generators) */
static void
shim_scan(xensim_conn *c)
{
    struct libxl__evgen_domain_death *g;
    xensim_dominfo *doms = NULL;
    shim_pending *pending = NULL;
    size_t npending = 0, cap = 0, i;
    uint32_t n = 0, k;

    if (xensim_dominfo_list(c, &doms, &n) < 0)
        return;

    pthread_mutex_lock(&lock);
    for (g = evgens; g; g = g->next) {
        const xensim_dominfo *dom = NULL;
        shim_pending p = { g->ctx, g->domid, g->for_user, 0, 0 };

        for (k = 0; k < n; k++) {
            if (doms[k].domid == g->domid)
                dom = &doms[k];
        }
        if (!dom && !g->death_reported) {
            g->death_reported = true;
            p.type = LIBXL_EVENT_TYPE_DOMAIN_DEATH;
        } else if (dom && (dom->flags & XENSIM_DOMINFO_SHUTDOWN) &&
                   !g->shutdown_reported) {
            g->shutdown_reported = true;
            p.type = LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN;
            p.reason = dom->shutdown_reason;
        } else {
            continue;
        }
        if (npending == cap) {
            shim_pending *np = realloc(pending, (cap ? cap * 2 : 8) * sizeof(*np));

            if (!np)
                break;
            pending = np;
            cap = cap ? cap * 2 : 8;
        }
        pending[npending++] = p;
    }
    pthread_mutex_unlock(&lock);
    free(doms);

    for (i = 0; i < npending; i++)
        shim_deliver(&pending[i]);
    free(pending);
}


static void *
shim_event_thread(void *opaque)
{
    xensim_conn *c = opaque;

    for (;;) {
        struct pollfd pfd = { .fd = xensim_conn_fd(event_conn), .events = POLLIN };
        int r = poll(&pfd, 1, 500);

        if (r > 0) {
            char *path, *token;

            if (xensim_conn_read_event(event_conn, &path, &token) < 0) {
                xensim_shim_log("lost the simulated host's event connection");
                return NULL;
            }
            free(path);
            free(token);
        }
        /* a periodic scan too: enabling a generator for a domain that is
         * already shut down must still produce its event */
        shim_scan(c);
    }
    return NULL;
}


static int
shim_start_thread(void)
{
    xensim_conn *c = xensim_shim_conn();
    xensim_writer args;
    pthread_t tid;
    uint8_t *reply;
    size_t len;
    int err = 0;
    int rc;

    if (thread_started)
        return 0;
    if (!c)
        return ERROR_FAIL;
    if (!(event_conn = xensim_conn_open(NULL, 0, &err)))
        return xensim_shim_error("event connection", err);

    xensim_writer_init(&args);
    xensim_put_u64(&args, xensim_conn_id(event_conn));
    xensim_put_str(&args, "@releaseDomain");
    xensim_put_str(&args, "xensim-death");
    rc = xensim_call(c, XENSIM_OP_XS_WATCH, &args, XENSIM_CHARGE_XENSTORE, &reply, &len);
    xensim_writer_free(&args);
    free(reply);
    if (rc < 0 || pthread_create(&tid, NULL, shim_event_thread, c) != 0) {
        xensim_conn_close(event_conn);
        event_conn = NULL;
        return xensim_shim_error("event thread", rc < 0 ? rc : -EAGAIN);
    }
    pthread_detach(tid);
    thread_started = true;
    return 0;
}


int
libxl_evenable_domain_death(libxl_ctx *ctx, uint32_t domid, libxl_ev_user user,
                            libxl_evgen_domain_death **evgen_out)
{
    struct libxl__evgen_domain_death *g;
    int rc;

    pthread_mutex_lock(&lock);
    rc = shim_start_thread();
    if (rc == 0 && !(g = calloc(1, sizeof(*g))))
        rc = ERROR_NOMEM;
    if (rc == 0) {
        g->ctx = ctx;
        g->domid = domid;
        g->for_user = user;
        g->next = evgens;
        evgens = g;
        *evgen_out = g;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}


void
libxl_evdisable_domain_death(libxl_ctx *ctx, libxl_evgen_domain_death *evgen)
{
    struct libxl__evgen_domain_death **p;

    (void)ctx;
    pthread_mutex_lock(&lock);
    for (p = &evgens; *p; p = &(*p)->next) {
        if (*p == evgen) {
            *p = evgen->next;
            free(evgen);
            break;
        }
    }
    pthread_mutex_unlock(&lock);
}
