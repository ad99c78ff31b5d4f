/*
 * xensim_proto.c: messages between the simulated host daemon and its clients
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <stdlib.h>
#include <string.h>

#include "xensim_proto.h"

void
xensim_writer_init(xensim_writer *w)
{
    memset(w, 0, sizeof(*w));
}


void
xensim_writer_reset(xensim_writer *w)
{
    w->len = 0;
    w->failed = false;
}


void
xensim_writer_free(xensim_writer *w)
{
    free(w->buf);
    memset(w, 0, sizeof(*w));
}


void
xensim_put_data(xensim_writer *w, const void *data, size_t len)
{
    if (w->failed)
        return;
    if (w->len + len > XENSIM_FRAME_MAX) {
        w->failed = true;
        return;
    }
    if (w->len + len > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        uint8_t *buf;

        while (cap < w->len + len)
            cap *= 2;
        if (!(buf = realloc(w->buf, cap))) {
            w->failed = true;
            return;
        }
        w->buf = buf;
        w->cap = cap;
    }
    if (len)
        memcpy(w->buf + w->len, data, len);
    w->len += len;
}


void
xensim_put_u32(xensim_writer *w, uint32_t v)
{
    uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };

    xensim_put_data(w, b, sizeof(b));
}


void
xensim_put_u64(xensim_writer *w, uint64_t v)
{
    xensim_put_u32(w, (uint32_t)v);
    xensim_put_u32(w, (uint32_t)(v >> 32));
}


void
xensim_put_bytes(xensim_writer *w, const void *data, size_t len)
{
    if (len > XENSIM_FIELD_MAX) {
        w->failed = true;
        return;
    }
    xensim_put_u32(w, len);
    xensim_put_data(w, data, len);
}


void
xensim_put_str(xensim_writer *w, const char *s)
{
    xensim_put_bytes(w, s, strlen(s));
}


void
xensim_put_frame(xensim_writer *w, const xensim_writer *payload)
{
    if (payload->failed) {
        w->failed = true;
        return;
    }
    xensim_put_u32(w, payload->len);
    xensim_put_data(w, payload->buf, payload->len);
}


void
xensim_reader_init(xensim_reader *r, const void *buf, size_t len)
{
    r->buf = buf;
    r->len = len;
    r->pos = 0;
    r->failed = false;
}


static const uint8_t *
xensim_get_raw(xensim_reader *r, size_t len)
{
    const uint8_t *p;

    if (r->failed || len > r->len - r->pos) {
        r->failed = true;
        return NULL;
    }
    p = r->buf + r->pos;
    r->pos += len;
    return p;
}


uint32_t
xensim_get_u32(xensim_reader *r)
{
    const uint8_t *b = xensim_get_raw(r, 4);

    if (!b)
        return 0;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 |
           (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}


uint64_t
xensim_get_u64(xensim_reader *r)
{
    uint64_t lo = xensim_get_u32(r);
    uint64_t hi = xensim_get_u32(r);

    return lo | hi << 32;
}


const uint8_t *
xensim_get_bytes(xensim_reader *r, size_t *len)
{
    uint32_t n = xensim_get_u32(r);
    const uint8_t *p;

    if (n > XENSIM_FIELD_MAX)
        r->failed = true;
    if (!(p = xensim_get_raw(r, n))) {
        *len = 0;
        return NULL;
    }
    *len = n;
    return p;
}


/* Strings never carry a NUL: a path or name with one is refused rather
 * than silently cut short. */
char *
xensim_get_str(xensim_reader *r)
{
    size_t len;
    const uint8_t *p = xensim_get_bytes(r, &len);
    char *s;

    if (!p)
        return NULL;
    if (memchr(p, '\0', len)) {
        r->failed = true;
        return NULL;
    }
    if (!(s = malloc(len + 1))) {
        r->failed = true;
        return NULL;
    }
    memcpy(s, p, len);
    s[len] = '\0';
    return s;
}


bool
xensim_reader_done(const xensim_reader *r)
{
    return !r->failed && r->pos == r->len;
}
