/*
 * xensim_workload_cmd.c: the tool's workload, preset and workload-stats
 * commands: guests' programs as traces
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xensim_client.h"
#include "xensim_cmd.h"


/* A trace file's text, at most 8 MiB */
static char *
read_trace_file(const char *path, size_t *len)
{
    const size_t max = 8U << 20;
    FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
    char *text;

    if (!fp) {
        fprintf(stderr, "xensim: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    if (!(text = malloc(max + 1))) {
        fprintf(stderr, "xensim: out of memory\n");
    } else if ((*len = fread(text, 1, max + 1, fp)) > max || ferror(fp)) {
        fprintf(stderr, "xensim: %s: %s\n", path,
                ferror(fp) ? "cannot read it" : "larger than 8 MiB");
        free(text);
        text = NULL;
    }
    if (fp != stdin)
        fclose(fp);
    return text;
}


/* A trace file read and parsed, or NULL with the reason on stderr */
static xensim_trace *
load_trace(const char *path)
{
    xensim_trace *trace = NULL;
    unsigned int line;
    const char *why;
    size_t len;
    char *text = read_trace_file(path, &len);
    int rc;

    if (!text)
        return NULL;
    rc = xensim_trace_parse(text, len, &trace, &line, &why);
    free(text);
    if (rc == -ENOMEM)
        fprintf(stderr, "xensim: out of memory\n");
    else if (rc < 0 && line)
        fprintf(stderr, "xensim: %s:%u: %s\n", path, line, why);
    else if (rc < 0)
        fprintf(stderr, "xensim: %s: %s\n", path, why);
    return rc < 0 ? NULL : trace;
}


/* A trace on the wire (XENSIM_TRACE_POINT_WIRE); NULL: none */
static void
put_trace(xensim_writer *w, const xensim_trace *trace, uint64_t swap_kib)
{
    size_t i;

    xensim_put_u64(w, swap_kib / XENSIM_PAGE_KIB);
    xensim_put_u32(w, trace ? trace->npoints : 0);
    for (i = 0; trace && i < trace->npoints; i++) {
        xensim_put_u64(w, trace->points[i].ms);
        xensim_put_u64(w, trace->points[i].used_pages);
        xensim_put_u64(w, trace->points[i].reported_pages);
    }
}


int
cmd_workload(int argc, char **argv)
{
    xensim_trace *trace = NULL;
    xensim_dominfo dom;
    xensim_writer args;
    xensim_conn *c;
    uint64_t swap_kib = 0;
    uint8_t *reply;
    size_t len;
    bool stop = argc == 2 && !strcmp(argv[1], "--stop");
    int rc;

    if (!stop && argc != 2 &&
        !(argc == 4 && !strcmp(argv[2], "--swap"))) {
        usage(stderr);
        return 2;
    }
    if (argc == 4 && parse_size_kib(argv[3], &swap_kib) < 0) {
        fprintf(stderr, "xensim: invalid size '%s'\n", argv[3]);
        return 2;
    }
    if (!stop && !(trace = load_trace(argv[1])))
        return 1;

    c = connect_or_die(0);
    if (find_domain(c, argv[0], &dom) < 0) {
        xensim_conn_close(c);
        free(trace);
        return 1;
    }
    xensim_writer_init(&args);
    xensim_put_u32(&args, dom.domid);
    put_trace(&args, trace, swap_kib);
    rc = xensim_call(c, XENSIM_OP_WORKLOAD, &args, XENSIM_CHARGE_NONE, &reply, &len);
    xensim_writer_free(&args);
    free(reply);
    free(trace);
    xensim_conn_close(c);
    return report(rc, "workload");
}


/* Startup figures for every domain created with a name from now on */
int
cmd_preset(int argc, char **argv)
{
    static const struct option opts[] = {
        { "balloon-rate", required_argument, NULL, 'b' },
        { "balloon-floor", required_argument, NULL, 'f' },
        { "workload", required_argument, NULL, 'w' },
        { "swap", required_argument, NULL, 's' },
        { "clear", no_argument, NULL, 'c' },
        { NULL, 0, NULL, 0 },
    };
    xensim_trace *trace = NULL;
    const char *file = NULL;
    uint64_t rate = 0, floor_kib = 0, swap_kib = 0;
    uint32_t flags = 0;
    xensim_writer args;
    xensim_conn *c;
    uint8_t *reply;
    size_t len;
    int opt;
    int rc;

    if (argc < 2 || argv[1][0] == '-') {
        usage(stderr);
        return 2;
    }
    optind = 2;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        uint64_t kib = 0;

        if (strchr("bfs", opt) && parse_size_kib(optarg, &kib) < 0) {
            fprintf(stderr, "xensim: invalid size '%s'\n", optarg);
            return 2;
        }
        switch (opt) {
        case 'b': rate = kib; flags |= XENSIM_PRESET_BALLOON_RATE; break;
        case 'f': floor_kib = kib; flags |= XENSIM_PRESET_BALLOON_FLOOR; break;
        case 's': swap_kib = kib; break;
        case 'w': file = optarg; flags |= XENSIM_PRESET_WORKLOAD; break;
        case 'c': flags |= XENSIM_PRESET_CLEAR; break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || !flags || (swap_kib && !file) ||
        ((flags & XENSIM_PRESET_CLEAR) && flags != XENSIM_PRESET_CLEAR)) {
        usage(stderr);
        return 2;
    }
    if (file && !(trace = load_trace(file)))
        return 1;

    c = connect_or_die(0);
    xensim_writer_init(&args);
    xensim_put_str(&args, argv[1]);
    xensim_put_u32(&args, flags);
    xensim_put_u64(&args, rate / XENSIM_PAGE_KIB);
    xensim_put_u64(&args, floor_kib / XENSIM_PAGE_KIB);
    put_trace(&args, trace, swap_kib);
    rc = xensim_call(c, XENSIM_OP_PRESET, &args, XENSIM_CHARGE_NONE, &reply, &len);
    xensim_writer_free(&args);
    free(reply);
    free(trace);
    xensim_conn_close(c);
    return report(rc, "preset");
}


/* Thousandths, as "I.FFF" */
static void
print_milli(const char *key, uint64_t milli)
{
    printf(" %s=%" PRIu64 ".%03" PRIu64, key, milli / 1000, milli % 1000);
}


int
cmd_workload_stats(int argc, char **argv)
{
    xensim_dominfo one;
    xensim_conn *c;
    xensim_reader r;
    uint8_t *reply;
    size_t len;
    uint32_t n, i;
    bool found = false;
    int rc;

    if (argc > 1) {
        usage(stderr);
        return 2;
    }
    c = connect_or_die(0);
    if (argc == 1 && find_domain(c, argv[0], &one) < 0) {
        xensim_conn_close(c);
        return 1;
    }
    if ((rc = xensim_call(c, XENSIM_OP_WORKLOAD_STATS, NULL,
                          XENSIM_CHARGE_HYPERCALL, &reply, &len)) < 0) {
        free(reply);
        xensim_conn_close(c);
        return report(rc, "workload-stats");
    }
    xensim_conn_close(c);

    xensim_reader_init(&r, reply, len);
    n = xensim_get_u32(&r);
    for (i = 0; i < n && !r.failed; i++) {
        uint32_t domid = xensim_get_u32(&r);
        char *name = xensim_get_str(&r);
        uint32_t flags = xensim_get_u32(&r);
        uint64_t v[13];
        size_t k;

        for (k = 0; k < sizeof(v) / sizeof(v[0]); k++)
            v[k] = xensim_get_u64(&r);
        if (!name || r.failed) {
            free(name);
            break;
        }
        if (argc == 1 && domid != one.domid) {
            free(name);
            continue;
        }
        found = true;
        /* v: clock ns, used, reported, tot, paged, swap, swapped, peak,
         * swap-in, swap-out (pages), below need (page-ms), OOM kills,
         * records */
        printf("name=%s id=%u trace=%s records=%" PRIu64, name, domid,
               flags & XENSIM_WORKLOAD_TRACE ? "on" : "off", v[12]);
        print_milli("t", v[0] / 1000000);
        printf(" used_kib=%" PRIu64 " reported_kib=%" PRIu64 " ram_kib=%" PRIu64
               " backed_kib=%" PRIu64 " swap_kib=%" PRIu64 " swapped_kib=%" PRIu64
               " peak_swapped_kib=%" PRIu64 " swapin_kib=%" PRIu64
               " swapout_kib=%" PRIu64,
               v[1] * 4, v[2] * 4, (v[3] + v[4]) * 4, v[3] * 4, v[5] * 4,
               v[6] * 4, v[7] * 4, v[8] * 4, v[9] * 4);
        /* page-ms to MiB-ms: 256 pages to the MiB */
        print_milli("below_need_mib_s", v[10] / 256);
        printf(" oom_kills=%" PRIu64 "\n", v[11]);
        free(name);
    }
    free(reply);
    if (r.failed)
        return report(-EPROTO, "workload-stats");
    if (argc == 1 && !found) {
        fprintf(stderr, "xensim: no domain '%s'\n", argv[0]);
        return 1;
    }
    return 0;
}
