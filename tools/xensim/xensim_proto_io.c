/*
 * xensim_proto_io.c: blocking frame I/O between a client and the
 * simulated host daemon
 *
 * Kept apart from the message codec (xensim_proto.c): the daemon frames
 * its nonblocking connections itself, only clients block on a socket.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "xensim_proto.h"

static int
xensim_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t n = write(fd, p, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= n;
    }
    return 0;
}


static int
xensim_read_all(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t n = read(fd, p, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -ECONNRESET;
        p += n;
        len -= n;
    }
    return 0;
}


int
xensim_frame_send(int fd, const xensim_writer *w)
{
    uint8_t hdr[4] = { w->len, w->len >> 8, w->len >> 16, w->len >> 24 };
    int rc;

    if (w->failed)
        return -EMSGSIZE;
    if ((rc = xensim_write_all(fd, hdr, sizeof(hdr))) < 0)
        return rc;
    return xensim_write_all(fd, w->buf, w->len);
}


int
xensim_frame_recv(int fd, uint8_t **buf, size_t *len)
{
    uint8_t hdr[4];
    uint32_t n;
    int rc;

    *buf = NULL;
    *len = 0;
    if ((rc = xensim_read_all(fd, hdr, sizeof(hdr))) < 0)
        return rc;
    n = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
        (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
    if (n > XENSIM_FRAME_MAX)
        return -EPROTO;
    if (!(*buf = malloc(n ? n : 1)))
        return -ENOMEM;
    if ((rc = xensim_read_all(fd, *buf, n)) < 0) {
        free(*buf);
        *buf = NULL;
        return rc;
    }
    *len = n;
    return 0;
}
