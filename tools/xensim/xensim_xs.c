/*
 * xensim_xs.c: in-memory model of a xenstore (Xen 4.17's C xenstored):
 * the store, its creation, the requests on nodes' data and children, and
 * the self check (xensim_xs_internal.h lists the other parts)
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


/* ---- the store ---- */

void
xensim_xs_limits_default(xensim_xs_limits *l)
{
    l->node_size_max = 2048;
    l->payload_max = 4096;
    l->nodes_per_domain = 1000;
    l->watches_per_domain = 128;
}


/* Create one of the initial nodes, owned by dom0 with no access for
 * others, as xenstored's manual_node() and xen-init-dom0 leave them. */
static xensim_xs_node *
xensim_xs_initial_node(xensim_xs *xs, xensim_xs_node *parent, const char *name)
{
    xensim_xs_node *n = calloc(1, sizeof(*n));

    if (!n)
        return NULL;
    n->name = xensim_xs_strdup(name);
    n->perms = calloc(1, sizeof(*n->perms));
    if (!n->name || !n->perms ||
        (parent && xensim_xs_reserve_child(parent) < 0)) {
        xensim_xs_node_free(n);
        return NULL;
    }
    n->nperms = 1;
    n->generation = ++xs->generation;
    if (parent)
        xensim_xs_link_child(parent, n);
    xensim_xs_entry_add(xs, 0, 1);
    return n;
}


xensim_xs *
xensim_xs_new(const xensim_xs_limits *limits)
{
    xensim_xs *xs = calloc(1, sizeof(*xs));
    xensim_xs_node *tool;
    xensim_xs_node *local;
    xensim_xs_dom *dom0;

    if (!xs)
        return NULL;
    if (limits)
        xs->limits = *limits;
    else
        xensim_xs_limits_default(&xs->limits);

    /* dom0 is known from the start (dom0_init()), before any node. */
    if (!(dom0 = xensim_xs_dom_get(xs, 0)))
        goto error;
    dom0->introduced = true;

    /* The special nodes default to dom0 only (set_dom_perms_default()). */
    xs->introduce_perms = calloc(1, sizeof(*xs->introduce_perms));
    xs->release_perms = calloc(1, sizeof(*xs->release_perms));
    if (!xs->introduce_perms || !xs->release_perms)
        goto error;
    xs->nintroduce_perms = 1;
    xs->nrelease_perms = 1;

    if (!(xs->root = xensim_xs_initial_node(xs, NULL, "")) ||
        !(tool = xensim_xs_initial_node(xs, xs->root, "tool")) ||
        !xensim_xs_initial_node(xs, tool, "xenstored") ||
        !(local = xensim_xs_initial_node(xs, xs->root, "local")) ||
        !xensim_xs_initial_node(xs, local, "domain"))
        goto error;
    return xs;

 error:
    xensim_xs_free(xs);
    return NULL;
}


void
xensim_xs_free(xensim_xs *xs)
{
    if (!xs)
        return;
    while (xs->conns)
        xensim_xs_conn_destroy(xs, xs->conns);
    xensim_xs_tree_free(xs->root);
    free(xs->doms);
    free(xs->introduce_perms);
    free(xs->release_perms);
    free(xs);
}


/* ---- requests on nodes ---- */

/* Common start of the requests naming one path: payload size (the path
 * and its NUL plus extra bytes), then the canonical path. */
int
xensim_xs_begin(xensim_xs *xs, uint32_t caller, const char *path,
                size_t extra, char **canon)
{
    int ret;

    if (!xs || !path)
        return -EINVAL;
    if ((ret = xensim_xs_check_payload(xs, strlen(path) + 1 + extra)) < 0)
        return ret;
    return xensim_xs_canonicalize(caller, path, canon);
}


/* Common start of the requests reading one node (XS_READ, XS_DIRECTORY,
 * XS_GET_PERMS): the path as xensim_xs_begin() takes it, then the node,
 * which the caller must be allowed to read. */
int
xensim_xs_begin_read(xensim_xs *xs, uint32_t caller, const char *path,
                     xensim_xs_node **node)
{
    char *canon;
    int ret;

    if ((ret = xensim_xs_begin(xs, caller, path, 0, &canon)) < 0)
        return ret;
    ret = xensim_xs_get_node(xs, caller, canon, XENSIM_XS_PERM_READ, node);
    free(canon);
    return ret;
}


int
xensim_xs_read(xensim_xs *xs, uint32_t caller, const char *path,
               char **value, size_t *len)
{
    xensim_xs_node *node;
    char *v;
    int ret;

    if (!value)
        return -EINVAL;
    if ((ret = xensim_xs_begin_read(xs, caller, path, &node)) < 0)
        return ret;
    if (!(v = malloc(node->datalen + 1)))
        return -ENOMEM;
    if (node->datalen)
        memcpy(v, node->data, node->datalen);
    v[node->datalen] = '\0';
    *value = v;
    if (len)
        *len = node->datalen;
    return 0;
}


/* xenstored's do_write() and do_mkdir(): write (or only create, for
 * mkdir) the node, creating missing ancestors, then fire watches on the
 * node's path once. */
static int
xensim_xs_store(xensim_xs *xs, uint32_t caller, const char *path,
                const void *value, size_t len, bool mkdir)
{
    xensim_xs_node *nearest = NULL;
    xensim_xs_node *node;
    const char *rest = NULL;
    char *canon;
    int ret;

    if (len && !value)
        return -EINVAL;
    if ((ret = xensim_xs_begin(xs, caller, path, len, &canon)) < 0)
        return ret;
    ret = xensim_xs_get_node(xs, caller, canon, XENSIM_XS_PERM_WRITE, &node);
    if (ret == -ENOENT) {
        xensim_xs_lookup(xs, canon, &nearest, &rest);
        ret = xensim_xs_create(xs, caller, nearest, rest, value, len, &node);
    } else if (ret == 0 && mkdir) {
        /* do_mkdir(): an existing node is fine and nothing fires. */
        free(canon);
        return 0;
    } else if (ret == 0) {
        char *data = NULL;

        if (xensim_xs_record_too_big(xs, caller,
                                     xensim_xs_node_record_size(
                                         node->nperms, len, node->childlen))) {
            ret = -ENOSPC;
        } else if (len && !(data = malloc(len))) {
            ret = -ENOMEM;
        } else {
            if (len)
                memcpy(data, value, len);
            free(node->data);
            node->data = data;
            node->datalen = len;
            xensim_xs_node_touch(xs, node);
        }
    }
    if (ret == 0)
        xensim_xs_fire(xs, canon, node, false, NULL, 0);
    free(canon);
    return ret;
}


int
xensim_xs_write(xensim_xs *xs, uint32_t caller, const char *path,
                const void *value, size_t len)
{
    return xensim_xs_store(xs, caller, path, value, len, false);
}


int
xensim_xs_mkdir(xensim_xs *xs, uint32_t caller, const char *path)
{
    return xensim_xs_store(xs, caller, path, NULL, 0, true);
}


int
xensim_xs_rm(xensim_xs *xs, uint32_t caller, const char *path)
{
    xensim_xs_node *node;
    char *canon;
    int ret;

    if ((ret = xensim_xs_begin(xs, caller, path, 0, &canon)) < 0)
        return ret;
    ret = xensim_xs_get_node(xs, caller, canon, XENSIM_XS_PERM_WRITE, &node);
    if (ret == -ENOENT) {
        /* do_rm(): a missing node is fine if its parent exists. */
        xensim_xs_node *nearest = NULL;
        const char *rest = NULL;

        xensim_xs_lookup(xs, canon, &nearest, &rest);
        if (!strchr(rest, '/'))
            ret = 0;
    } else if (ret == 0 && !node->parent) {
        ret = -EINVAL;          /* do_rm() refuses to remove "/" */
    } else if (ret == 0) {
        ret = xensim_xs_remove(xs, node, canon, true);
    }
    free(canon);
    return ret;
}


void
xensim_xs_free_names(char **names, unsigned int n)
{
    unsigned int i;

    if (!names)
        return;
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}


int
xensim_xs_directory(xensim_xs *xs, uint32_t caller, const char *path,
                    char ***names, unsigned int *n)
{
    xensim_xs_node *node;
    char **r;
    size_t i;
    int ret;

    if (!names || !n)
        return -EINVAL;
    if ((ret = xensim_xs_begin_read(xs, caller, path, &node)) < 0)
        return ret;
    if (!(r = calloc(node->nchildren + 1, sizeof(*r))))
        return -ENOMEM;
    for (i = 0; i < node->nchildren; i++) {
        if (!(r[i] = xensim_xs_strdup(node->children[i]->name))) {
            xensim_xs_free_names(r, (unsigned int)i);
            return -ENOMEM;
        }
    }
    *names = r;
    *n = (unsigned int)node->nchildren;
    return 0;
}


/* ---- self check ---- */

static int
xensim_xs_check_node(const xensim_xs *xs, const xensim_xs_node *node,
                     unsigned int *counts)
{
    const xensim_xs_dom *d;
    size_t childlen = 0;
    size_t i;

    if (node->nperms == 0 || !node->perms || node->nchildren > node->achildren)
        return -EIO;
    if (!(d = xensim_xs_dom_find(xs, node->perms[0].id)))
        return -EIO;
    counts[d - xs->doms]++;
    for (i = 0; i < node->nchildren; i++) {
        const xensim_xs_node *c = node->children[i];

        if (c->parent != node || !c->name[0] || strchr(c->name, '/'))
            return -EIO;
        childlen += strlen(c->name) + 1;
        if (xensim_xs_check_node(xs, c, counts) < 0)
            return -EIO;
    }
    return childlen == node->childlen ? 0 : -EIO;
}


int
xensim_xs_self_check(xensim_xs *xs)
{
    unsigned int *nodes;
    unsigned int *watches;
    const xensim_xs_conn *c;
    size_t i;
    int ret = -EIO;

    if (!xs || !xs->root || xs->root->parent)
        return -EIO;
    for (i = 1; i < xs->ndoms; i++) {
        if (xs->doms[i - 1].domid >= xs->doms[i].domid)
            return -EIO;
    }
    nodes = calloc(xs->ndoms + 1, sizeof(*nodes));
    watches = calloc(xs->ndoms + 1, sizeof(*watches));
    if (!nodes || !watches)
        goto out;
    if (xensim_xs_check_node(xs, xs->root, nodes) < 0)
        goto out;
    for (c = xs->conns; c; c = c->next) {
        const xensim_xs_wrec *w;
        const xensim_xs_event *ev;
        const xensim_xs_dom *d = xensim_xs_dom_find(xs, c->caller);
        size_t n = 0;

        for (w = c->watches; w; w = w->next) {
            if (!d)
                goto out;
            watches[d - xs->doms]++;
        }
        for (ev = c->events; ev; ev = ev->next) {
            if (!ev->next && ev != c->events_tail)
                goto out;
            n++;
        }
        if (n != c->nevents || (!c->watches && !c->events))
            goto out;
    }
    for (i = 0; i < xs->ndoms; i++) {
        if (nodes[i] != xs->doms[i].nbentry ||
            watches[i] != xs->doms[i].nbwatch)
            goto out;
    }
    ret = 0;

 out:
    free(nodes);
    free(watches);
    return ret;
}
