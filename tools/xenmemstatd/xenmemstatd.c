/*
 * xenmemstatd.c: report a Linux Xen guest's memory statistics to its host
 *
 * Every period, read /proc/meminfo and /proc/vmstat and write one record
 * to data/memstats (and the two keys older agents write) under the
 * guest's own xenstore home, where the host's libvirt reads them.  The
 * host chooses the period in memory/stats-period; a watch on that key
 * makes a change take effect at once, without the host waiting for the
 * old period to run out.
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
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "memstat_sample.h"

#define PROGRAM "xenmemstatd"
#define PROGRAM_VERSION "0.1.0"

/* Relative paths: xenstored resolves them under /local/domain/<our id>,
 * so the agent never needs to know its domain id */
#define PERIOD_KEY "memory/stats-period"
#define PERIOD_TOKEN "period"
#define RECORD_KEY "data/memstats"
#define OLD_TOTAL_KEY "data/meminfo_total"
#define OLD_FREE_KEY "data/meminfo_free"

#define PERIOD_DEFAULT 10
#define PERIOD_MAX 86400

/* /proc/vmstat is about 5 KiB on Linux 6.x and /proc/meminfo under 2 KiB */
#define PROC_FILE_MAX (16 * 1024)

/* A commit fails with EAGAIN when another writer touched what the
 * transaction read; only the host's tools write near our keys, rarely */
#define COMMIT_TRIES 5

/* Room for a refused period value in a log line */
#define BAD_VALUE_MAX 32

struct agent {
    struct xs_handle *xs;
    const char *proc_root;      /* for messages */
    int procfd;                 /* the directory of meminfo and vmstat */
    unsigned long page_kib;
    unsigned int interval;      /* --interval */
    bool verbose;
    bool watching;              /* a watch tells us of period changes */
    unsigned int period;        /* seconds; 0 = paused by the host */

    /* A problem that lasts is logged when it starts, not every period,
     * so that a long-running guest's journal is not flooded */
    char bad_period[BAD_VALUE_MAX];
    bool bad_period_logged;
    int period_errno;
    bool sample_failing;
    bool write_failing;
    bool vmstat_failing;
    bool truncated_logged;
};

static int stop_pipe[2] = { -1, -1 };


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
usage(FILE *out)
{
    fprintf(out,
            "Usage: " PROGRAM " [OPTION]...\n"
            "Write this Xen guest's memory statistics to xenstore, where the "
            "host reads them.\n"
            "\n"
            "  -i, --interval SECONDS  period when the host sets none in %s\n"
            "                          (1 to %u; default %u)\n"
            "      --once              write one sample and exit\n"
            "      --proc-root DIR     read DIR/meminfo and DIR/vmstat "
            "(default /proc)\n"
            "  -v, --verbose           print each record written\n"
            "  -h, --help              show this help and exit\n"
            "  -V, --version           show the version and exit\n",
            PERIOD_KEY, PERIOD_MAX, PERIOD_DEFAULT);
}


static long long
monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}


/* The handler may run on any thread, libxenstore's reader included: the
 * pipe wakes the main loop's poll() wherever it was delivered */
static void
on_stop_signal(int sig)
{
    int saved = errno;
    ssize_t rc;

    (void)sig;
    rc = write(stop_pipe[1], "", 1);
    (void)rc;
    errno = saved;
}


static int
setup_signals(void)
{
    struct sigaction sa;

    if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGTERM, &sa, NULL) < 0 ||
        sigaction(SIGINT, &sa, NULL) < 0)
        return -1;
    return 0;
}


/**
 * read_proc_file:
 *
 * Read @name in the proc directory into @buf.  /proc files are generated
 * as they are read and may come in short reads, hence the loop.  Should a
 * file ever outgrow @buf, its partial last line is dropped: a counter cut
 * off in the middle of its digits would look valid and be wrong.
 *
 * Returns 0 with *@len set, or -1 with errno set.
 */
static int
read_proc_file(struct agent *agent,
               const char *name,
               char *buf,
               size_t size,
               size_t *len)
{
    size_t used = 0;
    int fd;

    if ((fd = openat(agent->procfd, name, O_RDONLY | O_CLOEXEC)) < 0)
        return -1;

    for (;;) {
        ssize_t n;

        if (used == size) {
            char extra;

            n = read(fd, &extra, 1);
            if (n > 0) {
                char *nl = memrchr(buf, '\n', used);

                used = nl ? (size_t)(nl - buf) + 1 : 0;
                if (!agent->truncated_logged)
                    logmsg("%s/%s is larger than %zu bytes; "
                           "counters past that are not reported",
                           agent->proc_root, name, size);
                agent->truncated_logged = true;
                break;
            }
        } else {
            n = read(fd, buf + used, size - used);
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;

            close(fd);
            errno = saved;
            return -1;
        }
        if (n == 0)
            break;
        used += n;
    }

    close(fd);
    *len = used;
    return 0;
}


static int
take_sample(struct agent *agent,
            struct memstat_sample *sample)
{
    char buf[PROC_FILE_MAX];
    size_t len;

    memstat_sample_init(sample);

    if (read_proc_file(agent, "meminfo", buf, sizeof(buf), &len) < 0) {
        if (!agent->sample_failing)
            logmsg("cannot read %s/meminfo: %s; nothing written",
                   agent->proc_root, strerror(errno));
        agent->sample_failing = true;
        return -1;
    }
    memstat_parse_meminfo(buf, len, sample);
    if (!memstat_sample_valid(sample)) {
        if (!agent->sample_failing)
            logmsg("%s/meminfo has no well-formed MemTotal line; "
                   "nothing written", agent->proc_root);
        agent->sample_failing = true;
        return -1;
    }
    agent->sample_failing = false;

    /* vmstat only adds to a sample: without it, its fields are left out */
    if (read_proc_file(agent, "vmstat", buf, sizeof(buf), &len) < 0) {
        if (!agent->vmstat_failing && errno != ENOENT)
            logmsg("cannot read %s/vmstat: %s; swap, fault and hugetlb "
                   "counts left out", agent->proc_root, strerror(errno));
        agent->vmstat_failing = true;
        return 0;
    }
    agent->vmstat_failing = false;
    memstat_parse_vmstat(buf, len, agent->page_kib, sample);
    return 0;
}


static bool
write_keys(struct xs_handle *xs,
           xs_transaction_t t,
           const char *record,
           size_t len,
           const struct memstat_old_keys *old)
{
    if (!xs_write(xs, t, RECORD_KEY, record, (unsigned int)len))
        return false;
    if (old) {
        return xs_write(xs, t, OLD_TOTAL_KEY, old->total,
                        (unsigned int)strlen(old->total)) &&
            xs_write(xs, t, OLD_FREE_KEY, old->free,
                     (unsigned int)strlen(old->free));
    }
    /* A stale value left next to a new one would pair two moments */
    if (!xs_rm(xs, t, OLD_TOTAL_KEY) && errno != ENOENT)
        return false;
    if (!xs_rm(xs, t, OLD_FREE_KEY) && errno != ENOENT)
        return false;
    return true;
}


/* All keys in one transaction, so that the host never reads a record and
 * old-style keys from two different samples */
static bool
publish(struct xs_handle *xs,
        const char *record,
        size_t len,
        const struct memstat_old_keys *old)
{
    int tries;

    for (tries = 0; tries < COMMIT_TRIES; tries++) {
        xs_transaction_t t = xs_transaction_start(xs);

        /* xenstored limits transactions per guest; writing without one
         * beats writing nothing */
        if (t == XBT_NULL)
            return write_keys(xs, XBT_NULL, record, len, old);

        if (!write_keys(xs, t, record, len, old)) {
            int saved = errno;

            xs_transaction_end(xs, t, true);
            errno = saved;
            return false;
        }
        if (xs_transaction_end(xs, t, false))
            return true;
        if (errno != EAGAIN)
            return false;
    }
    errno = EAGAIN;
    return false;
}


/* Errors after which this connection will not work again; systemd's
 * Restart=on-failure gives us a fresh one */
static bool
connection_lost(int err)
{
    return err == EIO || err == EPIPE || err == ECONNRESET ||
        err == EBADF || err == ENOTCONN;
}


/* Returns 0 on success, -1 on a failure worth retrying next period, -2 if
 * the xenstore connection is gone */
static int
sample_and_write(struct agent *agent)
{
    struct memstat_sample sample;
    struct memstat_old_keys old;
    char record[MEMSTAT_RECORD_MAX + 1];
    bool have_old;
    int len;

    if (take_sample(agent, &sample) < 0)
        return -1;
    if ((len = memstat_format_record(&sample, time(NULL),
                                     record, sizeof(record))) < 0) {
        logmsg("cannot format a record; nothing written");
        return -1;
    }
    have_old = memstat_format_old_keys(&sample, &old) == 0;

    if (!publish(agent->xs, record, len, have_old ? &old : NULL)) {
        int err = errno;

        if (!agent->write_failing || connection_lost(err))
            logmsg("cannot write %s: %s", RECORD_KEY, strerror(err));
        agent->write_failing = true;
        return connection_lost(err) ? -2 : -1;
    }
    agent->write_failing = false;

    if (agent->verbose)
        printf("%s\n", record);
    return 0;
}


/* For a log line: the host's value may hold any byte */
static void
copy_printable(char *dst,
               size_t size,
               const char *src,
               size_t len)
{
    size_t i;

    if (len > size - 1)
        len = size - 1;
    for (i = 0; i < len; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
    dst[len] = '\0';
}


/**
 * read_period:
 *
 * The period the host asks for in memory/stats-period, --interval when it
 * asks for none, or the current period when its value cannot be used: a
 * typo on the host should not silence or flood the guest.
 */
static unsigned int
read_period(struct agent *agent)
{
    unsigned long long period;
    unsigned int len;
    char *value;
    char shown[BAD_VALUE_MAX];

    if (!(value = xs_read(agent->xs, XBT_NULL, PERIOD_KEY, &len))) {
        if (errno == ENOENT) {
            agent->bad_period_logged = false;
            agent->period_errno = 0;
            return agent->interval;
        }
        if (errno != agent->period_errno)
            logmsg("cannot read %s: %s; keeping a period of %u s",
                   PERIOD_KEY, strerror(errno), agent->period);
        agent->period_errno = errno;
        return agent->period;
    }
    agent->period_errno = 0;

    if (memstat_parse_decimal(value, len, &period) && period <= PERIOD_MAX) {
        free(value);
        agent->bad_period_logged = false;
        return (unsigned int)period;
    }

    copy_printable(shown, sizeof(shown), value, len);
    free(value);
    if (!agent->bad_period_logged || strcmp(shown, agent->bad_period) != 0) {
        logmsg("ignoring %s \"%s\": not a whole number of seconds from 0 "
               "to %u; keeping a period of %u s",
               PERIOD_KEY, shown, PERIOD_MAX, agent->period);
        memcpy(agent->bad_period, shown, sizeof(shown));
        agent->bad_period_logged = true;
    }
    return agent->period;
}


/* A new period starts a new wait, so that shortening a long period takes
 * effect now; resuming from a pause writes at once */
static void
apply_period(struct agent *agent,
             unsigned int period,
             long long *next)
{
    long long now = monotonic_ms();

    if (period == agent->period)
        return;
    if (agent->period == 0)
        *next = now;
    else
        *next = now + period * 1000LL;
    agent->period = period;
}


static void
start_watch(struct agent *agent,
            int *fd)
{
    /* libxenstore creates the fd that signals watch events on first use;
     * create it before the watch so that no event goes unsignalled */
    if ((*fd = xs_fileno(agent->xs)) < 0 ||
        !xs_watch(agent->xs, PERIOD_KEY, PERIOD_TOKEN)) {
        logmsg("cannot watch %s: %s; a change will be noticed only at the "
               "next sample, or within --interval while paused",
               PERIOD_KEY, strerror(errno));
        *fd = -1;
        return;
    }
    agent->watching = true;
}


static int
run(struct agent *agent)
{
    struct pollfd fds[2];
    long long next;
    int xsfd;

    start_watch(agent, &xsfd);
    /* After the watch, so that no change between the two is missed; the
     * watch's first event, which xenstored sends on registration, then
     * finds the period unchanged.  A value refused now leaves --interval. */
    agent->period = agent->interval;
    agent->period = read_period(agent);
    next = monotonic_ms();

    fds[0].fd = xsfd;
    fds[0].events = POLLIN;
    fds[1].fd = stop_pipe[0];
    fds[1].events = POLLIN;

    for (;;) {
        long long now = monotonic_ms();
        int timeout = -1;
        int rc;

        if (agent->period > 0 && now >= next) {
            if (sample_and_write(agent) == -2)
                return EXIT_FAILURE;
            now = monotonic_ms();
            next = now + agent->period * 1000LL;
        }
        if (agent->period > 0)
            timeout = next > now ? (int)(next - now) : 0;
        else if (!agent->watching)
            timeout = (int)agent->interval * 1000;

        fds[0].revents = fds[1].revents = 0;
        if ((rc = poll(fds, 2, timeout)) < 0) {
            if (errno == EINTR)
                continue;
            logmsg("poll: %s", strerror(errno));
            return EXIT_FAILURE;
        }
        if (fds[1].revents)
            return EXIT_SUCCESS;

        if (fds[0].revents & POLLIN) {
            /* Our only watch: any event means the key may have changed */
            unsigned int num;
            char **event = xs_read_watch(agent->xs, &num);

            if (!event) {
                logmsg("cannot read a xenstore watch event: %s",
                       strerror(errno));
                return EXIT_FAILURE;
            }
            free(event);
            apply_period(agent, read_period(agent), &next);
        } else if (fds[0].revents) {
            logmsg("the xenstore connection was closed");
            return EXIT_FAILURE;
        } else if (rc == 0 && !agent->watching) {
            /* Without a watch, a sample's time is when we look; a change
             * found then restarts the wait like a watched one */
            apply_period(agent, read_period(agent), &next);
        }
    }
}


static int
parse_interval(const char *arg,
               unsigned int *interval)
{
    unsigned long long v;

    if (!memstat_parse_decimal(arg, strlen(arg), &v) ||
        v < 1 || v > PERIOD_MAX) {
        fprintf(stderr,
                PROGRAM ": invalid --interval '%s': must be a whole number "
                "of seconds from 1 to %u\n", arg, PERIOD_MAX);
        return -1;
    }
    *interval = (unsigned int)v;
    return 0;
}


int
main(int argc,
     char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "once", no_argument, NULL, 'o' },
        { "interval", required_argument, NULL, 'i' },
        { "proc-root", required_argument, NULL, 'p' },
        { "verbose", no_argument, NULL, 'v' },
        { NULL, 0, NULL, 0 },
    };
    struct agent agent;
    bool once = false;
    long pagesize;
    int opt;
    int ret;

    memset(&agent, 0, sizeof(agent));
    agent.interval = PERIOD_DEFAULT;
    agent.proc_root = "/proc";

    while ((opt = getopt_long(argc, argv, "hVi:v", options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            usage(stdout);
            return EXIT_SUCCESS;
        case 'V':
            printf(PROGRAM " " PROGRAM_VERSION "\n");
            return EXIT_SUCCESS;
        case 'o':
            once = true;
            break;
        case 'i':
            if (parse_interval(optarg, &agent.interval) < 0)
                return 2;
            break;
        case 'p':
            agent.proc_root = optarg;
            break;
        case 'v':
            agent.verbose = true;
            break;
        default:
            fprintf(stderr, "Try '" PROGRAM " --help' for more information.\n");
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, PROGRAM ": unexpected argument '%s'\n"
                "Try '" PROGRAM " --help' for more information.\n",
                argv[optind]);
        return 2;
    }

    /* Records go to a pipe under systemd: one line at a time, not 4 KiB */
    setvbuf(stdout, NULL, _IOLBF, 0);

    if ((pagesize = sysconf(_SC_PAGESIZE)) < 1024) {
        logmsg("cannot get the page size; swap counts left out");
        pagesize = 0;
    }
    agent.page_kib = pagesize / 1024;

    if ((agent.procfd = open(agent.proc_root,
                             O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        logmsg("cannot open %s: %s", agent.proc_root, strerror(errno));
        return EXIT_FAILURE;
    }

    /* The handlers go in before xs_open(), whose reader thread may be the
     * one a signal is delivered to */
    if (!once && setup_signals() < 0) {
        logmsg("cannot set up signal handling: %s", strerror(errno));
        return EXIT_FAILURE;
    }
    /* A closed xenstored socket (in dom0) must fail a write, not kill us */
    signal(SIGPIPE, SIG_IGN);

    if (!(agent.xs = xs_open(0))) {
        logmsg("cannot connect to xenstore: %s (is this a Xen guest with "
               "/dev/xen/xenbus, and are we root?)", strerror(errno));
        return EXIT_FAILURE;
    }

    if (once)
        ret = sample_and_write(&agent) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    else
        ret = run(&agent);

    xs_close(agent.xs);
    close(agent.procfd);
    return ret;
}
