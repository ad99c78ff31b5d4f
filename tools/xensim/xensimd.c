/*
 * xensimd.c: the daemon that holds one simulated Xen host
 *
 * One process owns the host's model and its xenstore, so every client
 * (libvirtd through the libxl shim, guest agents, the xensim tool) sees
 * one host and every operation is atomic against the others, as a
 * hypercall is.  It also plays the guests' kernels: it acts on the
 * xenstore keys a real guest watches (memory/target for the balloon
 * driver, control/shutdown), and serves their consoles as xenconsoled
 * does (xensimd_console.c).  Pagers are processes of their own
 * (xensim-pager), as xenpaging is.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xensimd_internal.h"

#define TICK_MS 20


static volatile sig_atomic_t xensimd_signalled;

static void
xensimd_on_signal(int sig)
{
    (void)sig;
    xensimd_signalled = 1;
}


void
xensimd_config_default(xensimd_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    xensim_host_config_default(&cfg->host);
    cfg->xs_latency_ns = 65000;        /* dom0 xenstore read on real hosts */
    cfg->hc_latency_ns = 10000;
    cfg->guest_shutdown_ns = 200000000;
    cfg->node_size_max = 2048;
}


uint64_t
xensimd_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}


/* ---- replies and events ---------------------------------------------- */

/* A client that stops reading (a wedged guest agent) is dropped once
 * XENSIM_FRAME_MAX bytes wait for it, rather than growing the daemon. */
static void
xensimd_queue_frame(xensimd_client *c, const xensim_writer *w)
{
    xensim_put_frame(&c->out, w);
    if (c->out.failed)
        c->closing = true;
}


/* Drop what was written so the queue limit counts only what waits */
static void
xensimd_compact_client(xensimd_client *c)
{
    if (!c->outpos)
        return;
    memmove(c->out.buf, c->out.buf + c->outpos, c->out.len - c->outpos);
    c->out.len -= c->outpos;
    c->outpos = 0;
}


static void
xensimd_flush_client(xensimd_client *c)
{
    while (c->outpos < c->out.len) {
        ssize_t n = write(c->fd, c->out.buf + c->outpos, c->out.len - c->outpos);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                c->closing = true;
            xensimd_compact_client(c);
            return;
        }
        c->outpos += n;
    }
    xensim_writer_reset(&c->out);
    c->outpos = 0;
}


void
xensimd_deliver_events(xensimd *d)
{
    size_t i;

    for (i = 0; i < d->nclients; i++) {
        xensimd_client *c = &d->clients[i];
        char *path;
        char *token;

        while (xensim_xs_pop_event(d->xs, c->id, &path, &token) == 1) {
            xensim_writer w;

            xensim_writer_init(&w);
            xensim_put_u32(&w, XENSIM_OP_EVENT);
            xensim_put_str(&w, path);
            xensim_put_str(&w, token);
            xensimd_queue_frame(c, &w);
            xensim_writer_free(&w);
            free(path);
            free(token);
        }
        xensimd_flush_client(c);
    }
}


/* ---- the guests' side ---------------------------------------------------- */


/* The host moves in steps of at least this much.  A pass over the host
 * touches every domain and guest (balloons, traces, the agents' periods
 * in xenstore), and requests come in bursts (a toolstack operation is a
 * handful of them, each waiting for the last): with a pass before each,
 * a request on a host of 1000 domains took several times the 65 us it is
 * charged, the simulator's cost and not the driver's.  A millisecond is
 * well within the tick and within a balloon's step (0.5 MiB at
 * 512 MiB/s). */
#define XENSIMD_STEP_MIN_NS 1000000ULL

static void
xensimd_advance(xensimd *d)
{
    uint64_t now = xensimd_now_ns();

    if (now > d->last_ns && now - d->last_ns < XENSIMD_STEP_MIN_NS)
        return;
    if (now > d->last_ns)
        xensim_host_advance(&d->host, now - d->last_ns);
    d->last_ns = now;
    xensimd_guest_shutdowns(d, now);
    xensimd_guest_records(d, now);
}


/* ---- requests ---------------------------------------------------------- */


/* Handle every complete frame in the client's input buffer */
void
xensimd_client_input(xensimd *d, xensimd_client *c)
{
    size_t pos = 0;

    while (!c->held && c->inlen - pos >= 4) {
        const uint8_t *p = c->in + pos;
        uint32_t n = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
                     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        xensim_reader r;
        xensim_writer payload;
        xensim_writer reply;
        int rc;

        if (n > XENSIM_FRAME_MAX) {
            c->closing = true;
            return;
        }
        if (c->inlen - pos - 4 < n)
            break;

        xensim_writer_init(&payload);
        switch (xensimd_fault_check(d, c, p + 4, n, &rc)) {
        case 2:     /* held: the frame stays until it is released */
            xensim_writer_free(&payload);
            goto out;
        case 1:
            break;
        default:
            xensim_reader_init(&r, p + 4, n);
            rc = xensimd_dispatch(d, c, &r, &payload);
        }

        xensim_writer_init(&reply);
        xensim_put_u32(&reply, (uint32_t)rc);
        xensim_put_data(&reply, payload.buf, payload.len);
        xensimd_queue_frame(c, &reply);
        xensim_writer_free(&reply);
        xensim_writer_free(&payload);
        pos += 4 + n;
    }

 out:
    memmove(c->in, c->in + pos, c->inlen - pos);
    c->inlen -= pos;
}


static void
xensimd_client_read(xensimd *d, xensimd_client *c)
{
    if (c->incap - c->inlen < 65536) {
        size_t cap = c->incap ? c->incap * 2 : 65536;
        uint8_t *in;

        if (cap > XENSIM_FRAME_MAX + 65536 || !(in = realloc(c->in, cap))) {
            c->closing = true;
            return;
        }
        c->in = in;
        c->incap = cap;
    }

    for (;;) {
        ssize_t n = read(c->fd, c->in + c->inlen, c->incap - c->inlen);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                c->closing = true;
            return;
        }
        if (n == 0) {
            c->closing = true;
            return;
        }
        c->inlen += n;
        xensimd_client_input(d, c);
        return;
    }
}


xensimd_client *
xensimd_add_client(xensimd *d, int fd)
{
    xensimd_client *clients;
    xensimd_client *c;

    if (!(clients = realloc(d->clients, (d->nclients + 1) * sizeof(*clients))))
        return NULL;
    d->clients = clients;
    c = &d->clients[d->nclients++];
    memset(c, 0, sizeof(*c));
    c->fd = fd;
    c->id = ++d->next_client_id;
    c->domid = XENSIMD_NOBODY;
    xensim_writer_init(&c->out);
    return c;
}


static void
xensimd_accept(xensimd *d)
{
    int fd = accept4(d->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (fd >= 0 && !xensimd_add_client(d, fd))
        close(fd);
}


static void
xensimd_reap_clients(xensimd *d)
{
    size_t i = 0;

    while (i < d->nclients) {
        xensimd_client *c = &d->clients[i];

        if (!c->closing) {
            i++;
            continue;
        }
        xensim_xs_conn_gone(d->xs, c->id);
        xensimd_guest_conn_gone(d, c->id);
        xensimd_fault_conn_gone(d, c->id);
        close(c->fd);
        free(c->in);
        xensim_writer_free(&c->out);
        d->clients[i] = d->clients[--d->nclients];
    }
}


static int
xensimd_listen(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path))
        return -ENAMETOOLONG;
    strcpy(addr.sun_path, path);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
        return -errno;
    unlink(path);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(fd, 128) < 0) {
        int err = errno;

        close(fd);
        return -err;
    }
    return fd;
}


int
xensimd_init(xensimd *d, const xensimd_config *cfg)
{
    xensim_xs_limits limits;
    int rc;

    memset(d, 0, sizeof(*d));
    d->cfg = *cfg;
    d->console_epfd = -1;
    d->listen_fd = -1;
    if ((rc = xensim_host_init(&d->host, &cfg->host)) < 0)
        return rc;
    xensim_xs_limits_default(&limits);
    if (cfg->node_size_max)
        limits.node_size_max = cfg->node_size_max;
    if (!(d->xs = xensim_xs_new(&limits))) {
        xensim_host_clear(&d->host);
        return -ENOMEM;
    }
    return 0;
}


void
xensimd_clear(xensimd *d)
{
    size_t i;

    for (i = 0; i < d->nclients; i++)
        d->clients[i].closing = true;
    xensimd_reap_clients(d);
    free(d->clients);
    for (i = 0; i < d->nuserdata; i++) {
        free(d->userdata[i].name);
        free(d->userdata[i].data);
    }
    free(d->userdata);
    free(d->guests);
    for (i = 0; i < d->npresets; i++)
        free(d->presets[i].trace);
    free(d->presets);
    xensimd_console_close_all(d);
    xensimd_fault_clear(d);
    xensim_xs_free(d->xs);
    xensim_host_clear(&d->host);
}


int
xensimd_run(const xensimd_config *cfg, int ready_fd)
{
    struct sigaction sa = { .sa_handler = xensimd_on_signal };
    struct pollfd *fds = NULL;
    struct rlimit nofile;
    xensimd d;
    int rc;
    size_t i;

    /* every domain's console holds two descriptors (xensimd_console.c):
     * a host of a thousand domains needs more than a shell's default */
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    if ((rc = xensimd_init(&d, cfg)) < 0)
        return rc;
    if ((d.listen_fd = xensimd_listen(cfg->socket_path)) < 0) {
        rc = d.listen_fd;
        goto cleanup;
    }

    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (ready_fd >= 0) {
        if (write(ready_fd, "1", 1) != 1)
            rc = -errno;
        close(ready_fd);
    }

    d.last_ns = xensimd_now_ns();
    while (!d.stop && !xensimd_signalled) {
        struct pollfd *nfds = realloc(fds, (d.nclients + 2) * sizeof(*fds));

        if (!nfds) {
            rc = -ENOMEM;
            break;
        }
        fds = nfds;
        fds[0].fd = d.listen_fd;
        fds[0].events = POLLIN;
        for (i = 0; i < d.nclients; i++) {
            fds[i + 1].fd = d.clients[i].fd;
            fds[i + 1].events = POLLIN;
            if (d.clients[i].out.len)
                fds[i + 1].events |= POLLOUT;
        }

        /* every console is behind this one (poll skips it while -1) */
        fds[d.nclients + 1].fd = xensimd_console_fd(&d);
        fds[d.nclients + 1].events = POLLIN;

        if (poll(fds, d.nclients + 2, TICK_MS) < 0 && errno != EINTR) {
            rc = -errno;
            break;
        }

        xensimd_advance(&d);

        if (fds[d.nclients + 1].revents & POLLIN)
            xensimd_console_io(&d);

        /* clients first: an accept may move the array */
        for (i = 0; i < d.nclients; i++) {
            if (fds[i + 1].revents & (POLLERR | POLLHUP | POLLNVAL))
                fds[i + 1].revents |= POLLIN;
            if (fds[i + 1].revents & POLLIN)
                xensimd_client_read(&d, &d.clients[i]);
        }
        /* a call released by another client's request goes on now */
        for (i = 0; i < d.nclients; i++) {
            if (d.clients[i].released && !d.clients[i].closing)
                xensimd_client_input(&d, &d.clients[i]);
        }
        xensimd_deliver_events(&d);
        xensimd_reap_clients(&d);
        if (fds[0].revents & POLLIN)
            xensimd_accept(&d);
    }
    rc = rc < 0 ? rc : 0;

    /* let the client that asked us to stop read its reply */
    for (i = 0; i < d.nclients; i++)
        xensimd_flush_client(&d.clients[i]);

 cleanup:
    free(fds);
    if (d.listen_fd >= 0) {
        close(d.listen_fd);
        unlink(cfg->socket_path);
    }
    xensimd_clear(&d);
    return rc;
}
