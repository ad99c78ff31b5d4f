/*
 * xensim_xs_domain.c: the xenstore model's domains: their records and
 * accounting, stale permission entries, introduction, release and
 * shutdown
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


/* ---- domains ---- */

xensim_xs_dom *
xensim_xs_dom_find(const xensim_xs *xs, uint32_t domid)
{
    size_t lo = 0;
    size_t hi = xs->ndoms;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (xs->doms[mid].domid == domid)
            return &xs->doms[mid];
        if (xs->doms[mid].domid < domid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}


/* Find or create the record of a domain, as xenstored's
 * find_or_alloc_existing_domain() / alloc_domain(): a new record takes
 * the current generation count, so that permission entries written
 * before it are not taken to be about it.  The returned pointer is valid
 * until the next record is created or dropped. */
xensim_xs_dom *
xensim_xs_dom_get(xensim_xs *xs, uint32_t domid)
{
    xensim_xs_dom *d = xensim_xs_dom_find(xs, domid);
    size_t pos;

    if (d)
        return d;
    if (xs->ndoms == xs->adoms) {
        size_t n = xs->adoms ? xs->adoms * 2 : 16;
        xensim_xs_dom *nd = realloc(xs->doms, n * sizeof(*nd));

        if (!nd)
            return NULL;
        xs->doms = nd;
        xs->adoms = n;
    }
    for (pos = 0; pos < xs->ndoms && xs->doms[pos].domid < domid; pos++)
        ;
    memmove(xs->doms + pos + 1, xs->doms + pos,
            (xs->ndoms - pos) * sizeof(*xs->doms));
    xs->ndoms++;
    d = &xs->doms[pos];
    memset(d, 0, sizeof(*d));
    d->domid = domid;
    d->generation = xs->generation;
    return d;
}


static void
xensim_xs_dom_drop(xensim_xs *xs, uint32_t domid)
{
    xensim_xs_dom *d = xensim_xs_dom_find(xs, domid);
    size_t pos;

    if (!d)
        return;
    pos = (size_t)(d - xs->doms);
    memmove(xs->doms + pos, xs->doms + pos + 1,
            (xs->ndoms - pos - 1) * sizeof(*xs->doms));
    xs->ndoms--;
}


/* Make sure every domain named in a permission list has a record, as
 * xenstored's domain_alloc_permrefs() (which asks Xen; here every domain
 * id exists). */
int
xensim_xs_dom_ref_perms(xensim_xs *xs, const xensim_xs_perm *perms,
                        unsigned int n)
{
    unsigned int i;

    for (i = 0; i < n; i++) {
        if (!xensim_xs_dom_get(xs, perms[i].id))
            return -ENOMEM;
    }
    return 0;
}


/* domain_entry_inc() / domain_entry_dec(): nodes are accounted to their
 * owner.  The owner's record exists (callers make sure of it). */
void
xensim_xs_entry_add(xensim_xs *xs, uint32_t owner, int delta)
{
    xensim_xs_dom *d = xensim_xs_dom_find(xs, owner);

    if (!d)
        return;
    if (delta < 0 && d->nbentry < (unsigned int)-delta)
        d->nbentry = 0;
    else
        d->nbentry += delta;
}


/* ---- stale permission entries ---- */

/* xenstored's chk_domain_generation() as used by
 * domain_adjust_node_perms(): an entry for a domain counts only while
 * that domain is known and was known before the node was written. */
bool
xensim_xs_perm_entry_ignored(const xensim_xs *xs, const xensim_xs_node *node,
                             const xensim_xs_perm *p)
{
    const xensim_xs_dom *d;

    if (p->perms & XENSIM_XS_PERM_IGNORE)
        return true;
    if (!node)
        return false;
    d = xensim_xs_dom_find(xs, p->id);
    return !d || d->generation > node->generation;
}


/* A copy of a node's permissions with the entries ignored at its current
 * generation flagged, as xenstored's read_node() leaves them in memory
 * (and as construct_node() hands them down to new children). */
xensim_xs_perm *
xensim_xs_perms_effective(const xensim_xs *xs, const xensim_xs_node *node)
{
    xensim_xs_perm *p = malloc(node->nperms * sizeof(*p));
    unsigned int i;

    if (!p)
        return NULL;
    memcpy(p, node->perms, node->nperms * sizeof(*p));
    for (i = 1; i < node->nperms; i++) {
        if (xensim_xs_perm_entry_ignored(xs, node, &p[i]))
            p[i].perms |= XENSIM_XS_PERM_IGNORE;
    }
    return p;
}


/* Record a write of a node: as xenstored's write_node(), entries ignored
 * until now stay ignored (the flags are stored with the record), then the
 * node takes a new generation count (access_node()). */
void
xensim_xs_node_touch(xensim_xs *xs, xensim_xs_node *node)
{
    unsigned int i;

    for (i = 1; i < node->nperms; i++) {
        if (xensim_xs_perm_entry_ignored(xs, node, &node->perms[i]))
            node->perms[i].perms |= XENSIM_XS_PERM_IGNORE;
    }
    node->generation = ++xs->generation;
}


/* ---- domain lifecycle ---- */

void
xensim_xs_introduce_domain(xensim_xs *xs, uint32_t domid)
{
    xensim_xs_dom *d;

    if (!xs || !(d = xensim_xs_dom_get(xs, domid)) || d->introduced)
        return;
    d->introduced = true;
    d->shutdown = false;
    /* introduce_domain(): not for the master domain */
    if (domid != 0)
        xensim_xs_fire(xs, "@introduceDomain", NULL, true, NULL, 0);
}


/* xenstored's domain_tree_remove_sub(): remove every subtree whose root
 * the domain owns, top down, until it owns nothing. */
static int
xensim_xs_remove_owned(xensim_xs *xs, xensim_xs_node *node, const char *path,
                       uint32_t domid)
{
    size_t i = 0;

    while (i < node->nchildren) {
        xensim_xs_node *child = node->children[i];
        const xensim_xs_dom *d = xensim_xs_dom_find(xs, domid);
        char *cpath;
        int ret;

        if (!d || d->nbentry == 0)
            return 0;
        if (!(cpath = xensim_xs_child_path(path, child->name)))
            return -ENOMEM;
        if (child->perms[0].id == domid) {
            ret = xensim_xs_remove(xs, child, cpath, true);
        } else {
            ret = xensim_xs_remove_owned(xs, child, cpath, domid);
            i++;
        }
        free(cpath);
        if (ret < 0)
            return ret;
    }
    return 0;
}


/* What xenstored's --keep-orphans does with every node: a node owned by a
 * domain that goes away now belongs to dom0.  Used only when removing
 * them failed, as it needs no memory. */
static void
xensim_xs_give_to_dom0(xensim_xs *xs, xensim_xs_node *node, uint32_t domid)
{
    size_t i;

    if (node->perms[0].id == domid) {
        node->perms[0].id = 0;
        xensim_xs_entry_add(xs, domid, -1);
        xensim_xs_entry_add(xs, 0, 1);
    }
    for (i = 0; i < node->nchildren; i++)
        xensim_xs_give_to_dom0(xs, node->children[i], domid);
}


/* xenstored's remove_domid_from_perm() for the special nodes. */
static void
xensim_xs_special_forget(xensim_xs_perm *perms, unsigned int *n,
                         uint32_t domid)
{
    unsigned int cur;
    unsigned int keep = 1;

    if (perms[0].id == domid)
        perms[0].id = 0;
    for (cur = 1; cur < *n; cur++) {
        if (perms[cur].id != domid)
            perms[keep++] = perms[cur];
    }
    *n = keep;
}


void
xensim_xs_release_domain(xensim_xs *xs, uint32_t domid)
{
    xensim_xs_conn *c;
    xensim_xs_dom *d;
    bool introduced;

    /* onearg_domain() refuses dom0 */
    if (!xs || domid == 0)
        return;

    /* The domain's connection goes away with it. */
    for (c = xs->conns; c;) {
        xensim_xs_conn *next = c->next;

        if (c->caller == domid)
            xensim_xs_conn_destroy(xs, c);
        c = next;
    }

    if (!(d = xensim_xs_dom_find(xs, domid)))
        return;
    introduced = d->introduced;

    /* The root cannot be removed: it falls to dom0, as with
     * --keep-orphans. */
    if (xs->root->perms[0].id == domid) {
        xensim_xs_entry_add(xs, domid, -1);
        xensim_xs_entry_add(xs, 0, 1);
        xs->root->perms[0].id = 0;
        xensim_xs_node_touch(xs, xs->root);
    }
    /* Out of memory part-way leaves some orphans behind, as a failed
     * rm_node() does in xenstored; they are not worth failing for. */
    xensim_xs_remove_owned(xs, xs->root, "/", domid);

    xensim_xs_special_forget(xs->introduce_perms, &xs->nintroduce_perms,
                             domid);
    xensim_xs_special_forget(xs->release_perms, &xs->nrelease_perms, domid);

    /* Nodes left owned by it (only after running out of memory) go to
     * dom0, so that every node's owner stays known. */
    if ((d = xensim_xs_dom_find(xs, domid)) && d->nbentry)
        xensim_xs_give_to_dom0(xs, xs->root, domid);
    xensim_xs_dom_drop(xs, domid);

    if (introduced)
        xensim_xs_fire(xs, "@releaseDomain", NULL, true, NULL, 0);
}


void
xensim_xs_shutdown_domain(xensim_xs *xs, uint32_t domid)
{
    xensim_xs_dom *d;

    if (!xs || !(d = xensim_xs_dom_find(xs, domid)) || !d->introduced ||
        d->shutdown)
        return;
    d->shutdown = true;
    xensim_xs_fire(xs, "@releaseDomain", NULL, true, NULL, 0);
}


bool
xensim_xs_domain_introduced(xensim_xs *xs, uint32_t domid)
{
    const xensim_xs_dom *d;

    return xs && (d = xensim_xs_dom_find(xs, domid)) && d->introduced;
}


int
xensim_xs_domain_usage(xensim_xs *xs, uint32_t domid, unsigned int *nodes,
                       unsigned int *watches)
{
    const xensim_xs_dom *d;

    if (!xs || !(d = xensim_xs_dom_find(xs, domid)))
        return -ENOENT;
    if (nodes)
        *nodes = d->nbentry;
    if (watches)
        *watches = d->nbwatch;
    return 0;
}
