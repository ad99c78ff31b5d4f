/*
 * xensimd_faults.c: faults for later calls of one kind
 *
 * A test names a kind of call (a hypercall-like operation, a xenstore
 * write of a path) and what happens to the one that matches after some
 * others did: it fails with an errno, as a refused hypercall or a
 * xenstored that refuses a write (quota, permissions, I/O) does, or it is
 * held, unanswered, until the test releases it.  A held call stops its
 * caller exactly there, so that the test can kill the caller between two
 * named steps of what it was doing without guessing at times.  Each rule
 * fires once, on a request of a dom0 connection only (guests' requests
 * pass unchecked); a held call whose connection goes (its caller killed)
 * is never served.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "xensimd_internal.h"

static bool
xensimd_fault_op_has_path(uint32_t op)
{
    switch (op) {
    case XENSIM_OP_XS_READ:
    case XENSIM_OP_XS_WRITE:
    case XENSIM_OP_XS_MKDIR:
    case XENSIM_OP_XS_RM:
    case XENSIM_OP_XS_DIRECTORY:
    case XENSIM_OP_XS_GET_PERMS:
    case XENSIM_OP_XS_SET_PERMS:
        return true;
    default:
        return false;
    }
}


static void
xensimd_fault_remove(xensimd *d, size_t i)
{
    free(d->call_faults[i].pattern);
    memmove(&d->call_faults[i], &d->call_faults[i + 1],
            (d->ncall_faults - i - 1) * sizeof(d->call_faults[0]));
    d->ncall_faults--;
}


int
xensimd_fault_check(xensimd *d, xensimd_client *c, const uint8_t *frame,
                    size_t len, int *err)
{
    xensim_reader r;
    uint32_t op;
    char *path = NULL;
    size_t i;

    if (c->released) {
        c->released = false;
        return 0;
    }
    /* the rules are dom0's, for the toolstack's calls: a guest's request
     * (an agent's writes under its home) neither fires nor waits on one
     * meant for libvirtd */
    if (!d->ncall_faults || c->domid != 0)
        return 0;
    xensim_reader_init(&r, frame, len);
    op = xensim_get_u32(&r);
    if (r.failed)
        return 0;
    for (i = 0; i < d->ncall_faults; i++) {
        xensimd_call_fault *f = &d->call_faults[i];
        int action;

        if (f->op != op)
            continue;
        if (f->pattern) {
            /* the xenstore requests start with their path; xenstored
             * resolves a relative one against the caller's home, which
             * no caller of these rules uses */
            if (!path && !(path = xensim_get_str(&r)))
                return 0;
            if (fnmatch(f->pattern, path, 0) != 0)
                continue;
        }
        if (f->skip) {
            f->skip--;
            continue;
        }
        if (f->err) {
            *err = -f->err;
            action = 1;
        } else {
            if (d->held_client)     /* one call held at a time */
                continue;
            d->held_client = c->id;
            d->held_op = op;
            free(d->held_path);
            d->held_path = path;
            path = NULL;
            c->held = true;
            action = 2;
        }
        xensimd_fault_remove(d, i);
        free(path);
        return action;
    }
    free(path);
    return 0;
}


void
xensimd_fault_conn_gone(xensimd *d, uint64_t conn)
{
    if (d->held_client != conn)
        return;
    /* its caller is gone: the call never happens */
    d->held_client = 0;
}


void
xensimd_fault_clear(xensimd *d)
{
    while (d->ncall_faults)
        xensimd_fault_remove(d, d->ncall_faults - 1);
    free(d->held_path);
    d->held_path = NULL;
}


int
xensimd_fault_op(xensimd *d, xensim_reader *r, xensim_writer *w)
{
    uint32_t what = xensim_get_u32(r);
    size_t i;

    switch (what) {
    case XENSIM_FAULT_CALL_ADD: {
        uint32_t op = xensim_get_u32(r);
        char *pattern = xensim_get_str(r);
        uint32_t skip = xensim_get_u32(r);
        uint32_t err = xensim_get_u32(r);
        xensimd_call_fault *f;

        if (!pattern || !xensim_reader_done(r) || op == 0 ||
            op >= XENSIM_OP_LAST || op == XENSIM_OP_EVENT ||
            op == XENSIM_OP_FAULT_CALL || op == XENSIM_OP_HELLO ||
            err > 4095 || (*pattern && !xensimd_fault_op_has_path(op))) {
            free(pattern);
            return -EINVAL;
        }
        if (d->ncall_faults == XENSIMD_CALL_FAULTS_MAX) {
            free(pattern);
            return -ENOSPC;
        }
        f = &d->call_faults[d->ncall_faults++];
        f->op = op;
        f->pattern = *pattern ? pattern : NULL;
        if (!*pattern)
            free(pattern);
        f->skip = skip;
        f->err = (int)err;
        return 0;
    }
    case XENSIM_FAULT_CALL_CLEAR:
        if (!xensim_reader_done(r))
            return -EPROTO;
        while (d->ncall_faults)
            xensimd_fault_remove(d, d->ncall_faults - 1);
        return 0;
    case XENSIM_FAULT_CALL_HELD:
        if (!xensim_reader_done(r))
            return -EPROTO;
        xensim_put_u32(w, d->held_client != 0);
        xensim_put_u32(w, d->held_client ? d->held_op : 0);
        xensim_put_str(w, d->held_client && d->held_path ? d->held_path : "");
        return 0;
    case XENSIM_FAULT_CALL_RELEASE:
        if (!xensim_reader_done(r))
            return -EPROTO;
        if (!d->held_client)
            return -ENOENT;
        for (i = 0; i < d->nclients; i++) {
            if (d->clients[i].id == d->held_client) {
                /* served by the daemon's loop, after this request */
                d->clients[i].held = false;
                d->clients[i].released = true;
            }
        }
        d->held_client = 0;
        return 0;
    default:
        return -EINVAL;
    }
}
