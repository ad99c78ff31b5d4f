/*
 * xensim_pager.c: xenpaging for the simulated host
 *
 * A stand-in for Xen 4.17's xenpaging (tools/xenpaging), a dom0
 * process that nothing in libxl or xl starts: it takes the same command
 * line, attaches to one HVM domain's paging ring the way xenpaging calls
 * xc_mem_paging_enable(), watches the domain's memory/target-tot_pages
 * (KiB) and hands that target to the simulated hypervisor, which moves
 * the pages at the host's paging rate.  It finds the host as the
 * libxenlight preload does, through $XENSIM_SOCKET, and acts as dom0.
 *
 * As xenpaging: SIGTERM or SIGINT pages everything back in, then
 * detaches; SIGHUP or SIGALRM detach at once; the domain's release
 * (@releaseDomain) ends it; the page file is created when the pager has
 * attached and removed when it exits.  Nothing is written to it: the
 * pages it would hold stay in the simulated hypervisor's count.
 *
 * Exit status as xenpaging's: 0, 1 if it could not start (attaching
 * failed), 2 if it failed while running.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xensim_client.h"

#define PROGRAM "xenpaging"
#define TARGET_KEY "memory/target-tot_pages"
#define TARGET_TOKEN "target"
#define RELEASE_TOKEN "release"

/* How long paging back in may make no progress before the pager gives
 * up: xenpaging gives up on the first page the hypervisor cannot take */
#define PAGE_IN_STALL_MS 5000
#define POLL_MS 1000
#define PAGE_IN_POLL_MS 20

struct pager {
    xensim_conn *conn;          /* requests */
    xensim_conn *events;        /* watch events */
    uint32_t domid;
    const char *pagefile;
    uint64_t max_pages;         /* -m, else the domain's max_pages */
    bool verbose;
    char target_path[96];
};

static int signal_pipe[2] = { -1, -1 };


static void
logmsg(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs(PROGRAM ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}


static void
usage(FILE *fp)
{
    fprintf(fp,
"Usage: xensim-pager [options] -f PAGEFILE -d DOMID\n"
"\n"
"xenpaging for the simulated Xen host on $" XENSIM_SOCKET_ENV ": pages domain\n"
"DOMID (HVM) out toward its memory/target-tot_pages (KiB) and back in.\n"
"\n"
"  -d DOMID       --domain=DOMID     numerical domain id of the guest (required)\n"
"  -f FILE        --pagefile=FILE    page file to use (required)\n"
"  -m MAX_MEMKB                      most memory to page, in KiB (default: the\n"
"                                    domain's maximum)\n"
"  -r NUM                            paged-in pages to keep (accepted, unused)\n"
"  -v             --verbose          report each target and page-in\n"
"  -h             --help             show this help\n"
"\n"
"As Xen 4.17's xenpaging, -m and -r have no long forms.  SIGTERM or SIGINT\n"
"page everything back in and exit; the domain's end ends the pager.\n");
}


static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}


static void
on_signal(int sig)
{
    unsigned char c = (unsigned char)sig;
    int saved = errno;
    ssize_t rc = write(signal_pipe[1], &c, 1);

    (void)rc;
    errno = saved;
}


static int
setup_signals(void)
{
    static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGALRM };
    struct sigaction sa;
    size_t i;

    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        if (sigaction(sigs[i], &sa, NULL) < 0)
            return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    return 0;
}


/* The next signal delivered, 0 if none */
static int
next_signal(void)
{
    unsigned char c;

    return read(signal_pipe[0], &c, 1) == 1 ? c : 0;
}


/* A decimal as xenstore holds it; false on anything else */
static bool
parse_u64(const char *s, uint64_t *v)
{
    uint64_t r = 0;

    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || r > (UINT64_MAX - (*s - '0')) / 10)
            return false;
        r = r * 10 + (*s - '0');
    }
    *v = r;
    return true;
}


static int
watch(struct pager *p, const char *path, const char *token)
{
    xensim_writer args;
    uint8_t *reply;
    size_t len;
    int rc;

    xensim_writer_init(&args);
    xensim_put_u64(&args, xensim_conn_id(p->events));
    xensim_put_str(&args, path);
    xensim_put_str(&args, token);
    rc = xensim_call(p->conn, XENSIM_OP_XS_WATCH, &args, XENSIM_CHARGE_XENSTORE,
                     &reply, &len);
    xensim_writer_free(&args);
    free(reply);
    return rc;
}


/* Is our domain gone (released, or dying, which has left xenstore as
 * xs_is_domain_introduced() sees it)?  -errno if the host cannot say. */
static int
domain_gone(struct pager *p, xensim_dominfo *info)
{
    int rc = xensim_dominfo_get(p->conn, p->domid, info);

    if (rc == -ESRCH)
        return 1;
    if (rc < 0)
        return rc;
    return (info->flags & XENSIM_DOMINFO_DYING) ? 1 : 0;
}


/* memory/target-tot_pages changed: KiB to pages, as xenpaging does; a
 * negative target or one above what we handle is what we handle; a key
 * that is not a number is ignored */
static int
read_target(struct pager *p)
{
    char *value = NULL;
    size_t len;
    uint64_t kib, pages;
    int rc = xensim_xs_read_value(p->conn, p->target_path, &value, &len);

    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    if (value[0] == '-' && parse_u64(value + 1, &kib)) {
        pages = p->max_pages;
    } else if (parse_u64(value, &kib)) {
        pages = kib / XENSIM_PAGE_KIB;
        if (pages > p->max_pages)
            pages = p->max_pages;
    } else {
        if (p->verbose)
            logmsg("ignoring %s '%s': not a number", TARGET_KEY, value);
        free(value);
        return 0;
    }
    free(value);

    if (p->verbose)
        logmsg("domain %u: target %" PRIu64 " KiB", p->domid,
               pages * XENSIM_PAGE_KIB);
    return xensim_domain_u64_op(p->conn, XENSIM_OP_SET_PAGING_TARGET, p->domid,
                                pages, NULL);
}


static int
detach(struct pager *p)
{
    int rc = xensim_domain_u32_op(p->conn, XENSIM_OP_PAGER_DETACH, p->domid, 0);

    if (rc < 0 && rc != -ESRCH)
        logmsg("cannot detach from domain %u: %s", p->domid, strerror(-rc));
    return rc;
}


/* SIGTERM or SIGINT: every page back in, then detach.  Returns the exit
 * status. */
static int
page_in_and_detach(struct pager *p)
{
    uint64_t last = UINT64_MAX;
    long long progress_ms = now_ms();
    xensim_dominfo info;
    int rc;

    if ((rc = xensim_domain_u64_op(p->conn, XENSIM_OP_SET_PAGING_TARGET,
                                   p->domid, 0, NULL)) < 0) {
        if (rc == -ESRCH)
            return 0;
        logmsg("cannot page domain %u back in: %s", p->domid, strerror(-rc));
        detach(p);
        return 2;
    }

    for (;;) {
        struct pollfd pfd = { .fd = signal_pipe[0], .events = POLLIN };
        int sig;

        if ((rc = domain_gone(p, &info)) != 0) {
            if (rc < 0) {
                logmsg("lost the simulated host: %s", strerror(-rc));
                return 2;
            }
            return 0;
        }
        if (!info.paged_pages)
            break;
        if (info.paged_pages != last) {
            if (p->verbose && last == UINT64_MAX)
                logmsg("domain %u: paging %" PRIu64 " KiB back in", p->domid,
                       info.paged_pages * XENSIM_PAGE_KIB);
            last = info.paged_pages;
            progress_ms = now_ms();
        } else if (now_ms() - progress_ms > PAGE_IN_STALL_MS) {
            logmsg("domain %u: %" PRIu64 " KiB cannot be paged back in (is "
                   "the host out of memory?); detaching anyway",
                   p->domid, info.paged_pages * XENSIM_PAGE_KIB);
            detach(p);
            return 2;
        }

        if (poll(&pfd, 1, PAGE_IN_POLL_MS) > 0 &&
            ((sig = next_signal()) == SIGTERM || sig == SIGINT)) {
            logmsg("interrupted again: detaching with %" PRIu64 " KiB of "
                   "domain %u still paged out", info.paged_pages * XENSIM_PAGE_KIB,
                   p->domid);
            detach(p);
            return 2;
        }
    }
    if (p->verbose)
        logmsg("domain %u: every page is back in", p->domid);
    rc = detach(p);
    return rc < 0 && rc != -ESRCH ? 2 : 0;
}


/* Serve until a signal or the domain's end; returns the exit status */
static int
serve(struct pager *p)
{
    struct pollfd fds[2];
    xensim_dominfo info;
    int rc;

    fds[0].fd = xensim_conn_fd(p->events);
    fds[0].events = POLLIN;
    fds[1].fd = signal_pipe[0];
    fds[1].events = POLLIN;

    for (;;) {
        char *path;
        char *token;
        bool check = false;

        fds[0].revents = fds[1].revents = 0;
        if (poll(fds, 2, POLL_MS) < 0 && errno != EINTR) {
            logmsg("poll: %s", strerror(errno));
            detach(p);
            return 2;
        }

        if (fds[1].revents) {
            int sig = next_signal();

            if (p->verbose && sig)
                logmsg("got %s", strsignal(sig));
            if (sig == SIGTERM || sig == SIGINT)
                return page_in_and_detach(p);
            if (sig) {
                detach(p);
                return 0;
            }
        }

        while ((rc = xensim_conn_try_event(p->events, &path, &token)) == 0) {
            if (!strcmp(token, TARGET_TOKEN)) {
                if ((rc = read_target(p)) < 0 && rc != -ESRCH) {
                    logmsg("cannot set domain %u's paging target: %s",
                           p->domid, strerror(-rc));
                }
            }
            check = true;
            free(path);
            free(token);
        }
        if (rc != -EAGAIN) {
            logmsg("lost the simulated host: %s", strerror(-rc));
            return 2;
        }

        /* @releaseDomain, or a quiet second: is our domain still there? */
        if (check || !fds[0].revents) {
            if ((rc = domain_gone(p, &info)) < 0) {
                logmsg("lost the simulated host: %s", strerror(-rc));
                return 2;
            }
            if (rc > 0) {
                if (p->verbose)
                    logmsg("domain %u is gone", p->domid);
                return 0;
            }
        }
    }
}


static const char *
attach_error(int rc)
{
    switch (-rc) {
    case ENOSYS:
        return "paging not available on this host (ENOSYS)";
    case ENODEV:
        return "xenpaging requires Hardware Assisted Paging: the domain is not HVM (ENODEV)";
    case EBUSY:
        return "xenpaging is (or was) active on this domain (EBUSY)";
    case EINVAL:
        return "cannot page dom0 (EINVAL)";
    case ESRCH:
        return "no such domain (ESRCH)";
    default:
        return NULL;
    }
}


static int
parse_args(struct pager *p, int argc, char **argv)
{
    /* xenpaging's own table: -m and -r have no long forms there */
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "verbose", no_argument, NULL, 'v' },
        { "domain", required_argument, NULL, 'd' },
        { "pagefile", required_argument, NULL, 'f' },
        { NULL, 0, NULL, 0 },
    };
    uint64_t v;
    int opt;

    while ((opt = getopt_long(argc, argv, "hvd:f:m:r:", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            if (!parse_u64(optarg, &v) || v == 0 || v >= 0x7FF0) {
                logmsg("invalid domain id '%s'", optarg);
                return 1;
            }
            p->domid = v;
            break;
        case 'f':
            p->pagefile = optarg;
            break;
        case 'm':
            if (!parse_u64(optarg, &v) || v / XENSIM_PAGE_KIB > UINT32_MAX) {
                logmsg("invalid -m '%s': KiB of memory to page", optarg);
                return 1;
            }
            p->max_pages = v / XENSIM_PAGE_KIB;
            break;
        case 'r':
            if (!parse_u64(optarg, &v)) {
                logmsg("invalid -r '%s'", optarg);
                return 1;
            }
            break;
        case 'v':
            p->verbose = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return 1;
        }
    }
    if (optind < argc) {
        logmsg("unexpected argument '%s'", argv[optind]);
        return 1;
    }
    if (!p->pagefile) {
        logmsg("the page file (-f) is missing");
        usage(stderr);
        return 1;
    }
    if (!p->domid) {
        logmsg("the numerical domain id (-d) is missing");
        return 1;
    }
    return 0;
}


int
main(int argc, char **argv)
{
    struct pager p;
    xensim_dominfo info;
    int err = 0;
    int fd;
    int rc;

    memset(&p, 0, sizeof(p));
    if (parse_args(&p, argc, argv))
        return 1;
    snprintf(p.target_path, sizeof(p.target_path), "/local/domain/%u/%s",
             p.domid, TARGET_KEY);

    if (setup_signals() < 0) {
        logmsg("cannot set up signal handling: %s", strerror(errno));
        return 1;
    }
    if (!(p.conn = xensim_conn_open(NULL, 0, &err)) ||
        !(p.events = xensim_conn_open(NULL, 0, &err))) {
        logmsg("cannot reach the simulated host at $%s: %s",
               XENSIM_SOCKET_ENV, strerror(-err));
        xensim_conn_close(p.conn);
        return 1;
    }

    /* Watches first, as xenpaging: their first events, which come at
     * registration, read the target already there */
    if ((rc = watch(&p, "@releaseDomain", RELEASE_TOKEN)) < 0 ||
        (rc = watch(&p, p.target_path, TARGET_TOKEN)) < 0) {
        logmsg("cannot watch %s: %s", p.target_path, strerror(-rc));
        rc = 1;
        goto out;
    }
    if ((rc = xensim_dominfo_get(p.conn, p.domid, &info)) < 0) {
        logmsg("domain %u: %s", p.domid,
               rc == -ESRCH ? "no such domain (ESRCH)" : strerror(-rc));
        rc = 1;
        goto out;
    }
    if (!p.max_pages)
        p.max_pages = info.max_pages;

    if ((rc = xensim_domain_u32_op(p.conn, XENSIM_OP_PAGER_ATTACH, p.domid, 0)) < 0) {
        const char *why = attach_error(rc);

        if (rc == -ENOSYS)
            logmsg("%s", why);      /* the host's, not the domain's */
        else if (why)
            logmsg("domain %u: %s", p.domid, why);
        else
            logmsg("domain %u: cannot enable paging: %s", p.domid, strerror(-rc));
        rc = 1;
        goto out;
    }

    if ((fd = open(p.pagefile, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0600)) < 0) {
        logmsg("cannot create the page file %s: %s", p.pagefile, strerror(errno));
        detach(&p);
        rc = 1;
        goto out;
    }
    if (p.verbose)
        logmsg("paging domain %u, at most %" PRIu64 " KiB, page file %s",
               p.domid, p.max_pages * XENSIM_PAGE_KIB, p.pagefile);

    rc = serve(&p);

    close(fd);
    unlink(p.pagefile);

 out:
    xensim_conn_close(p.events);
    xensim_conn_close(p.conn);
    return rc;
}
