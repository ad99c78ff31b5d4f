/*
 * xensim_xs_tree.c: the xenstore model's node tree: lookup, child lists,
 * creating and removing nodes
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


/* ---- the tree ---- */

/* A node with this many children finds them through a hash index, so
 * that a host of 1000 domains does not compare every path under
 * /local/domain with a thousand names (xenstored hashes its nodes too);
 * the children array keeps their order. */
#define XENSIM_XS_INDEX_MIN 32

static size_t
xensim_xs_name_hash(const char *name, size_t len)
{
    size_t h = 14695981039346656037ULL & SIZE_MAX;  /* FNV-1a */
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)name[i];
        h *= (size_t)1099511628211ULL;
    }
    return h;
}


/* (Re)build the node's index for its children as they are now; without
 * memory for it, or with few children, the node has none and lookups
 * look through the children. */
static void
xensim_xs_reindex(xensim_xs_node *node)
{
    size_t n = 64;
    size_t i;

    free(node->index);
    node->index = NULL;
    node->aindex = 0;
    if (node->nchildren < XENSIM_XS_INDEX_MIN)
        return;
    while (n < node->nchildren * 2)
        n *= 2;
    if (!(node->index = calloc(n, sizeof(*node->index))))
        return;
    node->aindex = n;
    for (i = 0; i < node->nchildren; i++) {
        xensim_xs_node *c = node->children[i];
        size_t h = xensim_xs_name_hash(c->name, strlen(c->name)) & (n - 1);

        while (node->index[h])
            h = (h + 1) & (n - 1);
        node->index[h] = c;
    }
}


static xensim_xs_node *
xensim_xs_find_child(const xensim_xs_node *node, const char *name, size_t len)
{
    size_t i;

    if (node->index) {
        size_t mask = node->aindex - 1;

        for (i = xensim_xs_name_hash(name, len) & mask; node->index[i]; i = (i + 1) & mask) {
            xensim_xs_node *c = node->index[i];

            if (strncmp(c->name, name, len) == 0 && c->name[len] == '\0')
                return c;
        }
        return NULL;
    }

    for (i = 0; i < node->nchildren; i++) {
        xensim_xs_node *c = node->children[i];

        if (strncmp(c->name, name, len) == 0 && c->name[len] == '\0')
            return c;
    }
    return NULL;
}


/* Look up a valid canonical path.  When the node does not exist, returns
 * NULL with *nearest set to its deepest existing ancestor and *rest to the
 * first missing component in path. */
xensim_xs_node *
xensim_xs_lookup(const xensim_xs *xs, const char *path,
                 xensim_xs_node **nearest, const char **rest)
{
    xensim_xs_node *node = xs->root;
    const char *p = path + 1;

    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        xensim_xs_node *child = xensim_xs_find_child(node, p, len);

        if (!child) {
            if (nearest)
                *nearest = node;
            if (rest)
                *rest = p;
            return NULL;
        }
        node = child;
        p += len;
        if (*p == '/')
            p++;
    }
    return node;
}


void
xensim_xs_node_free(xensim_xs_node *node)
{
    if (!node)
        return;
    free(node->name);
    free(node->children);
    free(node->index);
    free(node->data);
    free(node->perms);
    free(node);
}


void
xensim_xs_tree_free(xensim_xs_node *node)
{
    size_t i;

    if (!node)
        return;
    for (i = 0; i < node->nchildren; i++)
        xensim_xs_tree_free(node->children[i]);
    xensim_xs_node_free(node);
}


/* Make room for one more child, so that linking it cannot fail. */
int
xensim_xs_reserve_child(xensim_xs_node *node)
{
    xensim_xs_node **c;
    size_t n;

    if (node->nchildren < node->achildren)
        return 0;
    n = node->achildren ? node->achildren * 2 : 4;
    if (!(c = realloc(node->children, n * sizeof(*c))))
        return -ENOMEM;
    node->children = c;
    node->achildren = n;
    return 0;
}


void
xensim_xs_link_child(xensim_xs_node *parent, xensim_xs_node *child)
{
    child->parent = parent;
    parent->children[parent->nchildren++] = child;
    parent->childlen += strlen(child->name) + 1;

    /* into the index while it is at most half full, else a bigger one */
    if (parent->index && parent->nchildren * 2 <= parent->aindex) {
        size_t mask = parent->aindex - 1;
        size_t h = xensim_xs_name_hash(child->name, strlen(child->name)) & mask;

        while (parent->index[h])
            h = (h + 1) & mask;
        parent->index[h] = child;
    } else if (parent->nchildren >= XENSIM_XS_INDEX_MIN) {
        xensim_xs_reindex(parent);
    }
}


/* Drop a child entry from its parent, keeping the others in order, as
 * xenstored's remove_child_entry(). */
static void
xensim_xs_unlink_child(xensim_xs_node *child)
{
    xensim_xs_node *parent = child->parent;
    size_t i;

    for (i = 0; i < parent->nchildren; i++) {
        if (parent->children[i] == child)
            break;
    }
    if (i == parent->nchildren)
        return;
    memmove(parent->children + i, parent->children + i + 1,
            (parent->nchildren - i - 1) * sizeof(*parent->children));
    parent->nchildren--;
    parent->childlen -= strlen(child->name) + 1;
    child->parent = NULL;
    /* open addressing has no cheap removal: the index is built anew */
    if (parent->index)
        xensim_xs_reindex(parent);
}


/* ---- creating and removing nodes ---- */

/* The component after p in a path, or NULL after the last one. */
static const char *
xensim_xs_next_component(const char *p)
{
    const char *slash = strchr(p, '/');

    return slash ? slash + 1 : NULL;
}


/* xenstored's construct_node() and create_node(): create the node at path
 * and its missing ancestors below nearest (the deepest existing one).
 * New nodes inherit nearest's permissions, but an unprivileged caller
 * owns what it creates.  For an unprivileged caller the node quota
 * (counted on the caller's own nodes) and the node-size quota (for every
 * record written, including nearest, which gains a child name) apply.
 * xenstored undoes a partial creation on error; here everything is
 * checked and allocated before the tree changes. */
int
xensim_xs_create(xensim_xs *xs, uint32_t caller, xensim_xs_node *nearest,
                 const char *rest, const void *data, size_t datalen,
                 xensim_xs_node **out)
{
    bool priv = xensim_xs_privileged(caller);
    xensim_xs_perm *perms = NULL;
    xensim_xs_node *top = NULL;
    xensim_xs_node *last = NULL;
    const xensim_xs_dom *d;
    const char *p;
    size_t nnew = 0;
    uint32_t owner;

    for (p = rest; p; p = xensim_xs_next_component(p))
        nnew++;

    /* create_node() checks domain_entry(conn), the caller's own count,
     * before each new node; all of them are the caller's. */
    if (!priv) {
        d = xensim_xs_dom_find(xs, caller);
        if ((d ? d->nbentry : 0) + nnew > xs->limits.nodes_per_domain)
            return -ENOSPC;
    }

    /* write_node_raw()'s size check on each record written. */
    if (xensim_xs_record_too_big(xs, caller,
                                 xensim_xs_node_record_size(
                                     nearest->nperms, nearest->datalen,
                                     nearest->childlen +
                                     strcspn(rest, "/") + 1)))
        return -ENOSPC;
    for (p = rest; p; p = xensim_xs_next_component(p)) {
        const char *next = strchr(p, '/');
        size_t childlen = next ? strcspn(next + 1, "/") + 1 : 0;
        size_t len = next ? 0 : datalen;

        if (xensim_xs_record_too_big(xs, caller,
                                     xensim_xs_node_record_size(
                                         nearest->nperms, len, childlen)))
            return -ENOSPC;
    }

    if (!(perms = xensim_xs_perms_effective(xs, nearest)))
        return -ENOMEM;
    if (!priv)
        perms[0].id = caller;
    owner = perms[0].id;
    if (!xensim_xs_dom_get(xs, owner) || xensim_xs_reserve_child(nearest) < 0)
        goto error;

    /* Build the chain of new nodes, detached from the tree. */
    for (p = rest; p; p = xensim_xs_next_component(p)) {
        xensim_xs_node *n = calloc(1, sizeof(*n));

        if (!n)
            goto error;
        n->name = xensim_xs_strndup(p, strcspn(p, "/"));
        n->perms = malloc(nearest->nperms * sizeof(*n->perms));
        if (!n->name || !n->perms ||
            (last && xensim_xs_reserve_child(last) < 0)) {
            xensim_xs_node_free(n);
            goto error;
        }
        memcpy(n->perms, perms, nearest->nperms * sizeof(*n->perms));
        n->nperms = nearest->nperms;
        if (last)
            xensim_xs_link_child(last, n);
        else
            top = n;
        last = n;
    }
    if (datalen) {
        if (!(last->data = malloc(datalen)))
            goto error;
        memcpy(last->data, data, datalen);
        last->datalen = datalen;
    }

    /* Nothing can fail from here on.  Generations are taken bottom up,
     * the order in which create_node() writes the records. */
    for (last = top; last->nchildren; last = last->children[0])
        ;
    *out = last;
    for (; last; last = last->parent) {
        last->generation = ++xs->generation;
        xensim_xs_entry_add(xs, owner, 1);
    }
    xensim_xs_link_child(nearest, top);
    xensim_xs_node_touch(xs, nearest);
    free(perms);
    return 0;

 error:
    xensim_xs_tree_free(top);
    free(perms);
    return -ENOMEM;
}


/* Remove a node and its subtree, as xenstored's rm_node() walk with
 * delnode_sub(): children first, in order; each node's watches fire while
 * the node can still be seen, and only the subtree's root fires watches
 * on its ancestors (the others fire exact watches only, so that nobody
 * hears of the same removal twice). */
int
xensim_xs_remove(xensim_xs *xs, xensim_xs_node *node, const char *path,
                 bool is_root)
{
    xensim_xs_node *parent = node->parent;

    while (node->nchildren) {
        xensim_xs_node *child = node->children[0];
        char *cpath = xensim_xs_child_path(path, child->name);
        int ret;

        if (!cpath)
            return -ENOMEM;
        ret = xensim_xs_remove(xs, child, cpath, false);
        free(cpath);
        if (ret < 0)
            return ret;
    }

    xs->generation++;   /* a delete is a write access in access_node() */
    xensim_xs_fire(xs, path, node, !is_root, NULL, 0);
    xensim_xs_entry_add(xs, node->perms[0].id, -1);
    xensim_xs_unlink_child(node);
    xensim_xs_node_free(node);
    /* The parent's record is rewritten without its child, with no quota
     * check (remove_child_entry()). */
    xensim_xs_node_touch(xs, parent);
    return 0;
}
