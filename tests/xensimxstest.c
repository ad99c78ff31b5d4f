/*
 * xensimxstest.c: scenario tests of the xenstore model (xensim_xs)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: xensimxstest DIR
 *
 * Runs every DIR/<name>.txt scenario, in name order, each on a fresh
 * store, and prints one line per scenario: "ok <name>" or "FAIL
 * <name>:<line>: <what differed>".  Exits 1 if any scenario failed.
 * After every operation the store's own invariants are checked too.
 *
 * Scenario format: one operation per line; '#' starts a comment line.
 * Words are separated by blanks; each is a string expression, as
 * xensimxsscript.h describes (so "/local/domain/5/"+a*2048 is a 2064-byte
 * path, and "a\0b" a 3-byte value).
 * "->" separates an operation from its expected result.  Without "->" an
 * operation must succeed; "-> ENOENT" (or any errno name, or 0) names
 * the expected result.
 *
 *   limits KEY=N...                  restart with a fresh store; keys:
 *                                    node_size_max payload_max
 *                                    nodes_per_domain watches_per_domain
 *   as D read PATH -> VALUE|ERRNO    a bare errno name is an error,
 *                                    anything else the expected bytes
 *   as D write PATH VALUE
 *   as D mkdir PATH
 *   as D rm PATH
 *   as D dir PATH -> NAME...|(empty)|ERRNO
 *   as D getperms PATH -> PERM...|ERRNO     PERM as on the wire: n0 r5
 *   as D setperms PATH PERM...       "=BITS:ID" gives raw perm bits
 *   as D watch CONN PATH TOKEN       CONN is any name for a connection
 *   unwatch CONN PATH TOKEN
 *   event CONN -> PATH TOKEN         the oldest queued event is this one
 *   noevent CONN                     no event is queued
 *   pending CONN -> N
 *   gone CONN                        the connection closed
 *   introduce D | release D | shutdown D
 *   fire @NAME                       fire a special watch by hand
 *   introduced D -> yes|no
 *   usage D -> nodes=N watches=N|ENOENT
 *   parseperm STR -> PERM|ERRNO
 *   repeat N OPERATION               run it N times, {i} replaced by
 *                                    0..N-1
 */

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xensim_xs.h"
#include "xensimxsscript.h"

#define MAX_CONNS 32

typedef struct {
    const char *file;
    unsigned int line;
    xensim_xs *xs;
    xensim_xs_limits limits;
    char *conn_names[MAX_CONNS];
    unsigned int nconns;
    char err[512];
} scenario;

static const struct {
    const char *name;
    int value;
} errnames[] = {
    { "EINVAL", EINVAL }, { "EACCES", EACCES }, { "EEXIST", EEXIST },
    { "EISDIR", EISDIR }, { "ENOENT", ENOENT }, { "ENOMEM", ENOMEM },
    { "ENOSPC", ENOSPC }, { "EIO", EIO }, { "ENOTEMPTY", ENOTEMPTY },
    { "ENOSYS", ENOSYS }, { "EROFS", EROFS }, { "EBUSY", EBUSY },
    { "EAGAIN", EAGAIN }, { "EISCONN", EISCONN }, { "E2BIG", E2BIG },
    { "EPERM", EPERM }, { "EDQUOT", EDQUOT },
};


static void
fail(scenario *sc, const char *fmt, ...)
{
    va_list ap;

    if (sc->err[0])
        return;
    va_start(ap, fmt);
    vsnprintf(sc->err, sizeof(sc->err), fmt, ap);
    va_end(ap);
}


static const char *
errname(int ret)
{
    static char buf[32];
    size_t i;

    if (ret == 0)
        return "0";
    for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++) {
        if (-ret == errnames[i].value)
            return errnames[i].name;
    }
    snprintf(buf, sizeof(buf), "%d", ret);
    return buf;
}


/* An expected result word: 0 (also "OK") or an errno name, as a negative
 * value; 1 if the word is neither. */
static int
parse_errname(const word *w)
{
    size_t i;

    if (!w->bare)
        return 1;
    if (strcmp(w->s, "0") == 0 || strcmp(w->s, "OK") == 0)
        return 0;
    for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++) {
        if (strcmp(w->s, errnames[i].name) == 0)
            return -errnames[i].value;
    }
    return 1;
}


/* Printable form of bytes for messages, shortened. */
static const char *
show(const char *s, size_t len)
{
    static char bufs[4][160];
    static unsigned int which;
    char *buf = bufs[which++ % 4];
    size_t o = 0;
    size_t i;

    for (i = 0; i < len && o < sizeof(bufs[0]) - 24; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x20 && c < 0x7f && c != '\\')
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, sizeof(bufs[0]) - o, "\\x%02x", c);
    }
    if (i < len)
        o += (size_t)snprintf(buf + o, sizeof(bufs[0]) - o, "...(%zu bytes)",
                              len);
    buf[o] = '\0';
    return buf;
}


/* ---- operations ---- */

static uint64_t
conn_id(scenario *sc, const char *name)
{
    unsigned int i;

    for (i = 0; i < sc->nconns; i++) {
        if (strcmp(sc->conn_names[i], name) == 0)
            break;
    }
    if (i == sc->nconns && sc->nconns < MAX_CONNS)
        sc->conn_names[sc->nconns++] = strdup(name);
    /* Opaque 64-bit values, far from small integers. */
    return 0xc0de000000000000ULL + (uint64_t)i * 0x100000001ULL;
}


/* Compare a plain return code with the single expected word. */
static void
expect_ret(scenario *sc, int ret, const word *exp, unsigned int nexp)
{
    int want = 0;

    if (nexp > 1 || (nexp == 1 && (want = parse_errname(&exp[0])) > 0)) {
        fail(sc, "bad expectation");
        return;
    }
    if (ret != want)
        fail(sc, "got %s, expected %s", errname(ret), errname(want));
}


/* Check the return code of a request answering with a list (what names
 * that list in messages) against the expected words when they are one
 * errno name; true when they are the expected list, which the caller
 * then compares with the one returned. */
static bool
expect_list(scenario *sc, int ret, const word *exp, unsigned int nexp,
            const char *what)
{
    int want = 1;

    if (nexp == 1)
        want = parse_errname(&exp[0]);
    if (want <= 0) {
        if (ret != want)
            fail(sc, "got %s, expected %s", errname(ret), errname(want));
        return false;
    }
    if (ret != 0) {
        fail(sc, "got %s, expected %s", errname(ret), what);
        return false;
    }
    return true;
}


static void
do_read(scenario *sc, uint32_t dom, const word *a, unsigned int na,
        const word *exp, unsigned int nexp)
{
    char *value = NULL;
    size_t len = 0;
    int want;
    int ret;

    if (na != 1 || nexp != 1) {
        fail(sc, "usage: as D read PATH -> VALUE|ERRNO");
        return;
    }
    ret = xensim_xs_read(sc->xs, dom, a[0].s, &value, &len);
    want = parse_errname(&exp[0]);
    if (want <= 0) {
        if (ret != want)
            fail(sc, "got %s%s%s, expected %s", errname(ret),
                 ret == 0 ? " value " : "", ret == 0 ? show(value, len) : "",
                 errname(want));
    } else if (ret != 0) {
        fail(sc, "got %s, expected value \"%s\"", errname(ret),
             show(exp[0].s, exp[0].len));
    } else if (len != exp[0].len || memcmp(value, exp[0].s, len) != 0) {
        fail(sc, "read \"%s\", expected \"%s\"", show(value, len),
             show(exp[0].s, exp[0].len));
    } else if (value[len] != '\0') {
        fail(sc, "value not NUL-terminated");
    }
    free(value);
}


static void
do_dir(scenario *sc, uint32_t dom, const word *a, unsigned int na,
       const word *exp, unsigned int nexp)
{
    char **names = NULL;
    unsigned int n = 0;
    unsigned int i;
    int ret;

    if (na != 1 || nexp == 0) {
        fail(sc, "usage: as D dir PATH -> NAME...|(empty)|ERRNO");
        return;
    }
    ret = xensim_xs_directory(sc->xs, dom, a[0].s, &names, &n);
    if (expect_list(sc, ret, exp, nexp, "a listing")) {
        bool empty = nexp == 1 && strcmp(exp[0].s, "(empty)") == 0;
        unsigned int count = empty ? 0 : nexp;

        if (n != count)
            fail(sc, "%u names, expected %u", n, count);
        for (i = 0; i < n && i < count; i++) {
            if (strcmp(names[i], exp[i].s) != 0)
                fail(sc, "name %u is \"%s\", expected \"%s\"", i,
                     show(names[i], strlen(names[i])),
                     show(exp[i].s, exp[i].len));
        }
        if (names[n] != NULL)
            fail(sc, "listing not NULL-terminated");
    }
    if (ret == 0)
        xensim_xs_free_names(names, n);
}


static void
do_getperms(scenario *sc, uint32_t dom, const word *a, unsigned int na,
            const word *exp, unsigned int nexp)
{
    xensim_xs_perm *perms = NULL;
    unsigned int n = 0;
    unsigned int i;
    int ret;

    if (na != 1 || nexp == 0) {
        fail(sc, "usage: as D getperms PATH -> PERM...|ERRNO");
        return;
    }
    ret = xensim_xs_get_perms(sc->xs, dom, a[0].s, &perms, &n);
    if (expect_list(sc, ret, exp, nexp, "permissions")) {
        char got[512] = "";
        char wanted[512] = "";

        for (i = 0; i < n; i++) {
            char buf[32];

            if (xensim_xs_perm_format(&perms[i], buf, sizeof(buf)) < 0)
                snprintf(buf, sizeof(buf), "?%u:%u", perms[i].perms,
                         perms[i].id);
            strncat(got, i ? " " : "", sizeof(got) - strlen(got) - 1);
            strncat(got, buf, sizeof(got) - strlen(got) - 1);
        }
        for (i = 0; i < nexp; i++) {
            strncat(wanted, i ? " " : "", sizeof(wanted) - strlen(wanted) - 1);
            strncat(wanted, exp[i].s, sizeof(wanted) - strlen(wanted) - 1);
        }
        if (strcmp(got, wanted) != 0)
            fail(sc, "perms \"%s\", expected \"%s\"", got, wanted);
    }
    free(perms);
}


static void
do_setperms(scenario *sc, uint32_t dom, const word *a, unsigned int na,
            const word *exp, unsigned int nexp)
{
    xensim_xs_perm perms[MAX_WORDS];
    unsigned int i;

    if (na < 1) {
        fail(sc, "usage: as D setperms PATH PERM...");
        return;
    }
    for (i = 1; i < na; i++) {
        unsigned int bits, id;

        if (a[i].s[0] == '=' &&
            sscanf(a[i].s, "=%u:%u", &bits, &id) == 2) {
            perms[i - 1].perms = bits;
            perms[i - 1].id = id;
        } else if (xensim_xs_perm_parse(a[i].s, &perms[i - 1]) < 0) {
            fail(sc, "bad permission \"%s\"", a[i].s);
            return;
        }
    }
    expect_ret(sc, xensim_xs_set_perms(sc->xs, dom, a[0].s,
                                       na > 1 ? perms : NULL, na - 1),
               exp, nexp);
}


/* "as D OP ARGS... [-> EXPECTED...]" */
static void
do_as(scenario *sc, const word *a, unsigned int na, const word *exp,
      unsigned int nexp)
{
    unsigned long dom;
    const char *op;

    if (na < 3 || !parse_uint(&a[0], &dom)) {
        fail(sc, "usage: as D OP ARGS...");
        return;
    }
    op = a[1].s;
    a += 2;
    na -= 2;
    if (strcmp(op, "read") == 0) {
        do_read(sc, (uint32_t)dom, a, na, exp, nexp);
    } else if (strcmp(op, "write") == 0 && na == 2) {
        expect_ret(sc, xensim_xs_write(sc->xs, (uint32_t)dom, a[0].s,
                                       a[1].s, a[1].len), exp, nexp);
    } else if (strcmp(op, "mkdir") == 0 && na == 1) {
        expect_ret(sc, xensim_xs_mkdir(sc->xs, (uint32_t)dom, a[0].s),
                   exp, nexp);
    } else if (strcmp(op, "rm") == 0 && na == 1) {
        expect_ret(sc, xensim_xs_rm(sc->xs, (uint32_t)dom, a[0].s),
                   exp, nexp);
    } else if (strcmp(op, "dir") == 0) {
        do_dir(sc, (uint32_t)dom, a, na, exp, nexp);
    } else if (strcmp(op, "getperms") == 0) {
        do_getperms(sc, (uint32_t)dom, a, na, exp, nexp);
    } else if (strcmp(op, "setperms") == 0) {
        do_setperms(sc, (uint32_t)dom, a, na, exp, nexp);
    } else if (strcmp(op, "watch") == 0 && na == 3) {
        expect_ret(sc, xensim_xs_watch(sc->xs, conn_id(sc, a[0].s),
                                       (uint32_t)dom, a[1].s, a[2].s),
                   exp, nexp);
    } else {
        fail(sc, "unknown or malformed operation \"%s\"", op);
    }
}


static void
do_event(scenario *sc, const word *a, unsigned int na, const word *exp,
         unsigned int nexp)
{
    char *path = NULL;
    char *token = NULL;

    if (na != 1 || nexp != 2) {
        fail(sc, "usage: event CONN -> PATH TOKEN");
        return;
    }
    if (!xensim_xs_pop_event(sc->xs, conn_id(sc, a[0].s), &path, &token)) {
        fail(sc, "no event, expected %s %s", show(exp[0].s, exp[0].len),
             show(exp[1].s, exp[1].len));
        return;
    }
    if (strcmp(path, exp[0].s) != 0 || strcmp(token, exp[1].s) != 0)
        fail(sc, "event %s %s, expected %s %s", show(path, strlen(path)),
             show(token, strlen(token)), show(exp[0].s, exp[0].len),
             show(exp[1].s, exp[1].len));
    free(path);
    free(token);
}


static void
do_noevent(scenario *sc, const word *a, unsigned int na)
{
    char *path = NULL;
    char *token = NULL;

    if (na != 1) {
        fail(sc, "usage: noevent CONN");
        return;
    }
    if (xensim_xs_pop_event(sc->xs, conn_id(sc, a[0].s), &path, &token)) {
        fail(sc, "unexpected event %s %s", show(path, strlen(path)),
             show(token, strlen(token)));
        free(path);
        free(token);
    }
}


static void
do_usage(scenario *sc, const word *a, unsigned int na, const word *exp,
         unsigned int nexp)
{
    unsigned long dom;
    unsigned int nodes = 0;
    unsigned int watches = 0;
    int ret;

    if (na != 1 || !parse_uint(&a[0], &dom) || nexp < 1) {
        fail(sc, "usage: usage D -> nodes=N watches=N|ENOENT");
        return;
    }
    ret = xensim_xs_domain_usage(sc->xs, (uint32_t)dom, &nodes, &watches);
    if (nexp == 1) {
        expect_ret(sc, ret, exp, nexp);
    } else {
        char got[64];
        char wanted[64];

        snprintf(got, sizeof(got), "nodes=%u watches=%u", nodes, watches);
        snprintf(wanted, sizeof(wanted), "%s %s", exp[0].s, exp[1].s);
        if (ret != 0)
            fail(sc, "got %s, expected %s", errname(ret), wanted);
        else if (strcmp(got, wanted) != 0)
            fail(sc, "usage %s, expected %s", got, wanted);
    }
}


static void
do_limits(scenario *sc, const word *a, unsigned int na)
{
    unsigned int i;

    xensim_xs_limits_default(&sc->limits);
    for (i = 0; i < na; i++) {
        char key[32];
        unsigned long v;

        if (sscanf(a[i].s, "%31[a-z_]=%lu", key, &v) != 2) {
            fail(sc, "bad limit \"%s\"", a[i].s);
            return;
        }
        if (strcmp(key, "node_size_max") == 0)
            sc->limits.node_size_max = v;
        else if (strcmp(key, "payload_max") == 0)
            sc->limits.payload_max = v;
        else if (strcmp(key, "nodes_per_domain") == 0)
            sc->limits.nodes_per_domain = (unsigned int)v;
        else if (strcmp(key, "watches_per_domain") == 0)
            sc->limits.watches_per_domain = (unsigned int)v;
        else
            fail(sc, "unknown limit \"%s\"", key);
    }
    xensim_xs_free(sc->xs);
    if (!(sc->xs = xensim_xs_new(&sc->limits)))
        fail(sc, "out of memory");
}


static void
run_op(scenario *sc, const word *w, unsigned int n)
{
    const word *exp = NULL;
    unsigned int nargs = n;
    unsigned int nexp = 0;
    const char *op = w[0].s;
    unsigned long v;
    unsigned int i;

    for (i = 0; i < n; i++) {
        if (w[i].bare && strcmp(w[i].s, "->") == 0) {
            nargs = i;
            exp = &w[i + 1];
            nexp = n - i - 1;
            break;
        }
    }
    w++;
    nargs--;

    if (strcmp(op, "as") == 0) {
        do_as(sc, w, nargs, exp, nexp);
    } else if (strcmp(op, "limits") == 0) {
        do_limits(sc, w, nargs);
    } else if (strcmp(op, "unwatch") == 0 && nargs == 3) {
        expect_ret(sc, xensim_xs_unwatch(sc->xs, conn_id(sc, w[0].s),
                                         w[1].s, w[2].s), exp, nexp);
    } else if (strcmp(op, "event") == 0) {
        do_event(sc, w, nargs, exp, nexp);
    } else if (strcmp(op, "noevent") == 0) {
        do_noevent(sc, w, nargs);
    } else if (strcmp(op, "pending") == 0 && nargs == 1 && nexp == 1 &&
               parse_uint(&exp[0], &v)) {
        size_t got = xensim_xs_pending_events(sc->xs, conn_id(sc, w[0].s));

        if (got != v)
            fail(sc, "%zu events pending, expected %lu", got, v);
    } else if (strcmp(op, "gone") == 0 && nargs == 1) {
        xensim_xs_conn_gone(sc->xs, conn_id(sc, w[0].s));
    } else if (strcmp(op, "fire") == 0 && nargs == 1) {
        xensim_xs_fire_special(sc->xs, w[0].s);
    } else if ((strcmp(op, "introduce") == 0 || strcmp(op, "release") == 0 ||
                strcmp(op, "shutdown") == 0 ||
                strcmp(op, "introduced") == 0) &&
               nargs == 1 && parse_uint(&w[0], &v)) {
        if (op[0] == 'r') {
            xensim_xs_release_domain(sc->xs, (uint32_t)v);
        } else if (op[0] == 's') {
            xensim_xs_shutdown_domain(sc->xs, (uint32_t)v);
        } else if (strcmp(op, "introduce") == 0) {
            xensim_xs_introduce_domain(sc->xs, (uint32_t)v);
        } else {
            bool got = xensim_xs_domain_introduced(sc->xs, (uint32_t)v);

            if (nexp != 1)
                fail(sc, "usage: introduced D -> yes|no");
            else if (strcmp(exp[0].s, got ? "yes" : "no") != 0)
                fail(sc, "introduced is %s", got ? "yes" : "no");
        }
    } else if (strcmp(op, "usage") == 0) {
        do_usage(sc, w, nargs, exp, nexp);
    } else if (strcmp(op, "parseperm") == 0 && nargs == 1 && nexp == 1) {
        xensim_xs_perm p;
        int ret = xensim_xs_perm_parse(w[0].s, &p);
        int want = parse_errname(&exp[0]);
        char buf[32];

        if (want <= 0)
            expect_ret(sc, ret, exp, nexp);
        else if (ret < 0)
            fail(sc, "got %s, expected %s", errname(ret), exp[0].s);
        else if (xensim_xs_perm_format(&p, buf, sizeof(buf)) < 0 ||
                 strcmp(buf, exp[0].s) != 0)
            fail(sc, "parsed as %s, expected %s", buf, exp[0].s);
    } else {
        fail(sc, "unknown or malformed operation \"%s\"", op);
    }

    if (!sc->err[0] && sc->xs && xensim_xs_self_check(sc->xs) < 0)
        fail(sc, "store invariants broken after this operation");
}


static void
run_line(scenario *sc, const char *line)
{
    word words[MAX_WORDS];
    unsigned int n;

    if (split(line, words, &n) < 0) {
        fail(sc, "cannot parse line");
        return;
    }
    if (n == 0 || words[0].s[0] == '#') {
        free_words(words, n);
        return;
    }
    if (strcmp(words[0].s, "repeat") == 0) {
        unsigned long count;
        unsigned long i;
        const char *rest = line + strspn(line, " \t");

        free_words(words, n);
        rest += strlen("repeat");
        count = strtoul(rest, (char **)&rest, 10);
        for (i = 0; i < count && !sc->err[0]; i++) {
            char *l = substitute(rest, i);

            if (!l) {
                fail(sc, "out of memory");
                return;
            }
            run_line(sc, l);
            free(l);
            if (sc->err[0]) {
                char prefix[48];
                size_t plen = (size_t)snprintf(prefix, sizeof(prefix),
                                               "(repeat {i}=%lu) ", i);
                size_t elen = strlen(sc->err);

                if (plen + elen >= sizeof(sc->err))
                    elen = sizeof(sc->err) - plen - 1;
                memmove(sc->err + plen, sc->err, elen);
                memcpy(sc->err, prefix, plen);
                sc->err[plen + elen] = '\0';
            }
        }
        return;
    }
    run_op(sc, words, n);
    free_words(words, n);
}


/* Run one scenario file; 0 if it passed. */
static int
run_scenario(const char *dir, const char *name)
{
    scenario sc;
    char path[4096];
    char *line = NULL;
    size_t cap = 0;
    unsigned int ops = 0;
    unsigned int i;
    FILE *f;
    int ret = 0;

    memset(&sc, 0, sizeof(sc));
    sc.file = name;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (!(f = fopen(path, "r"))) {
        printf("FAIL %s: cannot open: %s\n", name, strerror(errno));
        return -1;
    }
    xensim_xs_limits_default(&sc.limits);
    if (!(sc.xs = xensim_xs_new(&sc.limits)))
        fail(&sc, "out of memory");
    if (xensim_xs_self_check(sc.xs) < 0)
        fail(&sc, "store invariants broken in a new store");

    while (!sc.err[0] && getline(&line, &cap, f) >= 0) {
        const char *p = line + strspn(line, " \t");

        sc.line++;
        if (*p == '#' || *p == '\n' || *p == '\0')
            continue;
        run_line(&sc, line);
        ops++;
    }
    if (sc.err[0]) {
        printf("FAIL %s:%u: %s\n", name, sc.line, sc.err);
        ret = -1;
    } else {
        printf("ok   %s (%u operations)\n", name, ops);
    }
    free(line);
    fclose(f);
    xensim_xs_free(sc.xs);
    for (i = 0; i < sc.nconns; i++)
        free(sc.conn_names[i]);
    return ret;
}


static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char * const *)a, *(char * const *)b);
}


int
main(int argc, char **argv)
{
    char **names = NULL;
    size_t nnames = 0;
    size_t failed = 0;
    struct dirent *de;
    DIR *d;
    size_t i;

    if (argc != 2) {
        fprintf(stderr, "usage: %s SCENARIO-DIR\n", argv[0]);
        return 2;
    }
    if (!(d = opendir(argv[1]))) {
        fprintf(stderr, "%s: cannot open %s: %s\n", argv[0], argv[1],
                strerror(errno));
        return 2;
    }
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        char **n;

        if (len < 5 || strcmp(de->d_name + len - 4, ".txt") != 0)
            continue;
        if (!(n = realloc(names, (nnames + 1) * sizeof(*names))) ||
            !(n[nnames] = strdup(de->d_name))) {
            fprintf(stderr, "%s: out of memory\n", argv[0]);
            return 2;
        }
        names = n;
        nnames++;
    }
    closedir(d);
    if (nnames == 0) {
        fprintf(stderr, "%s: no scenarios in %s\n", argv[0], argv[1]);
        return 2;
    }
    qsort(names, nnames, sizeof(*names), cmp_names);

    for (i = 0; i < nnames; i++) {
        if (run_scenario(argv[1], names[i]) < 0)
            failed++;
        free(names[i]);
    }
    free(names);
    printf("%zu scenarios: %zu ok, %zu failed\n", nnames, nnames - failed,
           failed);
    return failed ? 1 : 0;
}
