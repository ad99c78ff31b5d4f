/*
 * xensimmodeltest.c: scenario and property tests of the simulated host's
 * memory model (tools/xensim/xensim_model.c)
 *
 * Usage: xensimmodeltest DATADIR
 *
 * Each .txt file in DATADIR is a scenario, one operation per line; the accounting
 * invariants are checked after every line.  A randomised run then applies
 * thousands of operations and checks the invariants after each.
 *
 * Scenario lines (sizes take K, M, G suffixes in KiB units, or p for pages):
 *   host total=16G dom0=2G floor=512M xen=0 balloon=512M pagingrate=64M
 *        paging=on|off
 *   create NAME [hvm|pv|pvh] [-> ERR]
 *   setmax NAME SIZE | claim NAME SIZE | release NAME SIZE
 *   populate NAME SIZE [-> ERR] [done=SIZE]
 *   target NAME SIZE | pagingtarget NAME SIZE | used NAME SIZE
 *   balloonrate NAME SIZE/s given as SIZE | balloonfloor NAME SIZE
 *   pause NAME | unpause NAME
 *   pager NAME attach|detach|lost
 *   workload NAME FILE [swap=SIZE]   a trace file, FILE beside the scenario
 *   trace NAME [swap=SIZE] SECONDS:USED_MIB[:REPORTED_MIB]...
 *                                    the same, its points inline
 *   notrace NAME                     the trace ends, the demand stays
 *   shutdown NAME | destroy NAME | faultnext SIZE
 *   advance MILLISECONDS
 *   expect free=SIZE outstanding=SIZE
 *   expect NAME tot=SIZE claim=SIZE target=SIZE paged=SIZE max=SIZE
 *          pager=none|on|lost state=running|paused|shutdown|crashed
 *          used=SIZE reported=SIZE swapped=SIZE peakswap=SIZE
 *          swapin=SIZE swapout=SIZE oom=N
 *          belowneed=MIBS[~TOLERANCE]   MiB-seconds below need
 *   gone NAME
 * Any operation may end in "-> 0" or "-> ENAME" for its expected result
 * (default 0).
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xensim_model.h"

static const struct {
    const char *name;
    int code;
} errnames[] = {
    { "0", 0 }, { "EINVAL", EINVAL }, { "ENOMEM", ENOMEM }, { "ESRCH", ESRCH },
    { "EEXIST", EEXIST }, { "E2BIG", E2BIG }, { "EPERM", EPERM },
    { "EOPNOTSUPP", EOPNOTSUPP }, { "ENOSPC", ENOSPC }, { "ENOSYS", ENOSYS },
    { "ENODEV", ENODEV }, { "EBUSY", EBUSY }, { "ENXIO", ENXIO },
    { "ENOENT", ENOENT },
};

static const char *
errname(int rc)
{
    size_t i;

    for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++) {
        if (errnames[i].code == -rc)
            return errnames[i].name;
    }
    return "unknown error";
}


/* "512M" -> pages; returns 0 on success */
static int
parse_size(const char *s, uint64_t *pages)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    uint64_t kib;

    if (end == s)
        return -1;
    switch (*end) {
    case 'p':
        *pages = v;
        return end[1] ? -1 : 0;
    case 'K':
        kib = v;
        break;
    case 'M':
        kib = v << 10;
        break;
    case 'G':
        kib = v << 20;
        break;
    default:
        return -1;
    }
    if (end[1])
        return -1;
    *pages = XENSIM_KIB_TO_PAGES(kib);
    return 0;
}


struct scenario {
    const char *file;
    int line;
    xensim_host host;
    bool have_host;
    int failures;
};

static void
fail(struct scenario *sc, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "%s:%d: ", sc->file, sc->line);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    sc->failures++;
}


static int
domid_of(struct scenario *sc, const char *name, uint32_t *domid)
{
    xensim_domain *dom = xensim_host_find_name(&sc->host, name);

    if (!dom) {
        fail(sc, "no domain named '%s'%s", name, "");
        return -1;
    }
    *domid = dom->domid;
    return 0;
}


static int
check_field(struct scenario *sc, const char *spec, const char *field,
            uint64_t actual)
{
    size_t len = strlen(field);
    uint64_t want;
    char buf[64];

    if (strncmp(spec, field, len) != 0 || spec[len] != '=')
        return 0;
    if (parse_size(spec + len + 1, &want) < 0) {
        fail(sc, "bad size in '%s'%s", spec, "");
        return 1;
    }
    if (want != actual) {
        snprintf(buf, sizeof(buf), "%llu pages", (unsigned long long)actual);
        fail(sc, "expected %s, got %s", spec, buf);
    }
    return 1;
}


/* A count, as "name=N" in @spec */
static int
check_count(struct scenario *sc, const char *spec, const char *field,
            uint64_t actual)
{
    size_t len = strlen(field);
    char buf[64];
    char *end;
    unsigned long long want;

    if (strncmp(spec, field, len) != 0 || spec[len] != '=')
        return 0;
    want = strtoull(spec + len + 1, &end, 10);
    if (end == spec + len + 1 || *end) {
        fail(sc, "bad count in '%s'%s", spec, "");
        return 1;
    }
    if (want != actual) {
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)actual);
        fail(sc, "expected %s, got %s", spec, buf);
    }
    return 1;
}


/* MiB-seconds below need, "belowneed=MIBS[~TOLERANCE]": the model
 * integrates in steps, so a change within one is approximated */
static int
check_below_need(struct scenario *sc, const char *spec, uint64_t pms)
{
    double want, tolerance = 0;
    double actual = pms / 256.0 / 1000.0;
    char buf[64];
    char *end;

    if (strncmp(spec, "belowneed=", 10) != 0)
        return 0;
    want = strtod(spec + 10, &end);
    if (*end == '~')
        tolerance = strtod(end + 1, &end);
    if (end == spec + 10 || *end) {
        fail(sc, "bad figure in '%s'%s", spec, "");
        return 1;
    }
    if (actual < want - tolerance - 0.0005 || actual > want + tolerance + 0.0005) {
        snprintf(buf, sizeof(buf), "%.3f MiB-s", actual);
        fail(sc, "expected %s, got %s", spec, buf);
    }
    return 1;
}


/* A field given by name, as "name=value" in @spec */
static int
check_word(struct scenario *sc, const char *spec, const char *field,
           const char *actual)
{
    size_t len = strlen(field);

    if (strncmp(spec, field, len) != 0 || spec[len] != '=')
        return 0;
    if (strcmp(spec + len + 1, actual) != 0)
        fail(sc, "expected %s, got %s", spec, actual);
    return 1;
}


static const char *
pager_word(const xensim_domain *dom)
{
    switch (dom->pager) {
    case XENSIM_PAGER_ATTACHED: return "on";
    case XENSIM_PAGER_LOST: return "lost";
    default: return "none";
    }
}


static const char *
state_word(const xensim_domain *dom)
{
    if (dom->shutdown)
        return dom->shutdown_reason == XENSIM_SHUTDOWN_CRASH ? "crashed" : "shutdown";
    return dom->paused ? "paused" : "running";
}


static void
run_expect(struct scenario *sc, char **argv, int argc)
{
    int i = 1;
    xensim_domain *dom = NULL;

    if (argc > 1 && !strchr(argv[1], '=')) {
        if (!(dom = xensim_host_find_name(&sc->host, argv[1]))) {
            fail(sc, "no domain named '%s'%s", argv[1], "");
            return;
        }
        i = 2;
    }

    for (; i < argc; i++) {
        int matched = 0;

        if (dom) {
            matched += check_field(sc, argv[i], "tot", dom->tot_pages);
            matched += check_field(sc, argv[i], "claim", dom->outstanding_pages);
            matched += check_field(sc, argv[i], "target", dom->target_pages);
            matched += check_field(sc, argv[i], "paged", dom->paged_pages);
            matched += check_field(sc, argv[i], "max", dom->max_pages);
            matched += check_word(sc, argv[i], "pager", pager_word(dom));
            matched += check_word(sc, argv[i], "state", state_word(dom));
            matched += check_field(sc, argv[i], "used", dom->used_pages);
            matched += check_field(sc, argv[i], "reported", dom->load.reported_pages);
            matched += check_field(sc, argv[i], "swapped", dom->load.swapped_pages);
            matched += check_field(sc, argv[i], "peakswap", dom->load.swapped_peak);
            matched += check_field(sc, argv[i], "swapin", dom->load.swapin_pages);
            matched += check_field(sc, argv[i], "swapout", dom->load.swapout_pages);
            matched += check_count(sc, argv[i], "oom", dom->load.oom_kills);
            matched += check_below_need(sc, argv[i], dom->load.below_need_pms);
        } else {
            matched += check_field(sc, argv[i], "free", sc->host.free_pages);
            matched += check_field(sc, argv[i], "outstanding",
                                   sc->host.outstanding_pages);
        }
        if (!matched)
            fail(sc, "unknown expectation '%s'%s", argv[i], "");
    }
}


static int
run_host(struct scenario *sc, char **argv, int argc)
{
    xensim_host_config cfg;
    int i;

    xensim_host_config_default(&cfg);
    for (i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        uint64_t v;

        if (eq && !strncmp(argv[i], "paging=", 7) &&
            (!strcmp(eq + 1, "on") || !strcmp(eq + 1, "off"))) {
            cfg.paging = !strcmp(eq + 1, "on");
            continue;
        }
        if (!eq || parse_size(eq + 1, &v) < 0) {
            fail(sc, "bad host setting '%s'%s", argv[i], "");
            return -1;
        }
        *eq = '\0';
        if (!strcmp(argv[i], "total"))
            cfg.total_pages = v;
        else if (!strcmp(argv[i], "dom0"))
            cfg.dom0_pages = v;
        else if (!strcmp(argv[i], "floor"))
            cfg.dom0_floor_pages = v;
        else if (!strcmp(argv[i], "xen"))
            cfg.xen_pages = v;
        else if (!strcmp(argv[i], "balloon"))
            cfg.balloon_rate = v;
        else if (!strcmp(argv[i], "pagingrate"))
            cfg.paging_rate = v;
        else {
            fail(sc, "unknown host setting '%s'%s", argv[i], "");
            return -1;
        }
    }
    if (sc->have_host)
        xensim_host_clear(&sc->host);
    sc->have_host = true;
    return xensim_host_init(&sc->host, &cfg);
}


/* "swap=SIZE" among @argv from @first on, taken out; 0 if absent */
static int
take_swap(struct scenario *sc, char **argv, int *argc, int first, uint64_t *swap)
{
    int i;

    *swap = 0;
    for (i = first; i < *argc; i++) {
        if (strncmp(argv[i], "swap=", 5) != 0)
            continue;
        if (parse_size(argv[i] + 5, swap) < 0) {
            fail(sc, "bad size in '%s'%s", argv[i], "");
            return -1;
        }
        memmove(&argv[i], &argv[i + 1], (*argc - i - 1) * sizeof(argv[0]));
        (*argc)--;
        return 0;
    }
    return 0;
}


/* Load a trace from a file beside the scenario, or from inline points
 * "S:U[:R]" written out as the lines of a trace file, through the parser
 * the xensim tool uses */
static int
run_workload(struct scenario *sc, uint32_t domid, char **argv, int argc, bool inline_points)
{
    xensim_trace *trace = NULL;
    uint64_t swap;
    unsigned int line;
    const char *why;
    char *text = NULL;
    size_t len = 0;
    int rc;
    int i;

    if (take_swap(sc, argv, &argc, 2, &swap) < 0)
        return -EINVAL;

    if (inline_points) {
        FILE *mem = open_memstream(&text, &len);

        for (i = 2; mem && i < argc; i++) {
            char *p;

            for (p = argv[i]; *p; p++)
                fputc(*p == ':' ? ' ' : *p, mem);
            fputc('\n', mem);
        }
        if (!mem || fclose(mem) != 0) {
            fail(sc, "cannot write the inline trace%s%s", "", "");
            return -ENOMEM;
        }
    } else {
        char path[4096];
        const char *slash = strrchr(sc->file, '/');
        FILE *fp;

        if (argc != 3) {
            fail(sc, "'workload' takes a domain and a file%s%s", "", "");
            free(text);
            return -EINVAL;
        }
        snprintf(path, sizeof(path), "%.*s%s", slash ? (int)(slash - sc->file + 1) : 0,
                 sc->file, argv[2]);
        if (!(fp = fopen(path, "r"))) {
            fail(sc, "cannot open %s%s", path, "");
            return -ENOENT;
        }
        text = malloc(1 << 20);
        len = text ? fread(text, 1, 1 << 20, fp) : 0;
        fclose(fp);
    }

    rc = text ? xensim_trace_parse(text, len, &trace, &line, &why) : -ENOMEM;
    free(text);
    if (rc < 0)
        return rc;
    if ((rc = xensim_domain_set_workload(&sc->host, domid, trace, swap)) < 0)
        free(trace);
    return rc;
}


/* Run one operation; returns its result code */
static int
run_op(struct scenario *sc, char **argv, int argc, uint64_t *done, bool *has_done)
{
    xensim_host *h = &sc->host;
    const char *op = argv[0];
    uint32_t domid;
    uint64_t size = 0;

    *has_done = false;

    if (!strcmp(op, "host"))
        return run_host(sc, argv, argc);

    if (!sc->have_host) {
        fail(sc, "'%s' before 'host'%s", op, "");
        return -EINVAL;
    }

    if (!strcmp(op, "advance") && argc == 2) {
        xensim_host_advance(h, strtoull(argv[1], NULL, 10) * 1000000ULL);
        return 0;
    }
    if (!strcmp(op, "faultnext") && argc == 2 && parse_size(argv[1], &size) == 0) {
        h->fault_next_populate_at = size;
        return 0;
    }
    if (!strcmp(op, "create") && argc >= 2) {
        xensim_domain_type type = XENSIM_DOMAIN_PV;

        if (argc > 2 && !strcmp(argv[2], "hvm"))
            type = XENSIM_DOMAIN_HVM;
        else if (argc > 2 && !strcmp(argv[2], "pvh"))
            type = XENSIM_DOMAIN_PVH;
        return xensim_domain_create(h, argv[1], NULL, type, 1, &domid);
    }
    if (argc < 2 || domid_of(sc, argv[1], &domid) < 0)
        return -ESRCH;

    if (!strcmp(op, "pause"))
        return xensim_domain_pause(h, domid, true);
    if (!strcmp(op, "unpause"))
        return xensim_domain_pause(h, domid, false);
    if (!strcmp(op, "shutdown"))
        return xensim_domain_shutdown(h, domid, XENSIM_SHUTDOWN_POWEROFF);
    if (!strcmp(op, "destroy"))
        return xensim_domain_destroy(h, domid);
    if (!strcmp(op, "workload") || !strcmp(op, "trace"))
        return run_workload(sc, domid, argv, argc, !strcmp(op, "trace"));
    if (!strcmp(op, "notrace"))
        return xensim_domain_set_used(h, domid, xensim_host_find(h, domid)->used_pages);
    if (!strcmp(op, "pager") && argc == 3) {
        if (!strcmp(argv[2], "attach"))
            return xensim_domain_pager_attach(h, domid);
        if (!strcmp(argv[2], "detach"))
            return xensim_domain_pager_detach(h, domid);
        if (!strcmp(argv[2], "lost"))
            return xensim_domain_pager_lost(h, domid);
    }

    if (argc < 3 || parse_size(argv[2], &size) < 0) {
        fail(sc, "'%s' needs a domain and a size%s", op, "");
        return -EINVAL;
    }
    if (!strcmp(op, "setmax"))
        return xensim_domain_set_max(h, domid, size);
    if (!strcmp(op, "claim"))
        return xensim_domain_claim(h, domid, size);
    if (!strcmp(op, "release"))
        return xensim_domain_release(h, domid, size);
    if (!strcmp(op, "target"))
        return xensim_domain_set_target(h, domid, size);
    if (!strcmp(op, "pagingtarget"))
        return xensim_domain_set_paging_target(h, domid, size);
    if (!strcmp(op, "used"))
        return xensim_domain_set_used(h, domid, size);
    if (!strcmp(op, "balloonrate"))
        return xensim_domain_set_balloon(h, domid, size);
    if (!strcmp(op, "balloonfloor"))
        return xensim_domain_set_balloon_floor(h, domid, size);
    if (!strcmp(op, "populate")) {
        *has_done = true;
        return xensim_domain_populate(h, domid, size, done);
    }

    fail(sc, "unknown operation '%s'%s", op, "");
    return -EINVAL;
}


static void
run_line(struct scenario *sc, char *line)
{
    char *argv[16];
    int argc = 0;
    const char *want = "0";
    const char *want_done = NULL;
    char *tok;
    char *save = NULL;
    uint64_t done = 0;
    bool has_done;
    const char *msg;
    int rc;

    for (tok = strtok_r(line, " \t\n", &save); tok && argc < 16;
         tok = strtok_r(NULL, " \t\n", &save)) {
        if (*tok == '#')
            break;
        if (!strcmp(tok, "->")) {
            if ((tok = strtok_r(NULL, " \t\n", &save)))
                want = tok;
            continue;
        }
        if (!strncmp(tok, "done=", 5)) {
            want_done = tok + 5;
            continue;
        }
        argv[argc++] = tok;
    }
    if (!argc)
        return;

    if (!strcmp(argv[0], "expect")) {
        run_expect(sc, argv, argc);
        return;
    }
    if (!strcmp(argv[0], "gone")) {
        if (argc != 2 || xensim_host_find_name(&sc->host, argv[1]))
            fail(sc, "domain '%s' still exists%s", argc > 1 ? argv[1] : "", "");
        return;
    }

    rc = run_op(sc, argv, argc, &done, &has_done);
    if (strcmp(errname(rc), want) != 0)
        fail(sc, "expected result %s, got %s", want, errname(rc));
    if (want_done) {
        char spec[80];

        snprintf(spec, sizeof(spec), "done=%s", want_done);
        if (!has_done)
            fail(sc, "done= on an operation that populates nothing%s%s", "", "");
        else
            check_field(sc, spec, "done", done);
    }
    if (sc->have_host && (msg = xensim_host_check(&sc->host)))
        fail(sc, "invariant broken: %s%s", msg, "");
}


static int
run_scenario(const char *path)
{
    struct scenario sc = { .file = path };
    char line[1024];
    FILE *fp;

    if (!(fp = fopen(path, "r"))) {
        perror(path);
        return -1;
    }
    while (fgets(line, sizeof(line), fp)) {
        sc.line++;
        run_line(&sc, line);
    }
    fclose(fp);
    if (sc.have_host)
        xensim_host_clear(&sc.host);
    printf("%s %s\n", sc.failures ? "FAIL" : "ok  ", path);
    return sc.failures ? -1 : 0;
}


/* Random operations in random order must never break the accounting, and
 * no sequence may let claimed plus owned memory exceed the host. */
static int
run_random(unsigned int seed, int steps)
{
    xensim_host_config cfg;
    xensim_host host;
    const char *msg = NULL;
    int i;

    xensim_host_config_default(&cfg);
    cfg.total_pages = 65536;
    cfg.dom0_pages = 8192;
    cfg.dom0_floor_pages = 2048;
    cfg.xen_pages = 512;
    cfg.paging = true;
    if (xensim_host_init(&host, &cfg) < 0)
        return -1;
    srand(seed);

    for (i = 0; i < steps && !msg; i++) {
        uint32_t domid;
        uint64_t done;
        uint64_t n = (uint64_t)(rand() % 20000);
        size_t pick = host.ndomains > 1 ? 1 + rand() % (host.ndomains - 1) : 0;
        char name[32];

        domid = host.domains[pick].domid;
        switch (rand() % 11) {
        case 0:
            snprintf(name, sizeof(name), "d%d", i);
            if (xensim_domain_create(&host, name, NULL,
                                     rand() % 2 ? XENSIM_DOMAIN_HVM : XENSIM_DOMAIN_PV,
                                     1, &domid) == 0)
                xensim_domain_set_max(&host, domid, n + 1);
            break;
        case 1:
            xensim_domain_claim(&host, domid, n);
            break;
        case 2:
            xensim_domain_populate(&host, domid, n, &done);
            break;
        case 3:
            xensim_domain_release(&host, domid, n % (host.domains[pick].tot_pages + 1));
            break;
        case 4:
            xensim_domain_set_target(&host, domid, n);
            break;
        case 5:
            switch (rand() % 6) {
            case 0:
                xensim_domain_pager_attach(&host, domid);
                break;
            case 1:
                xensim_domain_pager_detach(&host, domid);
                break;
            case 2:
                xensim_domain_pager_lost(&host, domid);
                break;
            default:
                xensim_domain_set_paging_target(&host, domid, n);
                break;
            }
            break;
        case 6:
            xensim_domain_pause(&host, domid, rand() % 2);
            break;
        case 7:
            if (pick)
                xensim_domain_destroy(&host, domid);
            break;
        case 8:
            if (rand() % 3) {
                xensim_domain_set_used(&host, domid, n / 2);
            } else {
                xensim_trace *trace = xensim_trace_new(3);
                size_t k;

                for (k = 0; trace && k < 3; k++) {
                    trace->points[k].ms = k * (uint64_t)(rand() % 5000);
                    trace->points[k].used_pages = rand() % 20000;
                    trace->points[k].reported_pages = rand() % 20000;
                }
                if (trace && xensim_domain_set_workload(&host, domid, trace,
                                                        rand() % 4000) < 0)
                    free(trace);
            }
            break;
        case 9:
            xensim_domain_set_target(&host, 0, n);
            break;
        default:
            xensim_host_advance(&host, (uint64_t)(rand() % 3000) * 1000000ULL);
            break;
        }
        msg = xensim_host_check(&host);
    }

    xensim_host_clear(&host);
    if (msg) {
        fprintf(stderr, "random seed %u step %d: %s\n", seed, i, msg);
        return -1;
    }
    return 0;
}


static int
compare_names(const void *a, const void *b)
{
    return strcmp(*(char * const *)a, *(char * const *)b);
}


int
main(int argc, char **argv)
{
    DIR *dir;
    struct dirent *ent;
    char *names[256];
    size_t n = 0;
    size_t i;
    unsigned int seed;
    int failed = 0;
    int ran = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DATADIR\n", argv[0]);
        return 2;
    }
    if (!(dir = opendir(argv[1]))) {
        perror(argv[1]);
        return 1;
    }
    while ((ent = readdir(dir)) && n < 256) {
        size_t len = strlen(ent->d_name);

        if (len > 4 && !strcmp(ent->d_name + len - 4, ".txt"))
            names[n++] = strdup(ent->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof(names[0]), compare_names);

    for (i = 0; i < n; i++) {
        char path[4096];

        snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
        if (run_scenario(path) < 0)
            failed++;
        ran++;
        free(names[i]);
    }

    for (seed = 1; seed <= 50; seed++) {
        int rc = run_random(seed, 4000);

        if (rc < 0)
            failed++;
        ran++;
        printf("%s random operations, seed %u\n", rc < 0 ? "FAIL" : "ok  ", seed);
    }

    if (!n) {
        fprintf(stderr, "no scenarios in %s\n", argv[1]);
        return 1;
    }
    printf("%d of %d model checks failed\n", failed, ran);
    return failed ? 1 : 0;
}
