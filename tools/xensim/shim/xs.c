/*
 * xs.c: libxenstore's client API on the simulated host's xenstore
 *
 * Used by libvirt's driver (dom0) and, with $XENSIM_DOMID set, by a guest
 * agent acting as that guest, whose requests then carry the guest's
 * permissions.  Results and errno follow libxenstore: NULL or false with
 * errno set on failure.  Transactions are accepted and are not isolated:
 * every request is atomic on its own, which is all the callers here need.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "shim.h"

struct xs_handle {
    xensim_conn *conn;          /* requests */
    xensim_conn *events;        /* watch events, opened on first watch */
    pthread_mutex_t lock;
    uint32_t domid;
};

static struct xs_handle *
xensim_xs_open(void)
{
    const char *env = getenv(XENSIM_DOMID_ENV);
    struct xs_handle *h;
    int err = 0;

    if (!(h = calloc(1, sizeof(*h)))) {
        errno = ENOMEM;
        return NULL;
    }
    if (env && *env) {
        char *end;
        unsigned long id = strtoul(env, &end, 10);

        if (*end || id >= 0x7FF0) {
            free(h);
            errno = EINVAL;
            return NULL;
        }
        h->domid = id;
    }
    if (!(h->conn = xensim_conn_open(NULL, h->domid, &err))) {
        free(h);
        errno = -err;
        return NULL;
    }
    pthread_mutex_init(&h->lock, NULL);
    return h;
}


struct xs_handle *
xs_open(unsigned long flags)
{
    (void)flags;
    return xensim_xs_open();
}


struct xs_handle *
xs_daemon_open(void)
{
    return xensim_xs_open();
}


struct xs_handle *
xs_daemon_open_readonly(void)
{
    return xensim_xs_open();
}


struct xs_handle *
xs_domain_open(void)
{
    return xensim_xs_open();
}


void
xs_close(struct xs_handle *h)
{
    if (!h)
        return;
    xensim_conn_close(h->conn);
    xensim_conn_close(h->events);
    pthread_mutex_destroy(&h->lock);
    free(h);
}


void
xs_daemon_close(struct xs_handle *h)
{
    xs_close(h);
}


static bool
xensim_xs_result(int rc)
{
    if (rc < 0) {
        errno = -rc;
        return false;
    }
    return true;
}


void *
xs_read(struct xs_handle *h, xs_transaction_t t, const char *path,
        unsigned int *len)
{
    char *value = NULL;
    size_t vlen = 0;
    int rc;

    (void)t;
    if ((rc = xensim_xs_read_value(h->conn, path, &value, &vlen)) < 0) {
        errno = -rc;
        return NULL;
    }
    if (len)
        *len = vlen;
    return value;
}


bool
xs_write(struct xs_handle *h, xs_transaction_t t, const char *path,
         const void *data, unsigned int len)
{
    (void)t;
    return xensim_xs_result(xensim_xs_write_value(h->conn, path, data, len));
}


bool
xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    (void)t;
    return xensim_xs_result(xensim_xs_path_op(h->conn, XENSIM_OP_XS_MKDIR, path));
}


bool
xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    (void)t;
    return xensim_xs_result(xensim_xs_path_op(h->conn, XENSIM_OP_XS_RM, path));
}


/* libxenstore returns one allocation: the pointer array followed by the
 * strings, so that a single free() releases it. */
static char **
xensim_xs_pack(char **items, unsigned int n)
{
    size_t size = (n + 1) * sizeof(char *);
    unsigned int i;
    char **vec;
    char *p;

    for (i = 0; i < n; i++)
        size += strlen(items[i]) + 1;
    if (!(vec = malloc(size)))
        return NULL;
    p = (char *)(vec + n + 1);
    for (i = 0; i < n; i++) {
        size_t len = strlen(items[i]) + 1;

        vec[i] = memcpy(p, items[i], len);
        p += len;
    }
    vec[n] = NULL;
    return vec;
}


char **
xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
             unsigned int *num)
{
    xensim_reader r;
    uint8_t *reply;
    size_t len;
    char **names = NULL;
    char **vec = NULL;
    uint32_t n = 0;
    uint32_t i = 0;
    int rc;

    (void)t;
    rc = xensim_call_path(h->conn, XENSIM_OP_XS_DIRECTORY, path, &reply, &len);
    if (rc < 0) {
        free(reply);
        errno = -rc;
        return NULL;
    }

    xensim_reader_init(&r, reply, len);
    n = xensim_get_u32(&r);
    if (!r.failed && n <= len / 4 && (names = calloc(n + 1, sizeof(*names)))) {
        for (i = 0; i < n; i++) {
            if (!(names[i] = xensim_get_str(&r)))
                break;
        }
    }
    if (names && i == n && xensim_reader_done(&r))
        vec = xensim_xs_pack(names, n);
    if (names) {
        for (i = 0; i < n; i++)
            free(names[i]);
        free(names);
    }
    free(reply);
    if (!vec) {
        errno = EPROTO;
        return NULL;
    }
    *num = n;
    return vec;
}


struct xs_permissions *
xs_get_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                   unsigned int *num)
{
    xensim_reader r;
    struct xs_permissions *perms = NULL;
    uint8_t *reply;
    size_t len;
    uint32_t n, i;
    int rc;

    (void)t;
    rc = xensim_call_path(h->conn, XENSIM_OP_XS_GET_PERMS, path, &reply, &len);
    if (rc < 0) {
        free(reply);
        errno = -rc;
        return NULL;
    }
    xensim_reader_init(&r, reply, len);
    n = xensim_get_u32(&r);
    if (!r.failed && n && n <= len / 8 && (perms = calloc(n, sizeof(*perms)))) {
        for (i = 0; i < n; i++) {
            perms[i].id = xensim_get_u32(&r);
            perms[i].perms = xensim_get_u32(&r);
        }
    }
    free(reply);
    if (!perms || !xensim_reader_done(&r)) {
        free(perms);
        errno = EPROTO;
        return NULL;
    }
    *num = n;
    return perms;
}


bool
xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                   struct xs_permissions *perms, unsigned int num)
{
    xensim_writer args;
    uint8_t *reply;
    size_t len;
    unsigned int i;
    int rc;

    (void)t;
    xensim_writer_init(&args);
    xensim_put_str(&args, path);
    xensim_put_u32(&args, num);
    for (i = 0; i < num; i++) {
        xensim_put_u32(&args, perms[i].id);
        xensim_put_u32(&args, perms[i].perms);
    }
    rc = xensim_call(h->conn, XENSIM_OP_XS_SET_PERMS, &args,
                     XENSIM_CHARGE_XENSTORE, &reply, &len);
    xensim_writer_free(&args);
    free(reply);
    return xensim_xs_result(rc);
}


static int
xensim_xs_events_conn(struct xs_handle *h)
{
    int err = 0;

    pthread_mutex_lock(&h->lock);
    if (!h->events && !(h->events = xensim_conn_open(NULL, h->domid, &err))) {
        pthread_mutex_unlock(&h->lock);
        return err;
    }
    pthread_mutex_unlock(&h->lock);
    return 0;
}


static bool
xensim_xs_watch_op(struct xs_handle *h, xensim_op op, const char *path,
                   const char *token)
{
    xensim_writer args;
    uint8_t *reply;
    size_t len;
    int rc;

    if ((rc = xensim_xs_events_conn(h)) < 0)
        return xensim_xs_result(rc);
    xensim_writer_init(&args);
    xensim_put_u64(&args, xensim_conn_id(h->events));
    xensim_put_str(&args, path);
    xensim_put_str(&args, token);
    rc = xensim_call(h->conn, op, &args, XENSIM_CHARGE_XENSTORE, &reply, &len);
    xensim_writer_free(&args);
    free(reply);
    return xensim_xs_result(rc);
}


bool
xs_watch(struct xs_handle *h, const char *path, const char *token)
{
    return xensim_xs_watch_op(h, XENSIM_OP_XS_WATCH, path, token);
}


bool
xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
    return xensim_xs_watch_op(h, XENSIM_OP_XS_UNWATCH, path, token);
}


int
xs_fileno(struct xs_handle *h)
{
    int rc;

    if ((rc = xensim_xs_events_conn(h)) < 0) {
        errno = -rc;
        return -1;
    }
    return xensim_conn_fd(h->events);
}


static char **
xensim_xs_next_watch(struct xs_handle *h, bool wait, unsigned int *num)
{
    char *items[2] = { NULL, NULL };
    char **vec;
    int rc;

    if ((rc = xensim_xs_events_conn(h)) < 0 ||
        (rc = (wait ? xensim_conn_read_event : xensim_conn_try_event)(
                  h->events, &items[XS_WATCH_PATH], &items[XS_WATCH_TOKEN])) < 0) {
        errno = -rc;
        return NULL;
    }
    vec = xensim_xs_pack(items, 2);
    free(items[0]);
    free(items[1]);
    if (!vec) {
        errno = ENOMEM;
        return NULL;
    }
    if (num)
        *num = 2;
    return vec;
}


char **
xs_read_watch(struct xs_handle *h, unsigned int *num)
{
    return xensim_xs_next_watch(h, true, num);
}


/* libxenstore's non-blocking variant: NULL with EAGAIN when none waits */
char **
xs_check_watch(struct xs_handle *h)
{
    return xensim_xs_next_watch(h, false, NULL);
}


xs_transaction_t
xs_transaction_start(struct xs_handle *h)
{
    (void)h;
    return 1;
}


bool
xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
    (void)h;
    (void)t;
    (void)abort;
    return true;
}


char *
xs_get_domain_path(struct xs_handle *h, unsigned int domid)
{
    char *path;

    (void)h;
    if (asprintf(&path, "/local/domain/%u", domid) < 0) {
        errno = ENOMEM;
        return NULL;
    }
    return path;
}
