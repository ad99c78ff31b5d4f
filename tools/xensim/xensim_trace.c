/*
 * xensim_trace.c: a simulated guest's workload over time
 *
 * A trace file has one point a line, "SECONDS USED_MIB [REPORTED_MIB]",
 * fields separated by blanks, numbers with at most three decimals, times
 * never going back; blank lines and lines whose first non-blank character
 * is '#' are skipped.  Between two points the guest's use moves linearly;
 * before the first it is the first's, after the last the last's.  Two
 * points at the same time make a step: the later holds from then on.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xensim_trace.h"

#define NS_PER_MS 1000000ULL

xensim_trace *
xensim_trace_new(size_t npoints)
{
    xensim_trace *trace;

    if (npoints < 1 || npoints > XENSIM_TRACE_POINTS_MAX)
        return NULL;
    if (!(trace = calloc(1, sizeof(*trace) + npoints * sizeof(trace->points[0]))))
        return NULL;
    trace->npoints = npoints;
    return trace;
}


xensim_trace *
xensim_trace_copy(const xensim_trace *trace)
{
    xensim_trace *copy = xensim_trace_new(trace->npoints);

    if (copy)
        memcpy(copy->points, trace->points, trace->npoints * sizeof(trace->points[0]));
    return copy;
}


const char *
xensim_trace_check(const xensim_trace *trace)
{
    size_t i;

    if (trace->npoints < 1 || trace->npoints > XENSIM_TRACE_POINTS_MAX)
        return "a trace has 1 to 100000 points";
    for (i = 0; i < trace->npoints; i++) {
        const xensim_trace_point *p = &trace->points[i];

        if (p->ms > XENSIM_TRACE_MS_MAX)
            return "a time is beyond 10000000 seconds";
        if (p->used_pages > XENSIM_TRACE_PAGES_MAX ||
            p->reported_pages > XENSIM_TRACE_PAGES_MAX)
            return "a size is beyond 16 TiB";
        if (i > 0 && p->ms < trace->points[i - 1].ms)
            return "times go back";
    }
    return NULL;
}


/* A decimal with at most three decimals, in thousandths; false on
 * anything else, or a value above @max thousandths */
static bool
xensim_trace_number(const char *s, size_t len, uint64_t max, uint64_t *milli)
{
    uint64_t v = 0;
    size_t i = 0;
    int decimals = -1;
    int scale;

    if (!len)
        return false;
    for (; i < len; i++) {
        if (s[i] == '.' && decimals < 0 && i > 0) {
            decimals = 0;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || decimals >= 3)
            return false;
        if (decimals >= 0)
            decimals++;
        v = v * 10 + (s[i] - '0');
        if (v > max * 1000)
            return false;
    }
    if (decimals == 0)
        return false;           /* "12." */
    for (scale = decimals < 0 ? 3 : 3 - decimals; scale > 0; scale--)
        v *= 10;
    if (v > max * 1000)
        return false;
    *milli = v;
    return true;
}


/* Thousandths of a MiB to pages (256 to the MiB), rounded down */
static uint64_t
xensim_trace_mib_pages(uint64_t milli)
{
    return milli * 256 / 1000;
}


/* Split one line into at most @max blank-separated fields; returns how
 * many there are (more than @max if there are too many) */
static size_t
xensim_trace_fields(const char *s, size_t len, const char **field,
                    size_t *flen, size_t max)
{
    size_t n = 0;
    size_t i = 0;

    while (i < len) {
        size_t start;

        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        if (i == len)
            break;
        start = i;
        while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            i++;
        if (n < max) {
            field[n] = s + start;
            flen[n] = i - start;
        }
        n++;
    }
    return n;
}


int
xensim_trace_parse(const char *text, size_t len, xensim_trace **out,
                   unsigned int *line, const char **why)
{
    xensim_trace *trace = NULL;
    size_t cap = 0;
    size_t n = 0;
    size_t pos = 0;
    unsigned int lineno = 0;

    *out = NULL;
    *line = 0;
    *why = NULL;

    while (pos < len) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - s) : len - pos;
        const char *field[3];
        size_t flen[3];
        size_t nfields;
        uint64_t secs, used, reported;
        xensim_trace_point *p;

        pos += llen + (nl ? 1 : 0);
        lineno++;

        nfields = xensim_trace_fields(s, llen, field, flen, 3);
        if (nfields == 0 || field[0][0] == '#')
            continue;

        *line = lineno;
        if (nfields < 2 || nfields > 3) {
            *why = "a point is 'SECONDS USED_MIB [REPORTED_MIB]'";
            goto invalid;
        }
        if (!xensim_trace_number(field[0], flen[0], XENSIM_TRACE_MS_MAX / 1000, &secs)) {
            *why = "SECONDS is not a number of at most 10000000 with at most 3 decimals";
            goto invalid;
        }
        if (!xensim_trace_number(field[1], flen[1], XENSIM_TRACE_PAGES_MAX / 256, &used) ||
            (nfields == 3 &&
             !xensim_trace_number(field[2], flen[2], XENSIM_TRACE_PAGES_MAX / 256, &reported))) {
            *why = "a size is not a number of MiB up to 16 TiB with at most 3 decimals";
            goto invalid;
        }
        if (nfields == 2)
            reported = used;
        if (n > 0 && secs < trace->points[n - 1].ms) {
            *why = "times go back";
            goto invalid;
        }
        if (n == XENSIM_TRACE_POINTS_MAX) {
            *why = "a trace has at most 100000 points";
            goto invalid;
        }

        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            xensim_trace *t;

            if (ncap > XENSIM_TRACE_POINTS_MAX)
                ncap = XENSIM_TRACE_POINTS_MAX;
            if (!(t = realloc(trace, sizeof(*t) + ncap * sizeof(t->points[0])))) {
                free(trace);
                return -ENOMEM;
            }
            trace = t;
            cap = ncap;
        }
        p = &trace->points[n++];
        p->ms = secs;           /* thousandths of a second */
        p->used_pages = xensim_trace_mib_pages(used);
        p->reported_pages = xensim_trace_mib_pages(reported);
        trace->npoints = n;
    }

    if (!n) {
        *line = 0;
        *why = "the trace has no point";
        goto invalid;
    }
    *line = 0;
    *out = trace;
    return 0;

 invalid:
    free(trace);
    return -EINVAL;
}


/* @a + (@b - @a) * @num / @den, exactly, for @num < @den */
static uint64_t
xensim_trace_lerp(uint64_t a, uint64_t b, uint64_t num, uint64_t den)
{
    if (b >= a)
        return a + (uint64_t)((unsigned __int128)(b - a) * num / den);
    return a - (uint64_t)((unsigned __int128)(a - b) * num / den);
}


void
xensim_trace_at(const xensim_trace *trace, uint64_t ns,
                uint64_t *used_pages, uint64_t *reported_pages)
{
    const xensim_trace_point *p = trace->points;
    size_t lo = 0, hi = trace->npoints;
    uint64_t t0, t1;

    /* the last point at or before @ns */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;

        if (p[mid].ms * NS_PER_MS <= ns)
            lo = mid;
        else
            hi = mid;
    }

    t0 = p[lo].ms * NS_PER_MS;
    if (ns <= t0 || lo + 1 == trace->npoints) {
        *used_pages = p[lo].used_pages;
        *reported_pages = p[lo].reported_pages;
        return;
    }
    t1 = p[lo + 1].ms * NS_PER_MS;
    *used_pages = xensim_trace_lerp(p[lo].used_pages, p[lo + 1].used_pages,
                                    ns - t0, t1 - t0);
    *reported_pages = xensim_trace_lerp(p[lo].reported_pages,
                                        p[lo + 1].reported_pages,
                                        ns - t0, t1 - t0);
}
