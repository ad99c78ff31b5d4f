/*
 * xensim_xs_watch.c: the xenstore model's watches: connections, their
 * watches and event queues, firing watches
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The rules below were learnt from reading xenstored (tools/xenstore in
 * Xen 4.17) and are written anew here; comments name the xenstored
 * function each rule mirrors so that a reader can check it there.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xensim_xs_internal.h"


/* ---- watches and events ---- */

static xensim_xs_conn *
xensim_xs_conn_find(const xensim_xs *xs, uint64_t id)
{
    xensim_xs_conn *c;

    for (c = xs->conns; c; c = c->next) {
        if (c->id == id)
            return c;
    }
    return NULL;
}


static void
xensim_xs_event_free(xensim_xs_event *ev)
{
    free(ev->path);
    free(ev->token);
    free(ev);
}


static void
xensim_xs_watch_free(xensim_xs_wrec *w)
{
    free(w->node);
    free(w->token);
    free(w);
}


/* Drop a connection's watches (with their accounting) and events, and
 * the connection itself. */
void
xensim_xs_conn_destroy(xensim_xs *xs, xensim_xs_conn *conn)
{
    xensim_xs_conn **pp;
    xensim_xs_dom *d = xensim_xs_dom_find(xs, conn->caller);

    while (conn->watches) {
        xensim_xs_wrec *w = conn->watches;

        conn->watches = w->next;
        if (d && d->nbwatch)
            d->nbwatch--;
        xensim_xs_watch_free(w);
    }
    while (conn->events) {
        xensim_xs_event *ev = conn->events;

        conn->events = ev->next;
        xensim_xs_event_free(ev);
    }
    for (pp = &xs->conns; *pp; pp = &(*pp)->next) {
        if (*pp == conn) {
            *pp = conn->next;
            break;
        }
    }
    free(conn);
}


/* A connection with neither watches nor events carries no state worth
 * keeping. */
static void
xensim_xs_conn_maybe_drop(xensim_xs *xs, xensim_xs_conn *conn)
{
    if (!conn->watches && !conn->events)
        xensim_xs_conn_destroy(xs, conn);
}


/* xenstored's send_event(): events too big for a message are dropped, and
 * so is an event identical to one still queued on the connection (except
 * for the special "@" events).  Errors cannot be reported: the change
 * that caused the event has happened. */
static void
xensim_xs_send_event(xensim_xs *xs, xensim_xs_conn *conn, const char *path,
                     const char *token)
{
    xensim_xs_event *ev;

    if (strlen(path) + 1 + strlen(token) + 1 > xs->limits.payload_max)
        return;
    if (path[0] != '@') {
        for (ev = conn->events; ev; ev = ev->next) {
            if (strcmp(ev->path, path) == 0 && strcmp(ev->token, token) == 0)
                return;
        }
    }
    if (!(ev = calloc(1, sizeof(*ev))))
        return;
    ev->path = xensim_xs_strdup(path);
    ev->token = xensim_xs_strdup(token);
    if (!ev->path || !ev->token) {
        xensim_xs_event_free(ev);
        return;
    }
    if (conn->events_tail)
        conn->events_tail->next = ev;
    else
        conn->events = ev;
    conn->events_tail = ev;
    conn->nevents++;
}


/* The path an event reports: relative to the caller's home for a watch
 * registered with a relative path, as xenstored's get_watch_path(). */
static const char *
xensim_xs_watch_path(const xensim_xs_conn *conn, const xensim_xs_wrec *w,
                     const char *name)
{
    char home[32];
    size_t hlen;

    if (!w->relative)
        return name;
    xensim_xs_home(conn->caller, home, sizeof(home));
    hlen = strlen(home);
    if (strncmp(name, home, hlen) != 0)
        return name;
    name += hlen;
    if (*name == '/')
        name++;
    return name;
}


/* xenstored's is_child(): the watched path is the changed node or one of
 * its ancestors ("/" covers everything). */
static bool
xensim_xs_is_child(const char *child, const char *parent)
{
    size_t len = strlen(parent);

    if (strcmp(parent, "/") == 0)
        return true;
    if (strncmp(child, parent, len) != 0)
        return false;
    return child[len] == '/' || child[len] == '\0';
}


/* xenstored's watch_permitted(): a watcher hears of a change if it may
 * read the node, or its parent, or (for a permission change) the node
 * under its old permissions. */
static bool
xensim_xs_watch_permitted(const xensim_xs *xs, uint32_t caller,
                          const xensim_xs_node *node,
                          const xensim_xs_perm *old_perms,
                          unsigned int nold)
{
    const xensim_xs_node *parent;

    if (old_perms &&
        (xensim_xs_perm_eval(xs, caller, old_perms, nold, NULL) &
         XENSIM_XS_PERM_READ))
        return true;
    if (xensim_xs_perm_for_node(xs, caller, node) & XENSIM_XS_PERM_READ)
        return true;
    /* The root's parent is the root itself, as get_parent("/"). */
    parent = node->parent ? node->parent : node;
    return xensim_xs_perm_for_node(xs, caller, parent) & XENSIM_XS_PERM_READ;
}


/* xenstored's check_perms_special(): who may hear a special event. */
static bool
xensim_xs_special_permitted(xensim_xs *xs, uint32_t caller, const char *name)
{
    xensim_xs_perm **perms;
    unsigned int *n;

    if (!xensim_xs_special_perms(xs, name, &perms, &n))
        return false;
    return xensim_xs_perm_eval(xs, caller, *perms, *n, NULL) &
           XENSIM_XS_PERM_READ;
}


/* xenstored's fire_watches(): queue an event for every watch on the
 * changed path or (unless exact) on an ancestor of it, on every
 * connection allowed to hear of it.  node is NULL for special events. */
void
xensim_xs_fire(xensim_xs *xs, const char *name, const xensim_xs_node *node,
               bool exact, const xensim_xs_perm *old_perms, unsigned int nold)
{
    xensim_xs_conn *c;

    for (c = xs->conns; c; c = c->next) {
        xensim_xs_wrec *w;

        if (name[0] == '@') {
            if (!xensim_xs_special_permitted(xs, c->caller, name))
                continue;
        } else if (!xensim_xs_watch_permitted(xs, c->caller, node,
                                              old_perms, nold)) {
            continue;
        }
        for (w = c->watches; w; w = w->next) {
            bool match = exact ? strcmp(name, w->node) == 0
                               : xensim_xs_is_child(name, w->node);

            if (match)
                xensim_xs_send_event(xs, c, xensim_xs_watch_path(c, w, name),
                                     w->token);
        }
    }
}


/* ---- watch requests ---- */

/* Common start of XS_WATCH and XS_UNWATCH: the arguments, then the
 * payload size (the path and the token, each with its NUL). */
static int
xensim_xs_watch_begin(const xensim_xs *xs, const char *path,
                      const char *token)
{
    if (!xs || !path || !token)
        return -EINVAL;
    return xensim_xs_check_payload(xs, strlen(path) + 1 + strlen(token) + 1);
}


int
xensim_xs_watch(xensim_xs *xs, uint64_t conn, uint32_t caller,
                const char *path, const char *token)
{
    xensim_xs_wrec *w = NULL;
    xensim_xs_wrec **tail;
    xensim_xs_conn *c;
    xensim_xs_dom *d;
    bool relative = false;
    char *canon = NULL;
    int ret;

    if ((ret = xensim_xs_watch_begin(xs, path, token)) < 0)
        return ret;

    /* check_watch_path(): special names only have a length limit. */
    if (path[0] == '@') {
        if (strlen(path) > XENSIM_XS_PATH_MAX)
            return -EINVAL;
    } else {
        relative = path[0] != '/';
    }
    if ((ret = xensim_xs_canonicalize(caller, path, &canon)) < 0)
        return ret;
    if (canon[0] != '@' && !xensim_xs_valid_path(canon)) {
        ret = -EINVAL;
        goto out;
    }

    c = xensim_xs_conn_find(xs, conn);
    if (c && c->caller != caller) {
        if (c->watches || c->events) {
            ret = -EINVAL;
            goto out;
        }
        c->caller = caller;
    }
    if (c) {
        for (w = c->watches; w; w = w->next) {
            if (strcmp(w->node, canon) == 0 && strcmp(w->token, token) == 0) {
                ret = -EEXIST;
                goto out;
            }
        }
    }

    /* do_watch(): the check lets a domain reach one watch above the
     * quota. */
    d = xensim_xs_dom_find(xs, caller);
    if (!xensim_xs_privileged(caller) && d &&
        d->nbwatch > xs->limits.watches_per_domain) {
        ret = -E2BIG;
        goto out;
    }

    ret = -ENOMEM;
    if (!(d = xensim_xs_dom_get(xs, caller)))
        goto out;
    if (!c) {
        xensim_xs_conn **cp;

        if (!(c = calloc(1, sizeof(*c))))
            goto out;
        c->id = conn;
        c->caller = caller;
        for (cp = &xs->conns; *cp; cp = &(*cp)->next)
            ;
        *cp = c;
    }
    if (!(w = calloc(1, sizeof(*w))) ||
        !(w->token = xensim_xs_strdup(token))) {
        if (w)
            xensim_xs_watch_free(w);
        xensim_xs_conn_maybe_drop(xs, c);
        goto out;
    }
    w->node = canon;
    w->relative = relative;
    canon = NULL;
    for (tail = &c->watches; *tail; tail = &(*tail)->next)
        ;
    *tail = w;
    d->nbwatch++;

    /* "We fire once up front", with no permission check. */
    xensim_xs_send_event(xs, c, xensim_xs_watch_path(c, w, w->node),
                         w->token);
    ret = 0;

 out:
    free(canon);
    return ret;
}


int
xensim_xs_unwatch(xensim_xs *xs, uint64_t conn, const char *path,
                  const char *token)
{
    xensim_xs_wrec **wp;
    xensim_xs_conn *c;
    char *canon;
    int ret;

    if ((ret = xensim_xs_watch_begin(xs, path, token)) < 0)
        return ret;
    if (!(c = xensim_xs_conn_find(xs, conn)))
        return -ENOENT;
    /* do_unwatch() canonicalizes but does not validate. */
    if ((ret = xensim_xs_canonicalize(c->caller, path, &canon)) < 0)
        return ret;
    ret = -ENOENT;
    for (wp = &c->watches; *wp; wp = &(*wp)->next) {
        xensim_xs_wrec *w = *wp;

        if (strcmp(w->node, canon) == 0 && strcmp(w->token, token) == 0) {
            xensim_xs_dom *d = xensim_xs_dom_find(xs, c->caller);

            *wp = w->next;
            xensim_xs_watch_free(w);
            if (d && d->nbwatch)
                d->nbwatch--;
            xensim_xs_conn_maybe_drop(xs, c);
            ret = 0;
            break;
        }
    }
    free(canon);
    return ret;
}


void
xensim_xs_conn_gone(xensim_xs *xs, uint64_t conn)
{
    xensim_xs_conn *c;

    if (xs && (c = xensim_xs_conn_find(xs, conn)))
        xensim_xs_conn_destroy(xs, c);
}


int
xensim_xs_pop_event(xensim_xs *xs, uint64_t conn, char **path, char **token)
{
    xensim_xs_event *ev;
    xensim_xs_conn *c;

    if (!xs || !path || !token || !(c = xensim_xs_conn_find(xs, conn)) ||
        !c->events)
        return 0;
    ev = c->events;
    c->events = ev->next;
    if (!c->events)
        c->events_tail = NULL;
    c->nevents--;
    *path = ev->path;
    *token = ev->token;
    free(ev);
    xensim_xs_conn_maybe_drop(xs, c);
    return 1;
}


size_t
xensim_xs_pending_events(xensim_xs *xs, uint64_t conn)
{
    xensim_xs_conn *c;

    if (!xs || !(c = xensim_xs_conn_find(xs, conn)))
        return 0;
    return c->nevents;
}


void
xensim_xs_fire_special(xensim_xs *xs, const char *name)
{
    xensim_xs_perm **perms;
    unsigned int *n;

    if (!xs || !name || !xensim_xs_special_perms(xs, name, &perms, &n))
        return;
    xensim_xs_fire(xs, name, NULL, true, NULL, 0);
}
