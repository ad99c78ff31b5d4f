/*
 * xensimdfuzz.c: libFuzzer target for the simulated host's protocol
 *
 * Every test, benchmark and preloaded daemon talks to xensimd over its
 * socket, and guests' connections are as hostile as guests.  The input is
 * what three connections send, in chunks: dom0's, a guest's (domid 1) and
 * one that has not said hello.  Each chunk goes through the daemon's own
 * framing and dispatch; after each, the host's memory must still add up
 * (xensim_host_check) whatever was asked.
 *
 * Input: a byte of host options (bit 0: the hypervisor offers paging,
 * so that pagers can attach), then records of [client byte][16-bit
 * little-endian length][bytes].
 * A client byte with its top bit set types the bytes into the console of
 * the domain its low bits name instead, as a console client would, and
 * the daemon's console pass reads them (the guest's echo and prompt).
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xensimd_internal.h"

#define FUZZ_CLIENTS 3
#define FUZZ_RECORDS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
fuzzFeed(xensimd *d, size_t index, const uint8_t *bytes, size_t len)
{
    xensimd_client *c = &d->clients[index];
    const char *broken;

    if (c->closing || len == 0)
        return;
    if (c->incap - c->inlen < len) {
        size_t cap = c->inlen + len;
        uint8_t *in = realloc(c->in, cap);

        if (!in)
            abort();
        c->in = in;
        c->incap = cap;
    }
    memcpy(c->in + c->inlen, bytes, len);
    c->inlen += len;
    xensimd_client_input(d, c);
    xensimd_deliver_events(d);
    if ((broken = xensim_host_check(&d->host))) {
        fprintf(stderr, "the host's books are broken: %s\n", broken);
        abort();
    }
}


/* What a console client types; the line takes what it takes (the rest
 * is what a client would have to retry) */
static void
fuzzType(xensimd *d, uint32_t domid, const uint8_t *bytes, size_t len)
{
    const char *path = xensimd_console_path(d, domid);
    ssize_t n;
    int fd;

    if (!path || len == 0)
        return;
    /* Never wait for the line: the daemon reads it only after this.
     * A tty's open and write may sleep, and libFuzzer's SIGALRM (its
     * -timeout watchdog) interrupts them: retried, as a console
     * client would. */
    do {
        fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        /* the console the host says it has */
        fprintf(stderr, "cannot open %s, the console of domain %u: %s\n",
                path, (unsigned)domid, strerror(errno));
        abort();
    }
    do {
        n = write(fd, bytes, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno != EAGAIN) {
        fprintf(stderr, "cannot write to %s, the console of domain %u: %s\n",
                path, (unsigned)domid, strerror(errno));
        abort();
    }
    close(fd);
    xensimd_console_io(d);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xensimd_config cfg;
    xensimd d;
    size_t pos = 0;
    size_t records = 0;
    size_t i;

    if (size == 0)
        return 0;
    xensimd_config_default(&cfg);
    cfg.socket_path = "/nonexistent/xensimdfuzz.sock";
    cfg.host.paging = data[0] & 1;
    data++;
    size--;
    if (xensimd_init(&d, &cfg) < 0)
        abort();
    /* replies and events go to /dev/null: written as to a client that
     * reads them, so that the connection stays open for the next chunk */
    for (i = 0; i < FUZZ_CLIENTS; i++) {
        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

        if (fd < 0 || !xensimd_add_client(&d, fd))
            abort();
    }
    d.clients[0].domid = 0;
    d.clients[1].domid = 1;

    while (size - pos >= 3 && records++ < FUZZ_RECORDS_MAX) {
        size_t index = data[pos] % FUZZ_CLIENTS;
        size_t len = (size_t)data[pos + 1] | (size_t)data[pos + 2] << 8;

        pos += 3;
        if (len > size - pos)
            len = size - pos;
        if (data[pos - 3] & 0x80)
            fuzzType(&d, data[pos - 3] & 0x7f, data + pos, len);
        else
            fuzzFeed(&d, index, data + pos, len);
        pos += len;
    }

    xensimd_clear(&d);
    return 0;
}
