/*
 * xensim_client.c: talking to the simulated host daemon
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xensim_client.h"

typedef struct {
    char *path;
    char *token;
} xensim_event;

struct xensim_conn {
    int fd;
    uint64_t id;
    uint32_t domid;
    uint64_t xs_latency_ns;
    uint64_t hc_latency_ns;
    pthread_mutex_t lock;
    /* events that arrived while a call waited for its reply */
    xensim_event *events;
    size_t nevents;
};

static uint64_t
xensim_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}


/* Make the operation cost at least what it costs on a real host, so that
 * benchmarks on the simulated host do not flatter us.  A sleep overshoots
 * by tens of microseconds, so the last part is spent yielding. */
static void
xensim_charge_until(uint64_t start, uint64_t cost)
{
    uint64_t now;

    while ((now = xensim_now_ns()) - start < cost) {
        uint64_t left = cost - (now - start);

        if (left > 200000) {
            struct timespec ts = { 0, (long)(left - 100000) };

            nanosleep(&ts, NULL);
        } else {
            sched_yield();
        }
    }
}


static int
xensim_parse_event(const uint8_t *buf, size_t len, char **path, char **token)
{
    xensim_reader r;

    xensim_reader_init(&r, buf, len);
    if (xensim_get_u32(&r) != XENSIM_OP_EVENT)
        return -EPROTO;
    *path = xensim_get_str(&r);
    *token = xensim_get_str(&r);
    if (!*path || !*token || !xensim_reader_done(&r)) {
        free(*path);
        free(*token);
        *path = *token = NULL;
        return -EPROTO;
    }
    return 0;
}


/* Read frames until a reply; queue the events met on the way */
static int
xensim_recv_reply(xensim_conn *c, uint8_t **buf, size_t *len)
{
    for (;;) {
        xensim_event *ev;
        int rc;

        if ((rc = xensim_frame_recv(c->fd, buf, len)) < 0)
            return rc;
        if (*len < 4 || (*buf)[0] != XENSIM_OP_EVENT || (*buf)[1] || (*buf)[2] || (*buf)[3])
            return 0;

        if ((ev = realloc(c->events, (c->nevents + 1) * sizeof(*ev)))) {
            c->events = ev;
            if (xensim_parse_event(*buf, *len, &ev[c->nevents].path,
                                   &ev[c->nevents].token) == 0)
                c->nevents++;
        }
        free(*buf);
        *buf = NULL;
    }
}


int
xensim_call(xensim_conn *c, xensim_op op, const xensim_writer *args,
            xensim_charge charge, uint8_t **reply, size_t *len)
{
    uint64_t start = xensim_now_ns();
    xensim_writer w;
    uint8_t *buf = NULL;
    size_t buflen = 0;
    xensim_reader r;
    int32_t result;
    int rc;

    *reply = NULL;
    *len = 0;

    xensim_writer_init(&w);
    xensim_put_u32(&w, op);
    if (args)
        xensim_put_data(&w, args->buf, args->len);
    if (args && args->failed)
        w.failed = true;

    pthread_mutex_lock(&c->lock);
    rc = xensim_frame_send(c->fd, &w);
    if (rc == 0)
        rc = xensim_recv_reply(c, &buf, &buflen);
    pthread_mutex_unlock(&c->lock);
    xensim_writer_free(&w);
    if (rc < 0)
        return rc;

    xensim_reader_init(&r, buf, buflen);
    result = (int32_t)xensim_get_u32(&r);
    if (r.failed) {
        free(buf);
        return -EPROTO;
    }
    *len = buflen - 4;
    if (*len)
        memmove(buf, buf + 4, *len);
    *reply = buf;

    if (charge == XENSIM_CHARGE_XENSTORE)
        xensim_charge_until(start, c->xs_latency_ns);
    else if (charge == XENSIM_CHARGE_HYPERCALL)
        xensim_charge_until(start, c->hc_latency_ns);
    return result;
}


int
xensim_call_path(xensim_conn *c, xensim_op op, const char *path,
                 uint8_t **reply, size_t *len)
{
    xensim_writer args;
    int rc;

    xensim_writer_init(&args);
    xensim_put_str(&args, path);
    rc = xensim_call(c, op, &args, XENSIM_CHARGE_XENSTORE, reply, len);
    xensim_writer_free(&args);
    return rc;
}


xensim_conn *
xensim_conn_open(const char *path, uint32_t domid, int *err)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    xensim_conn *c;
    xensim_writer args;
    xensim_reader r;
    uint8_t *reply;
    size_t len;
    int rc;

    if (!path)
        path = getenv(XENSIM_SOCKET_ENV);
    if (!path || !*path) {
        *err = -ENOENT;
        return NULL;
    }
    if (strlen(path) >= sizeof(addr.sun_path)) {
        *err = -ENAMETOOLONG;
        return NULL;
    }
    strcpy(addr.sun_path, path);

    if (!(c = calloc(1, sizeof(*c)))) {
        *err = -ENOMEM;
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->domid = domid;
    if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        *err = -errno;
        xensim_conn_close(c);
        return NULL;
    }

    xensim_writer_init(&args);
    xensim_put_u32(&args, domid);
    rc = xensim_call(c, XENSIM_OP_HELLO, &args, XENSIM_CHARGE_NONE, &reply, &len);
    xensim_writer_free(&args);
    if (rc < 0) {
        *err = rc;
        xensim_conn_close(c);
        return NULL;
    }
    xensim_reader_init(&r, reply, len);
    c->id = xensim_get_u64(&r);
    c->xs_latency_ns = xensim_get_u64(&r);
    c->hc_latency_ns = xensim_get_u64(&r);
    free(reply);
    if (!xensim_reader_done(&r)) {
        *err = -EPROTO;
        xensim_conn_close(c);
        return NULL;
    }
    return c;
}


void
xensim_conn_close(xensim_conn *c)
{
    size_t i;

    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    for (i = 0; i < c->nevents; i++) {
        free(c->events[i].path);
        free(c->events[i].token);
    }
    free(c->events);
    pthread_mutex_destroy(&c->lock);
    free(c);
}


int
xensim_conn_fd(const xensim_conn *c)
{
    return c->fd;
}


uint64_t
xensim_conn_id(const xensim_conn *c)
{
    return c->id;
}


uint32_t
xensim_conn_domid(const xensim_conn *c)
{
    return c->domid;
}


static int
xensim_conn_next_event(xensim_conn *c, bool wait, char **path, char **token)
{
    struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
    uint8_t *buf;
    size_t len;
    int rc;

    pthread_mutex_lock(&c->lock);
    if (c->nevents) {
        *path = c->events[0].path;
        *token = c->events[0].token;
        memmove(&c->events[0], &c->events[1], (c->nevents - 1) * sizeof(c->events[0]));
        c->nevents--;
        pthread_mutex_unlock(&c->lock);
        return 0;
    }
    /* the daemon writes each event frame whole: once a byte is there, the
     * rest follows at once */
    if (!wait && poll(&pfd, 1, 0) <= 0) {
        pthread_mutex_unlock(&c->lock);
        return -EAGAIN;
    }
    rc = xensim_frame_recv(c->fd, &buf, &len);
    pthread_mutex_unlock(&c->lock);
    if (rc < 0)
        return rc;
    rc = xensim_parse_event(buf, len, path, token);
    free(buf);
    return rc;
}


int
xensim_conn_read_event(xensim_conn *c, char **path, char **token)
{
    return xensim_conn_next_event(c, true, path, token);
}


int
xensim_conn_try_event(xensim_conn *c, char **path, char **token)
{
    return xensim_conn_next_event(c, false, path, token);
}


int
xensim_physinfo_get(xensim_conn *c, xensim_physinfo *info)
{
    xensim_reader r;
    uint8_t *reply;
    size_t len;
    int rc;

    if ((rc = xensim_call(c, XENSIM_OP_PHYSINFO, NULL, XENSIM_CHARGE_HYPERCALL,
                          &reply, &len)) < 0) {
        free(reply);
        return rc;
    }
    xensim_reader_init(&r, reply, len);
    info->total_pages = xensim_get_u64(&r);
    info->free_pages = xensim_get_u64(&r);
    info->outstanding_pages = xensim_get_u64(&r);
    info->xen_pages = xensim_get_u64(&r);
    info->nr_cpus = xensim_get_u32(&r);
    info->cpu_khz = xensim_get_u64(&r);
    info->populate_rate = xensim_get_u64(&r);
    info->device_setup_ms = xensim_get_u32(&r);
    info->flags = xensim_get_u32(&r);
    rc = xensim_reader_done(&r) ? 0 : -EPROTO;
    free(reply);
    return rc;
}


bool
xensim_read_dominfo(xensim_reader *r, xensim_dominfo *info)
{
    char *name;
    const uint8_t *uuid;
    size_t ulen = 0;

    memset(info, 0, sizeof(*info));
    info->domid = xensim_get_u32(r);
    if (!(name = xensim_get_str(r)))
        return false;
    if (strlen(name) >= sizeof(info->name)) {
        free(name);
        return false;
    }
    strcpy(info->name, name);
    free(name);
    uuid = xensim_get_bytes(r, &ulen);
    if (!uuid || ulen != sizeof(info->uuid))
        return false;
    memcpy(info->uuid, uuid, ulen);
    info->type = xensim_get_u32(r);
    info->vcpus = xensim_get_u32(r);
    info->tot_pages = xensim_get_u64(r);
    info->max_pages = xensim_get_u64(r);
    info->target_pages = xensim_get_u64(r);
    info->outstanding_pages = xensim_get_u64(r);
    info->paged_pages = xensim_get_u64(r);
    info->paging_target = xensim_get_u64(r);
    info->used_pages = xensim_get_u64(r);
    info->flags = xensim_get_u32(r);
    info->shutdown_reason = xensim_get_u32(r);
    info->cpu_time_ns = xensim_get_u64(r);
    info->balloon_rate = xensim_get_u64(r);
    info->pager = xensim_get_u32(r);
    info->balloon_floor = xensim_get_u64(r);
    return !r->failed;
}


int
xensim_dominfo_get(xensim_conn *c, uint32_t domid, xensim_dominfo *info)
{
    xensim_writer args;
    xensim_reader r;
    uint8_t *reply;
    size_t len;
    int rc;

    xensim_writer_init(&args);
    xensim_put_u32(&args, domid);
    rc = xensim_call(c, XENSIM_OP_DOMAIN_INFO, &args, XENSIM_CHARGE_HYPERCALL,
                     &reply, &len);
    xensim_writer_free(&args);
    if (rc == 0) {
        xensim_reader_init(&r, reply, len);
        if (!xensim_read_dominfo(&r, info) || !xensim_reader_done(&r))
            rc = -EPROTO;
    }
    free(reply);
    return rc;
}


int
xensim_dominfo_list(xensim_conn *c, xensim_dominfo **infos, uint32_t *n)
{
    xensim_reader r;
    uint8_t *reply;
    size_t len;
    uint32_t i;
    int rc;

    *infos = NULL;
    *n = 0;
    if ((rc = xensim_call(c, XENSIM_OP_DOMAIN_LIST, NULL, XENSIM_CHARGE_HYPERCALL,
                          &reply, &len)) < 0) {
        free(reply);
        return rc;
    }
    xensim_reader_init(&r, reply, len);
    *n = xensim_get_u32(&r);
    /* each record is at least 80 bytes: bound the allocation by the frame */
    if (r.failed || *n > len / 80 + 1 || !(*infos = calloc(*n + 1, sizeof(**infos)))) {
        free(reply);
        *n = 0;
        return r.failed ? -EPROTO : -ENOMEM;
    }
    for (i = 0; i < *n; i++) {
        if (!xensim_read_dominfo(&r, &(*infos)[i]))
            break;
    }
    if (i < *n || !xensim_reader_done(&r)) {
        free(*infos);
        *infos = NULL;
        *n = 0;
        rc = -EPROTO;
    }
    free(reply);
    return rc;
}


/* A request on a domain with one u64 argument; the reply's first @nout
 * u64 values go to @out.  -EPROTO if a successful reply holds fewer. */
static int
xensim_domain_u64_call(xensim_conn *c, xensim_op op, uint32_t domid,
                       uint64_t v, uint64_t *out, size_t nout)
{
    xensim_writer args;
    xensim_reader r;
    uint8_t *reply;
    size_t len;
    size_t i;
    int rc;

    xensim_writer_init(&args);
    xensim_put_u32(&args, domid);
    xensim_put_u64(&args, v);
    rc = xensim_call(c, op, &args, XENSIM_CHARGE_HYPERCALL, &reply, &len);
    xensim_writer_free(&args);
    xensim_reader_init(&r, reply, len);
    for (i = 0; i < nout; i++)
        out[i] = xensim_get_u64(&r);
    free(reply);
    if (rc == 0 && r.failed)
        rc = -EPROTO;
    return rc;
}


int
xensim_domain_u64_op(xensim_conn *c, xensim_op op, uint32_t domid,
                     uint64_t v, uint64_t *out)
{
    uint64_t values[1] = { 0 };
    int rc = xensim_domain_u64_call(c, op, domid, v, values, out ? 1 : 0);

    if (out)
        *out = values[0];
    return rc;
}


/* Populate @pages; *wait_ns is how long the pages take to populate at the
 * host's shared populate rate, which the caller spends before going on */
int
xensim_domain_populate_paced(xensim_conn *c, uint32_t domid, uint64_t pages,
                             uint64_t *done, uint64_t *wait_ns)
{
    uint64_t values[2] = { 0, 0 };
    int rc = xensim_domain_u64_call(c, XENSIM_OP_POPULATE, domid, pages, values, 2);

    *done = values[0];
    *wait_ns = values[1];
    return rc;
}


int
xensim_domain_u32_op(xensim_conn *c, xensim_op op, uint32_t domid, uint32_t v)
{
    xensim_writer args;
    uint8_t *reply;
    size_t len;
    int rc;

    xensim_writer_init(&args);
    xensim_put_u32(&args, domid);
    if (op != XENSIM_OP_DESTROY && op != XENSIM_OP_DOMAIN_INFO &&
        op != XENSIM_OP_PAGER_ATTACH && op != XENSIM_OP_PAGER_DETACH)
        xensim_put_u32(&args, v);
    rc = xensim_call(c, op, &args, XENSIM_CHARGE_HYPERCALL, &reply, &len);
    xensim_writer_free(&args);
    free(reply);
    return rc;
}


int
xensim_xs_read_value(xensim_conn *c, const char *path, char **value, size_t *len)
{
    xensim_reader r;
    const uint8_t *data;
    uint8_t *reply;
    size_t rlen;
    int rc;

    *value = NULL;
    *len = 0;
    rc = xensim_call_path(c, XENSIM_OP_XS_READ, path, &reply, &rlen);
    if (rc == 0) {
        xensim_reader_init(&r, reply, rlen);
        data = xensim_get_bytes(&r, len);
        if (!data || !xensim_reader_done(&r) || !(*value = malloc(*len + 1))) {
            rc = -EPROTO;
        } else {
            memcpy(*value, data, *len);
            (*value)[*len] = '\0';
        }
    }
    free(reply);
    return rc;
}


int
xensim_xs_write_value(xensim_conn *c, const char *path, const void *value,
                      size_t len)
{
    xensim_writer args;
    uint8_t *reply;
    size_t rlen;
    int rc;

    xensim_writer_init(&args);
    xensim_put_str(&args, path);
    xensim_put_bytes(&args, value, len);
    rc = xensim_call(c, XENSIM_OP_XS_WRITE, &args, XENSIM_CHARGE_XENSTORE,
                     &reply, &rlen);
    xensim_writer_free(&args);
    free(reply);
    return rc;
}


int
xensim_xs_path_op(xensim_conn *c, xensim_op op, const char *path)
{
    uint8_t *reply;
    size_t rlen;
    int rc = xensim_call_path(c, op, path, &reply, &rlen);

    free(reply);
    return rc;
}
