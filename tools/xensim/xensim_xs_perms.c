/*
 * xensim_xs_perms.c: the xenstore model's permissions: who may do what,
 * the special nodes' permissions, XS_GET_PERMS and XS_SET_PERMS
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


/* ---- permissions ---- */

bool
xensim_xs_privileged(uint32_t caller)
{
    /* xenstored's domid_is_unprivileged(): dom0 (and a configured
     * priv_domid, not modelled) may do everything. */
    return caller == 0;
}


/* xenstored's perm_for_conn(): privileged callers and the owner get
 * everything; otherwise the first entry after the owner naming the caller
 * decides, and the owner entry's perms are the default.  node (may be
 * NULL for the special nodes) supplies the generation for ignoring
 * entries of domains that did not exist when it was written. */
unsigned int
xensim_xs_perm_eval(const xensim_xs *xs, uint32_t caller,
                    const xensim_xs_perm *perms, unsigned int n,
                    const xensim_xs_node *node)
{
    unsigned int i;

    if (xensim_xs_privileged(caller) || perms[0].id == caller)
        return XENSIM_XS_PERM_MASK | XENSIM_XS_PERM_OWNER;
    for (i = 1; i < n; i++) {
        if (perms[i].id == caller &&
            !xensim_xs_perm_entry_ignored(xs, node, &perms[i]))
            return perms[i].perms & XENSIM_XS_PERM_MASK;
    }
    return perms[0].perms & XENSIM_XS_PERM_MASK;
}


unsigned int
xensim_xs_perm_for_node(const xensim_xs *xs, uint32_t caller,
                        const xensim_xs_node *node)
{
    return xensim_xs_perm_eval(xs, caller, node->perms, node->nperms, node);
}


/* xenstored's get_node() with errno_from_parents(): a node the caller may
 * not access is EACCES; a missing node is ENOENT only if its nearest
 * existing ancestor grants at least one of the wanted rights, else
 * EACCES, so that a caller cannot probe what it may not see. */
int
xensim_xs_get_node(xensim_xs *xs, uint32_t caller, const char *path,
                   unsigned int want, xensim_xs_node **out)
{
    xensim_xs_node *nearest = NULL;
    xensim_xs_node *node;

    if (!xensim_xs_valid_path(path))
        return -EINVAL;
    node = xensim_xs_lookup(xs, path, &nearest, NULL);
    if (node) {
        if ((xensim_xs_perm_for_node(xs, caller, node) & want) != want)
            return -EACCES;
        *out = node;
        return 0;
    }
    if (xensim_xs_perm_for_node(xs, caller, nearest) & want)
        return -ENOENT;
    return -EACCES;
}


/* The special nodes' permissions, xenstored's get_perms_special(). */
bool
xensim_xs_special_perms(xensim_xs *xs, const char *name,
                        xensim_xs_perm ***perms, unsigned int **n)
{
    if (strcmp(name, "@releaseDomain") == 0) {
        *perms = &xs->release_perms;
        *n = &xs->nrelease_perms;
        return true;
    }
    if (strcmp(name, "@introduceDomain") == 0) {
        *perms = &xs->introduce_perms;
        *n = &xs->nintroduce_perms;
        return true;
    }
    return false;
}


/* ---- permission requests ---- */

int
xensim_xs_get_perms(xensim_xs *xs, uint32_t caller, const char *path,
                    xensim_xs_perm **perms, unsigned int *n)
{
    xensim_xs_node *node;
    xensim_xs_perm *r;
    unsigned int i;
    int ret;

    if (!perms || !n)
        return -EINVAL;
    if ((ret = xensim_xs_begin_read(xs, caller, path, &node)) < 0)
        return ret;
    if (!(r = malloc(node->nperms * sizeof(*r))))
        return -ENOMEM;
    /* xs_perm_to_string() prints ignored entries like the others. */
    for (i = 0; i < node->nperms; i++) {
        r[i].id = node->perms[i].id;
        r[i].perms = node->perms[i].perms & XENSIM_XS_PERM_MASK;
    }
    *perms = r;
    *n = node->nperms;
    return 0;
}


/* Bytes the permission list takes in an XS_SET_PERMS request. */
static size_t
xensim_xs_perms_payload(const xensim_xs_perm *perms, unsigned int n)
{
    size_t len = 0;
    unsigned int i;

    for (i = 0; i < n; i++) {
        char buf[16];

        if (xensim_xs_perm_format(&perms[i], buf, sizeof(buf)) == 0)
            len += strlen(buf) + 1;
        else
            len += 2;
    }
    return len;
}


/* xenstored's set_perms_special(): only those who may write and own the
 * special node may change who hears its events. */
static int
xensim_xs_set_perms_special(xensim_xs *xs, uint32_t caller, const char *name,
                            const xensim_xs_perm *perms, unsigned int n)
{
    xensim_xs_perm **sp;
    xensim_xs_perm *copy;
    unsigned int *sn;
    unsigned int want = XENSIM_XS_PERM_WRITE | XENSIM_XS_PERM_OWNER;

    if (!xensim_xs_special_perms(xs, name, &sp, &sn))
        return -EINVAL;
    if ((xensim_xs_perm_eval(xs, caller, *sp, *sn, NULL) & want) != want)
        return -EACCES;
    if (!(copy = malloc(n * sizeof(*copy))))
        return -ENOMEM;
    memcpy(copy, perms, n * sizeof(*copy));
    free(*sp);
    *sp = copy;
    *sn = n;
    return 0;
}


int
xensim_xs_set_perms(xensim_xs *xs, uint32_t caller, const char *path,
                    const xensim_xs_perm *perms, unsigned int n)
{
    unsigned int want = XENSIM_XS_PERM_WRITE | XENSIM_XS_PERM_OWNER;
    xensim_xs_perm *old = NULL;
    xensim_xs_perm *copy = NULL;
    xensim_xs_node *node;
    unsigned int nold;
    unsigned int i;
    char *canon;
    int ret;

    if (!perms || n == 0)
        return -EINVAL;         /* do_set_perms() needs one entry at least */
    if ((ret = xensim_xs_begin(xs, caller, path,
                               xensim_xs_perms_payload(perms, n),
                               &canon)) < 0)
        return ret;
    /* quota_nb_perms_per_node, for unprivileged callers only. */
    if (!xensim_xs_privileged(caller) && n > XENSIM_XS_PERMS_PER_NODE_MAX) {
        ret = -ENOSPC;
        goto out;
    }
    /* Only r, w, b and n can be written on the wire. */
    for (i = 0; i < n; i++) {
        if (perms[i].perms & ~(unsigned int)XENSIM_XS_PERM_MASK) {
            ret = -EINVAL;
            goto out;
        }
    }

    if (canon[0] == '@') {
        ret = xensim_xs_set_perms_special(xs, caller, canon, perms, n);
        goto out;
    }

    /* do_set_perms(): the caller must own the node (or be privileged). */
    if ((ret = xensim_xs_get_node(xs, caller, canon, want, &node)) < 0)
        goto out;
    /* Unprivileged domains may not give their nodes away. */
    if (!xensim_xs_privileged(caller) && perms[0].id != node->perms[0].id) {
        ret = -EPERM;
        goto out;
    }
    if (xensim_xs_record_too_big(xs, caller,
                                 xensim_xs_node_record_size(
                                     n, node->datalen, node->childlen))) {
        ret = -ENOSPC;
        goto out;
    }

    ret = -ENOMEM;
    if (!(old = xensim_xs_perms_effective(xs, node)) ||
        !(copy = malloc(n * sizeof(*copy))) ||
        xensim_xs_dom_ref_perms(xs, perms, n) < 0)
        goto out;
    memcpy(copy, perms, n * sizeof(*copy));
    nold = node->nperms;

    xensim_xs_entry_add(xs, node->perms[0].id, -1);
    xensim_xs_entry_add(xs, copy[0].id, 1);
    free(node->perms);
    node->perms = copy;
    node->nperms = n;
    copy = NULL;
    /* The new entries were all checked against known domains just now,
     * so none is ignored. */
    node->generation = ++xs->generation;

    /* Watchers that could read the node before hear of it too. */
    xensim_xs_fire(xs, canon, node, false, old, nold);
    ret = 0;

 out:
    free(old);
    free(copy);
    free(canon);
    return ret;
}
