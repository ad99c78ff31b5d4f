/*
 * xensim_trace.h: a simulated guest's workload over time
 *
 * A trace is what a guest's programs use as time passes, as points
 * "SECONDS USED_MIB [REPORTED_MIB]" interpolated linearly between them and
 * holding the last one after the end.  REPORTED_MIB is what the guest
 * tells its host it uses, where that differs from the truth.  Pure: no
 * I/O, no clocks.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

/* Bounds of what a trace may say: a day's trace at 1 s per point fits */
#define XENSIM_TRACE_POINTS_MAX 100000
#define XENSIM_TRACE_MS_MAX (10000000ULL * 1000)        /* 10^7 s */
#define XENSIM_TRACE_PAGES_MAX (1ULL << 32)             /* 16 TiB */

typedef struct {
    uint64_t ms;                /* since the trace started */
    uint64_t used_pages;        /* what the guest uses then */
    uint64_t reported_pages;    /* what it says it uses then */
} xensim_trace_point;

typedef struct {
    size_t npoints;
    xensim_trace_point points[];
} xensim_trace;

/* A trace of @npoints zeroed points (1 to XENSIM_TRACE_POINTS_MAX), or
 * NULL; free() frees it */
xensim_trace *xensim_trace_new(size_t npoints);
xensim_trace *xensim_trace_copy(const xensim_trace *trace);

/* NULL if @trace is well formed (points in time order, within the
 * bounds), else what is wrong with it */
const char *xensim_trace_check(const xensim_trace *trace);

/* Parse a trace file's text.  Returns 0 with *@trace set (the caller
 * frees it), or -EINVAL with *@line (1-based, 0 for the whole text) and
 * *@why saying what is wrong, or -ENOMEM. */
int xensim_trace_parse(const char *text, size_t len, xensim_trace **trace,
                       unsigned int *line, const char **why);

/* What the guest uses and reports @ns after the trace started */
void xensim_trace_at(const xensim_trace *trace, uint64_t ns,
                     uint64_t *used_pages, uint64_t *reported_pages);
