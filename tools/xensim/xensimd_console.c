/*
 * xensimd_console.c: the guests' consoles, as xenconsoled serves them
 *
 * xenconsoled (tools/console/daemon/io.c, console_create_tty()) gives a
 * domain's console a pty: it opens the pair, keeps the slave open itself
 * (Linux reports EIO on a master whose slave nobody holds), puts the line
 * in raw mode, makes the master non-blocking and writes the slave's path
 * to the console frontend's "tty" key, which libxl waits for before it
 * reports the console and libxl_console_get_tty() reads.  It serves the
 * frontend once the toolstack has written it whole (its "ring-ref" and
 * "port" are what it waits for); a pty that breaks is closed and made
 * anew; all goes when the domain dies.  The daemon does the same, the
 * domain's pty opened when the domain is created and published when its
 * frontend is complete.  An HVM guest's serial port 0, which QEMU serves
 * on a real host (`-serial pty`, its path in serial/0/tty), is the same
 * line here: the simulated guest has one console.
 *
 * The daemon also plays the guest's end of the line: a banner naming the
 * domain and a login prompt when the domain is created, then every line
 * typed in (ended by CR or LF) echoed back with a new prompt, so a client
 * can see its own words come back.
 *
 * Nothing here may hold up the daemon: the master is non-blocking, the
 * consoles wait in one epoll set (a host of 1000 domains would otherwise
 * put 1000 more descriptors in every poll of the daemon's loop, which
 * serves a request each pass), a pass reads at most XENSIMD_CONSOLE_READ
 * bytes of a console that has input and handles at most
 * XENSIMD_CONSOLE_EVENTS consoles, a line longer
 * than XENSIMD_CONSOLE_LINE_MAX is answered in pieces, and what the guest
 * writes waits in a buffer of at most XENSIMD_CONSOLE_OUT_MAX bytes: when
 * it is full (a client that types and never reads, or none at all) the
 * oldest is dropped, as xenconsoled discards what overflows its buffer
 * and keeps the newest.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <termios.h>
#include <unistd.h>

#include "xensimd_internal.h"

#define XENSIMD_CONSOLE_READ 4096
#define XENSIMD_CONSOLE_LINE_MAX 1024
#define XENSIMD_CONSOLE_OUT_MAX 16384
#define XENSIMD_CONSOLE_OUT_MIN 256     /* a quiet guest's buffer */
#define XENSIMD_CONSOLE_EVENTS 64

struct xensimd_console {
    uint32_t domid;
    char name[XENSIM_NAME_MAX];
    bool hvm;
    int master;                 /* -1: the pty could not be made */
    int slave;                  /* held so that the master never sees EIO */
    char path[64];              /* the slave's */
    bool published;             /* its path is in xenstore */
    char line[XENSIMD_CONSOLE_LINE_MAX];
    size_t linelen;
    bool after_cr;              /* a LF right after a CR ends no new line */
    char *out;                  /* what the guest wrote, not yet taken */
    size_t outlen;
    size_t outcap;              /* grows up to XENSIMD_CONSOLE_OUT_MAX */
    uint32_t watched;           /* the epoll events asked for, 0 = none */
    uint64_t dropped;           /* bytes the guest's output lost */
    bool drop_logged;
};


static xensimd_console *
xensimd_console_find(xensimd *d, uint32_t domid)
{
    size_t i;

    for (i = 0; i < d->nconsoles; i++) {
        if (d->consoles[i]->domid == domid)
            return d->consoles[i];
    }
    return NULL;
}


/* The epoll set: the master's input always, its room for output while
 * the guest has some waiting */
static void
xensimd_console_watch(xensimd *d, xensimd_console *con)
{
    uint32_t want = con->master < 0 ? 0 : EPOLLIN | (con->outlen ? EPOLLOUT : 0);
    struct epoll_event ev = { .events = want, .data.ptr = con };

    if (want == con->watched || d->console_epfd < 0)
        return;
    if (epoll_ctl(d->console_epfd, con->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
                  con->master, &ev) < 0) {
        fprintf(stderr, "xensim: domain %u: cannot watch its console: %s\n",
                con->domid, strerror(errno));
        return;
    }
    con->watched = want;
}


static void
xensimd_console_close_tty(xensimd_console *con)
{
    /* closing the master takes it out of the epoll set */
    con->watched = 0;
    if (con->master >= 0)
        close(con->master);
    if (con->slave >= 0)
        close(con->slave);
    con->master = con->slave = -1;
    con->path[0] = '\0';
}


/* As console_create_tty(): the pair, the slave held in raw mode, the
 * master non-blocking.  0 or -errno, the console without a pty then. */
static int
xensimd_console_open_tty(xensimd_console *con)
{
    struct termios term;
    const char *name;
    int err;

    con->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    con->slave = -1;
    if (con->master < 0 || grantpt(con->master) < 0 ||
        unlockpt(con->master) < 0 || !(name = ptsname(con->master)) ||
        strlen(name) >= sizeof(con->path))
        goto error;
    strcpy(con->path, name);
    if ((con->slave = open(con->path, O_RDONLY | O_NOCTTY | O_CLOEXEC)) < 0 ||
        tcgetattr(con->slave, &term) < 0)
        goto error;
    cfmakeraw(&term);
    if (tcsetattr(con->slave, TCSANOW, &term) < 0)
        goto error;
    return 0;

 error:
    err = errno ? errno : EIO;
    xensimd_console_close_tty(con);
    return -err;
}


/* The guest writes @len bytes; what the buffer cannot take is lost */
static void
xensimd_console_emit(xensimd_console *con, const char *s, size_t len)
{
    size_t room;

    if (con->outlen + len > con->outcap && con->outcap < XENSIMD_CONSOLE_OUT_MAX) {
        size_t cap = con->outcap;
        char *out;

        while (cap < con->outlen + len && cap < XENSIMD_CONSOLE_OUT_MAX)
            cap *= 2;
        if (cap > XENSIMD_CONSOLE_OUT_MAX)
            cap = XENSIMD_CONSOLE_OUT_MAX;
        if ((out = realloc(con->out, cap))) {
            con->out = out;
            con->outcap = cap;
        }
    }
    /* full: the oldest goes, so that a client that comes late, or
     * catches up, finds the newest (the last prompt, its own echo) */
    if (len > con->outcap) {
        con->dropped += con->outlen + len - con->outcap;
        s += len - con->outcap;
        len = con->outcap;
        con->outlen = 0;
    }
    room = con->outcap - con->outlen;
    if (len > room) {
        /* at least the older half goes at once: a client flooding the
         * line (every CR echoes a newline and a prompt) then costs one
         * move per half buffer, not one per emit */
        size_t old = len - room;

        if (old < con->outlen / 2)
            old = con->outlen / 2;

        memmove(con->out, con->out + old, con->outlen - old);
        con->outlen -= old;
        con->dropped += old;
    }
    memcpy(con->out + con->outlen, s, len);
    con->outlen += len;
}


static void
xensimd_console_prompt(xensimd_console *con)
{
    char prompt[XENSIM_NAME_MAX + 16];
    int n = snprintf(prompt, sizeof(prompt), "%s login: ", con->name);

    xensimd_console_emit(con, prompt, n);
}


int
xensimd_console_open(xensimd *d, uint32_t domid, const char *name, bool hvm)
{
    xensimd_console **cons;
    xensimd_console *con;
    char banner[XENSIM_NAME_MAX + 64];
    int n;
    int rc;

    if (xensimd_console_find(d, domid))
        return -EEXIST;
    if (d->console_epfd < 0 &&
        (d->console_epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        rc = -errno;
        fprintf(stderr, "xensim: no epoll set for the consoles: %s\n", strerror(-rc));
        return rc;
    }
    if (!(cons = realloc(d->consoles, (d->nconsoles + 1) * sizeof(*cons))))
        return -ENOMEM;
    d->consoles = cons;
    if (!(con = calloc(1, sizeof(*con))) ||
        !(con->out = malloc(XENSIMD_CONSOLE_OUT_MIN))) {
        free(con);
        return -ENOMEM;
    }
    con->outcap = XENSIMD_CONSOLE_OUT_MIN;
    con->domid = domid;
    snprintf(con->name, sizeof(con->name), "%s", name);
    con->hvm = hvm;
    if ((rc = xensimd_console_open_tty(con)) < 0) {
        /* the domain lives without a console, as with a failing
         * xenconsoled: its toolstack waits for the tty in vain */
        fprintf(stderr, "xensim: domain %u: cannot make a console pty: %s\n",
                domid, strerror(-rc));
    }
    d->consoles[d->nconsoles++] = con;

    n = snprintf(banner, sizeof(banner),
                 "\r\nxensim guest %s (domid %u) console\r\n\r\n", name, domid);
    xensimd_console_emit(con, banner, n);
    xensimd_console_prompt(con);
    xensimd_console_watch(d, con);
    return 0;
}


static void
xensimd_console_publish(xensimd *d, xensimd_console *con)
{
    char path[64];
    int rc;

    if (con->master < 0)
        return;
    snprintf(path, sizeof(path), "/local/domain/%u/console/tty", con->domid);
    rc = xensim_xs_write(d->xs, 0, path, con->path, strlen(con->path));
    if (rc == 0 && con->hvm) {
        snprintf(path, sizeof(path), "/local/domain/%u/serial/0/tty", con->domid);
        rc = xensim_xs_write(d->xs, 0, path, con->path, strlen(con->path));
    }
    if (rc < 0) {
        fprintf(stderr, "xensim: domain %u: cannot publish its console: %s\n",
                con->domid, strerror(-rc));
        return;
    }
    con->published = true;
}


/* The toolstack wrote @key of domain @domid's xenstore: once the console
 * frontend's ring-ref is there and the frontend is ours (type
 * "xenconsoled", not QEMU's "ioemu"), serve it */
void
xensimd_console_saw_write(xensimd *d, uint32_t caller, const char *path)
{
    unsigned int domid;
    int off = 0;
    xensimd_console *con;
    char type_path[64];
    char *type = NULL;
    size_t len = 0;

    if (caller != 0 ||
        sscanf(path, "/local/domain/%u/%n", &domid, &off) != 1 || !off ||
        strcmp(path + off, "console/ring-ref") != 0 ||
        !(con = xensimd_console_find(d, domid)) || con->published)
        return;
    snprintf(type_path, sizeof(type_path), "/local/domain/%u/console/type", domid);
    if (xensim_xs_read(d->xs, 0, type_path, &type, &len) == 0 &&
        len == strlen("xenconsoled") && !memcmp(type, "xenconsoled", len))
        xensimd_console_publish(d, con);
    free(type);
}


static void
xensimd_console_free(xensimd_console *con)
{
    xensimd_console_close_tty(con);
    free(con->out);
    free(con);
}


void
xensimd_console_close(xensimd *d, uint32_t domid)
{
    size_t i;

    for (i = 0; i < d->nconsoles; i++) {
        if (d->consoles[i]->domid == domid) {
            xensimd_console_free(d->consoles[i]);
            d->consoles[i] = d->consoles[--d->nconsoles];
            return;
        }
    }
}


/* The path of a domain's console, for a caller in this process that
 * opens it as a console client would (the protocol fuzzer); NULL: none */
const char *
xensimd_console_path(xensimd *d, uint32_t domid)
{
    xensimd_console *con = xensimd_console_find(d, domid);

    return con && con->path[0] ? con->path : NULL;
}


void
xensimd_console_close_all(xensimd *d)
{
    size_t i;

    for (i = 0; i < d->nconsoles; i++)
        xensimd_console_free(d->consoles[i]);
    free(d->consoles);
    d->consoles = NULL;
    d->nconsoles = 0;
    if (d->console_epfd >= 0)
        close(d->console_epfd);
    d->console_epfd = -1;
}


int
xensimd_console_fd(xensimd *d)
{
    return d->console_epfd;
}


/* The guest's side: each line typed in comes back, then a new prompt */
static void
xensimd_console_input(xensimd_console *con, const char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        char ch = buf[i];
        bool cr = ch == '\r';

        if (ch == '\n' && con->after_cr) {
            con->after_cr = false;
            continue;
        }
        con->after_cr = cr;
        if (cr || ch == '\n') {
            xensimd_console_emit(con, con->line, con->linelen);
            xensimd_console_emit(con, "\r\n", 2);
            xensimd_console_prompt(con);
            con->linelen = 0;
            continue;
        }
        con->line[con->linelen++] = ch;
        if (con->linelen == sizeof(con->line)) {
            xensimd_console_emit(con, con->line, con->linelen);
            con->linelen = 0;
        }
    }
}


/* As console_handle_broken_tty(): a pty that fails is closed and made
 * anew, its new path published where the old one was */
static void
xensimd_console_broken(xensimd *d, xensimd_console *con, int err)
{
    bool published = con->published;
    int rc;

    fprintf(stderr, "xensim: domain %u: console pty %s broke (%s): making a new one\n",
            con->domid, con->path, strerror(err));
    xensimd_console_close_tty(con);
    con->published = false;
    if ((rc = xensimd_console_open_tty(con)) < 0) {
        fprintf(stderr, "xensim: domain %u: cannot make a console pty: %s\n",
                con->domid, strerror(-rc));
        return;
    }
    xensimd_console_watch(d, con);
    if (published)
        xensimd_console_publish(d, con);
}


/* The guest's end does its own echo: a line that echoes too (a client
 * turned ECHO on for the slave) would hand the guest its own output as
 * input, and the two would talk to each other for ever */
static void
xensimd_console_no_echo(xensimd_console *con)
{
    struct termios term;

    if (tcgetattr(con->slave, &term) == 0 && (term.c_lflag & ECHO)) {
        term.c_lflag &= ~(ECHO | ECHONL);
        tcsetattr(con->slave, TCSANOW, &term);
    }
}


static void
xensimd_console_flush(xensimd *d, xensimd_console *con)
{
    if (con->outlen && con->slave >= 0)
        xensimd_console_no_echo(con);
    while (con->outlen && con->master >= 0) {
        ssize_t n = write(con->master, con->out, con->outlen);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                xensimd_console_broken(d, con, errno);
            return;
        }
        memmove(con->out, con->out + n, con->outlen - n);
        con->outlen -= n;
    }
}


/* One pass over the consoles that have input or room for output */
void
xensimd_console_io(xensimd *d)
{
    struct epoll_event evs[XENSIMD_CONSOLE_EVENTS];
    char buf[XENSIMD_CONSOLE_READ];
    int n;
    int i;

    if (d->console_epfd < 0 ||
        (n = epoll_wait(d->console_epfd, evs, XENSIMD_CONSOLE_EVENTS, 0)) <= 0)
        return;

    /* consoles are freed only by requests, never during a pass: every
     * pointer in @evs is alive */
    for (i = 0; i < n; i++) {
        xensimd_console *con = evs[i].data.ptr;
        uint32_t rev = evs[i].events;
        int master = con->master;

        if (master < 0)
            continue;
        if (rev & EPOLLIN) {
            ssize_t got = read(master, buf, sizeof(buf));

            if (got > 0) {
                xensimd_console_input(con, buf, got);
            } else if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
                                    errno != EINTR)) {
                xensimd_console_broken(d, con, got == 0 ? EIO : errno);
                continue;
            }
        } else if (rev & (EPOLLERR | EPOLLHUP)) {
            xensimd_console_broken(d, con, EIO);
            continue;
        }
        xensimd_console_flush(d, con);
        xensimd_console_watch(d, con);
        if (con->dropped && !con->drop_logged) {
            fprintf(stderr, "xensim: domain %u: console output nobody reads: "
                    "dropping the oldest beyond %d bytes\n",
                    con->domid, XENSIMD_CONSOLE_OUT_MAX);
            con->drop_logged = true;
        }
    }
}
