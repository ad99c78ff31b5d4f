/*
 * xensim.c: create, inspect and disturb a simulated Xen host
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xensim_client.h"
#include "xensim_cmd.h"
#include "xensimd.h"

static const char *socket_path;

void
usage(FILE *fp)
{
    fprintf(fp,
"Usage: xensim [--socket PATH] COMMAND [ARGS]\n"
"\n"
"The socket defaults to $" XENSIM_SOCKET_ENV ".\n"
"\n"
"Commands:\n"
"  create [OPTIONS]         start a simulated host (a daemon) on the socket\n"
"      --memory SIZE          physical memory (default 16G)\n"
"      --dom0 SIZE            dom0's memory (default 2G)\n"
"      --dom0-min SIZE        dom0's balloon floor (default 512M)\n"
"      --cpus N               physical CPUs (default 4)\n"
"      --populate-rate SIZE   memory a domain build fills per second (default 1G)\n"
"      --balloon-rate SIZE    memory a balloon driver moves per second (default 512M)\n"
"      --paging on|off        whether the hypervisor offers paging to a pager\n"
"                             (xensim-pager, as xenpaging); off as in Debian's\n"
"                             Xen, built without CONFIG_MEM_PAGING (default off)\n"
"      --paging-rate SIZE     memory a pager moves per second (default 64M)\n"
"      --device-setup-ms N    what a domain build spends on devices after its\n"
"                             memory, its claim already cancelled (default 0)\n"
"      --xs-latency-us N      cost of a xenstore request (default 65)\n"
"      --hc-latency-us N      cost of a hypercall (default 10)\n"
"      --node-size N          xenstored's node size quota for guests (default 2048)\n"
"      --foreground           serve in this process instead of a daemon\n"
"  stop                     stop the simulated host\n"
"  info                     host memory, claims, paging and every domain (its\n"
"                           Pager: '-' none, 'on' attached, 'lost' died attached)\n"
"  fault populate SIZE      the next domain's build fails after SIZE\n"
"  fault balloon DOMAIN RATE [--floor SIZE]\n"
"                           the guest's balloon driver moves RATE per second\n"
"                           (0 = stuck) and, with --floor, gives no more than\n"
"                           down to SIZE (partly stuck; 0 = no floor of its\n"
"                           own); without --floor its floor stays\n"
"  fault shutdown DOMAIN on|off  whether the guest ignores shutdown requests\n"
"  fault dying DOMAIN on|off     on: a destroy leaves the domain dying, holding\n"
"                           its pages; off: a dying domain then goes\n"
"  fault call KIND [--path GLOB] [--skip N] (--errno NAME | --hold)\n"
"                           the next call from dom0 of KIND (create,\n"
"                           set-max, claim, populate, pause, destroy,\n"
"                           userdata-set,\n"
"                           userdata-get, pager-attach, pager-detach,\n"
"                           domain-list, xs-read, xs-write, xs-mkdir, xs-rm,\n"
"                           xs-directory, xs-set-perms), of a xenstore path\n"
"                           matching GLOB, after N others, fails with NAME\n"
"                           (EACCES EAGAIN EBUSY EINVAL EIO ENOENT ENOMEM\n"
"                           ENOSPC EPERM E2BIG ENODEV ENOSYS ESRCH) or is\n"
"                           held unanswered"
" until released; once\n"
"  fault held               the call held (KIND [PATH]); exit 1 if none\n"
"  fault release            the held call goes on\n"
"  fault clear              forget the call faults not yet fired\n"
"  set-used DOMAIN SIZE     the memory the guest's programs use, from now on\n"
"                           (ends a workload's trace)\n"
"  workload DOMAIN FILE [--swap SIZE]\n"
"                           the guest's programs use what the trace FILE says\n"
"                           ('-': standard input), lines 'SECONDS USED_MIB\n"
"                           [REPORTED_MIB]' ('#' comments), linear between\n"
"                           points, the last held; REPORTED_MIB is what the\n"
"                           guest says it uses.  SIZE of swap (default 0).  Its\n"
"                           statistics go to data/memstats as xenmemstatd\n"
"                           writes them, every memory/stats-period (default\n"
"                           10 s); its accounting starts again\n"
"  workload DOMAIN --stop   the trace ends, the demand stays where it is\n"
"  workload-stats [DOMAIN]  each domain's workload and accounting, one line\n"
"                           of KEY=VALUE a domain (see docs/xensim.md)\n"
"  preset NAME [--balloon-rate RATE] [--balloon-floor SIZE]\n"
"         [--workload FILE [--swap SIZE]]\n"
"                           what every domain created with NAME from now on\n"
"                           starts with, before its build: a balloon's rate\n"
"                           and floor, a workload (its trace's clock starts\n"
"                           when the domain first runs); replaces NAME's preset\n"
"  preset NAME --clear      forget NAME's preset\n"
"  shutdown DOMAIN [reboot|crash]  the guest shuts itself down\n"
"  destroy DOMAIN           the domain dies\n"
"  claim DOMAIN SIZE        stake a claim for DOMAIN, as another toolstack\n"
"                           would, up to SIZE in all (what it holds and the\n"
"                           claim); 0 cancels its claim\n"
"  xs-read PATH [DOMID]     read a xenstore node as DOMID (default 0)\n"
"  xs-write PATH VALUE [DOMID]\n"
"\n"
"SIZE takes a K, M, G or T suffix (KiB units); DOMAIN is a name or domid.\n");
}


int
parse_size_kib(const char *s, uint64_t *kib)
{
    char *end;
    unsigned long long v;
    int shift = 0;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return -1;
    switch (*end) {
    case '\0':
    case 'K':
        break;
    case 'M':
        shift = 10;
        break;
    case 'G':
        shift = 20;
        break;
    case 'T':
        shift = 30;
        break;
    default:
        return -1;
    }
    if (*end && end[1] && strcmp(end + 1, "iB") != 0 && strcmp(end + 1, "B") != 0)
        return -1;
    if (v > (UINT64_MAX >> 12) >> shift)
        return -1;
    *kib = v << shift;
    return 0;
}


xensim_conn *
connect_or_die(uint32_t domid)
{
    int err = 0;
    xensim_conn *c = xensim_conn_open(socket_path, domid, &err);

    if (!c) {
        fprintf(stderr, "xensim: cannot reach the simulated host at %s: %s\n",
                socket_path ? socket_path : "$" XENSIM_SOCKET_ENV,
                strerror(-err));
        exit(1);
    }
    return c;
}


int
report(int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "xensim: %s: %s\n", what, strerror(-rc));
        return 1;
    }
    return 0;
}


int
find_domain(xensim_conn *c, const char *spec, xensim_dominfo *out)
{
    xensim_dominfo *doms;
    uint32_t n, i;
    char *end;
    unsigned long id = strtoul(spec, &end, 10);
    int rc;

    if ((rc = xensim_dominfo_list(c, &doms, &n)) < 0)
        return rc;
    /* a name is the live domain's before a dying one's */
    for (i = 0; i < n; i++) {
        if (!strcmp(doms[i].name, spec) && !(doms[i].flags & XENSIM_DOMINFO_DYING)) {
            *out = doms[i];
            free(doms);
            return 0;
        }
    }
    for (i = 0; i < n; i++) {
        if (!strcmp(doms[i].name, spec) || (*spec && !*end && doms[i].domid == id)) {
            *out = doms[i];
            free(doms);
            return 0;
        }
    }
    free(doms);
    fprintf(stderr, "xensim: no domain '%s'\n", spec);
    return -ESRCH;
}


static int
cmd_create(int argc, char **argv)
{
    static const struct option opts[] = {
        { "memory", required_argument, NULL, 'm' },
        { "dom0", required_argument, NULL, 'd' },
        { "dom0-min", required_argument, NULL, 'f' },
        { "cpus", required_argument, NULL, 'c' },
        { "populate-rate", required_argument, NULL, 'p' },
        { "balloon-rate", required_argument, NULL, 'b' },
        { "paging-rate", required_argument, NULL, 'g' },
        { "paging", required_argument, NULL, 'P' },
        { "xs-latency-us", required_argument, NULL, 'x' },
        { "hc-latency-us", required_argument, NULL, 'h' },
        { "node-size", required_argument, NULL, 'n' },
        { "device-setup-ms", required_argument, NULL, 'D' },
        { "foreground", no_argument, NULL, 'F' },
        { NULL, 0, NULL, 0 },
    };
    xensimd_config cfg;
    bool foreground = false;
    int pipefd[2];
    pid_t pid;
    char ok;
    int opt;

    xensimd_config_default(&cfg);
    cfg.socket_path = socket_path;
    if (!cfg.socket_path) {
        fprintf(stderr, "xensim: create needs --socket or $" XENSIM_SOCKET_ENV "\n");
        return 2;
    }

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        uint64_t kib = 0;
        char *end;
        unsigned long v = 0;

        if (strchr("mdfpbg", opt) && parse_size_kib(optarg, &kib) < 0) {
            fprintf(stderr, "xensim: invalid size '%s'\n", optarg);
            return 2;
        }
        if (strchr("cxhnD", opt)) {
            errno = 0;
            v = strtoul(optarg, &end, 10);
            if (errno || *end || end == optarg || *optarg == '-') {
                fprintf(stderr, "xensim: invalid number '%s'\n", optarg);
                return 2;
            }
        }
        switch (opt) {
        case 'm': cfg.host.total_pages = kib / XENSIM_PAGE_KIB; break;
        case 'd': cfg.host.dom0_pages = kib / XENSIM_PAGE_KIB; break;
        case 'f': cfg.host.dom0_floor_pages = kib / XENSIM_PAGE_KIB; break;
        case 'p': cfg.host.populate_rate = kib / XENSIM_PAGE_KIB; break;
        case 'b': cfg.host.balloon_rate = kib / XENSIM_PAGE_KIB; break;
        case 'g': cfg.host.paging_rate = kib / XENSIM_PAGE_KIB; break;
        case 'c': cfg.host.nr_cpus = v; break;
        case 'x': cfg.xs_latency_ns = (uint64_t)v * 1000; break;
        case 'h': cfg.hc_latency_ns = (uint64_t)v * 1000; break;
        case 'n': cfg.node_size_max = v; break;
        case 'D': cfg.host.device_setup_ms = v > 600000 ? 600000 : v; break;
        case 'P':
            if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0) {
                fprintf(stderr, "xensim: --paging takes on or off, not '%s'\n", optarg);
                return 2;
            }
            cfg.host.paging = !strcmp(optarg, "on");
            break;
        case 'F': foreground = true; break;
        default:
            usage(stderr);
            return 2;
        }
    }
    cfg.host.xen_pages = xensim_host_xen_pages(cfg.host.total_pages);
    if (cfg.host.dom0_floor_pages > cfg.host.dom0_pages)
        cfg.host.dom0_floor_pages = cfg.host.dom0_pages;
    if (cfg.host.xen_pages + cfg.host.dom0_pages > cfg.host.total_pages ||
        !cfg.host.nr_cpus) {
        fprintf(stderr, "xensim: dom0 (%" PRIu64 " KiB) does not fit in the host's memory\n",
                cfg.host.dom0_pages * XENSIM_PAGE_KIB);
        return 2;
    }

    if (foreground)
        return report(xensimd_run(&cfg, -1), "simulated host");

    if (pipe(pipefd) < 0)
        return report(-errno, "pipe");
    if ((pid = fork()) < 0)
        return report(-errno, "fork");
    if (pid == 0) {
        close(pipefd[0]);
        setsid();
        if (!freopen("/dev/null", "r", stdin) || !freopen("/dev/null", "w", stdout))
            _exit(1);
        _exit(xensimd_run(&cfg, pipefd[1]) < 0 ? 1 : 0);
    }
    close(pipefd[1]);
    if (read(pipefd[0], &ok, 1) != 1) {
        int status;

        waitpid(pid, &status, 0);
        fprintf(stderr, "xensim: the simulated host did not start on %s\n",
                cfg.socket_path);
        return 1;
    }
    close(pipefd[0]);
    printf("%d\n", (int)pid);
    return 0;
}


static const char *
domain_type_name(uint32_t type)
{
    switch (type) {
    case XENSIM_DOMAIN_HVM: return "hvm";
    case XENSIM_DOMAIN_PVH: return "pvh";
    default: return "pv";
    }
}


static const char *
pager_name(uint32_t pager)
{
    switch (pager) {
    case XENSIM_PAGER_ATTACHED: return "on";
    case XENSIM_PAGER_LOST: return "lost";
    default: return "-";
    }
}


static int
cmd_info(void)
{
    xensim_conn *c = connect_or_die(0);
    xensim_physinfo pi;
    xensim_dominfo *doms;
    uint32_t n, i;
    int rc;

    if ((rc = xensim_physinfo_get(c, &pi)) < 0 ||
        (rc = xensim_dominfo_list(c, &doms, &n)) < 0) {
        xensim_conn_close(c);
        return report(rc, "info");
    }

    /* The figures xl info prints, free_memory net of claims as xl does */
    printf("total_memory       : %" PRIu64 " MiB\n", pi.total_pages * 4 / 1024);
    printf("free_memory        : %" PRIu64 " MiB\n",
           (pi.free_pages - pi.outstanding_pages) * 4 / 1024);
    printf("free_pages         : %" PRIu64 "\n", pi.free_pages);
    printf("outstanding_claims : %" PRIu64 " MiB\n", pi.outstanding_pages * 4 / 1024);
    printf("xen_memory         : %" PRIu64 " MiB\n", pi.xen_pages * 4 / 1024);
    printf("nr_cpus            : %u\n", pi.nr_cpus);
    printf("paging             : %s\n",
           pi.flags & XENSIM_PHYSINFO_PAGING ? "on" : "off");
    /* State stays the last column and the figures keep their places:
     * scripts read them by position */
    printf("\n%-24s %5s %4s %9s %9s %9s %9s %9s %9s %5s %s\n",
           "Name", "ID", "Type", "Mem(MiB)", "Max", "Target", "Claim", "Paged",
           "Used", "Pager", "State");
    for (i = 0; i < n; i++) {
        const xensim_dominfo *d = &doms[i];

        printf("%-24s %5u %4s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64
               " %9" PRIu64 " %9" PRIu64 " %5s %s\n",
               d->name, d->domid, domain_type_name(d->type),
               d->tot_pages * 4 / 1024, d->max_pages * 4 / 1024,
               d->target_pages * 4 / 1024, d->outstanding_pages * 4 / 1024,
               d->paged_pages * 4 / 1024, d->used_pages * 4 / 1024,
               pager_name(d->pager),
               d->flags & XENSIM_DOMINFO_DYING ? "dying" :
               d->flags & XENSIM_DOMINFO_SHUTDOWN ? "shutdown" :
               d->flags & XENSIM_DOMINFO_PAUSED ? "paused" : "running");
    }
    free(doms);
    xensim_conn_close(c);
    return 0;
}


static int
cmd_domain(const char *cmd, int argc, char **argv)
{
    xensim_conn *c = connect_or_die(0);
    xensim_dominfo dom;
    uint64_t kib;
    uint64_t floor_kib = 0;
    int rc = -EINVAL;

    if (argc < 1 || find_domain(c, argv[0], &dom) < 0) {
        xensim_conn_close(c);
        return argc < 1 ? 2 : 1;
    }

    if (!strcmp(cmd, "set-used") && argc == 2 && parse_size_kib(argv[1], &kib) == 0) {
        rc = xensim_domain_u64_op(c, XENSIM_OP_SET_USED, dom.domid,
                                  kib / XENSIM_PAGE_KIB, NULL);
    } else if (!strcmp(cmd, "balloon") &&
               (argc == 2 || (argc == 4 && !strcmp(argv[2], "--floor"))) &&
               parse_size_kib(argv[1], &kib) == 0 &&
               (argc == 2 || parse_size_kib(argv[3], &floor_kib) == 0)) {
        rc = xensim_domain_u64_op(c, XENSIM_OP_SET_BALLOON_RATE, dom.domid,
                                  kib / XENSIM_PAGE_KIB, NULL);
        if (rc == 0 && argc == 4)
            rc = xensim_domain_u64_op(c, XENSIM_OP_SET_BALLOON_FLOOR, dom.domid,
                                      floor_kib / XENSIM_PAGE_KIB, NULL);
    } else if (!strcmp(cmd, "shutdown-fault") && argc == 2 &&
               (!strcmp(argv[1], "on") || !strcmp(argv[1], "off"))) {
        rc = xensim_domain_u32_op(c, XENSIM_OP_SET_GUEST_FLAGS, dom.domid,
                                  !strcmp(argv[1], "on") ?
                                  XENSIM_GUEST_IGNORES_SHUTDOWN : 0);
    } else if (!strcmp(cmd, "dying-fault") && argc == 2 &&
               (!strcmp(argv[1], "on") || !strcmp(argv[1], "off"))) {
        rc = xensim_domain_u32_op(c, XENSIM_OP_SET_GUEST_FLAGS, dom.domid,
                                  !strcmp(argv[1], "on") ?
                                  XENSIM_GUEST_DIES_SLOWLY : 0);
    } else if (!strcmp(cmd, "shutdown") && argc <= 2) {
        uint32_t reason = XENSIM_SHUTDOWN_POWEROFF;

        if (argc == 2 && !strcmp(argv[1], "reboot"))
            reason = XENSIM_SHUTDOWN_REBOOT;
        else if (argc == 2 && !strcmp(argv[1], "crash"))
            reason = XENSIM_SHUTDOWN_CRASH;
        else if (argc == 2) {
            xensim_conn_close(c);
            return 2;
        }
        rc = xensim_domain_u32_op(c, XENSIM_OP_SHUTDOWN, dom.domid, reason);
    } else if (!strcmp(cmd, "claim") && argc == 2 && parse_size_kib(argv[1], &kib) == 0) {
        uint64_t pages = kib / XENSIM_PAGE_KIB;

        /* as Xen refuses it, but saying what the size must be */
        if (pages && (pages <= dom.tot_pages || pages > dom.max_pages)) {
            fprintf(stderr, "xensim: claim: %s for %s must be more than the "
                    "%" PRIu64 " KiB it holds and at most its maximum of "
                    "%" PRIu64 " KiB\n", argv[1], argv[0],
                    dom.tot_pages * XENSIM_PAGE_KIB,
                    dom.max_pages * XENSIM_PAGE_KIB);
            xensim_conn_close(c);
            return 1;
        }
        rc = xensim_domain_u64_op(c, XENSIM_OP_CLAIM, dom.domid, pages, NULL);
    } else if (!strcmp(cmd, "destroy") && argc == 1) {
        rc = xensim_domain_u32_op(c, XENSIM_OP_DESTROY, dom.domid, 0);
    } else {
        xensim_conn_close(c);
        usage(stderr);
        return 2;
    }
    xensim_conn_close(c);
    return report(rc, cmd);
}


static int
cmd_xs(const char *cmd, int argc, char **argv)
{
    uint32_t domid = 0;
    xensim_conn *c;
    int rc;

    if ((!strcmp(cmd, "xs-read") && (argc < 1 || argc > 2)) ||
        (!strcmp(cmd, "xs-write") && (argc < 2 || argc > 3))) {
        usage(stderr);
        return 2;
    }
    if (argc == (!strcmp(cmd, "xs-read") ? 2 : 3))
        domid = strtoul(argv[argc - 1], NULL, 10);
    c = connect_or_die(domid);

    if (!strcmp(cmd, "xs-read")) {
        char *value;
        size_t len;

        if ((rc = xensim_xs_read_value(c, argv[0], &value, &len)) == 0) {
            fwrite(value, 1, len, stdout);
            putchar('\n');
            free(value);
        }
    } else {
        rc = xensim_xs_write_value(c, argv[0], argv[1], strlen(argv[1]));
    }
    xensim_conn_close(c);
    return report(rc, argv[0]);
}


int
main(int argc, char **argv)
{
    const char *cmd;

    if (argc > 2 && !strcmp(argv[1], "--socket")) {
        socket_path = argv[2];
        argc -= 2;
        argv += 2;
    }
    if (!socket_path)
        socket_path = getenv(XENSIM_SOCKET_ENV);
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    cmd = argv[1];

    if (!strcmp(cmd, "create"))
        return cmd_create(argc - 1, argv + 1);
    if (!strcmp(cmd, "info"))
        return cmd_info();
    if (!strcmp(cmd, "stop")) {
        xensim_conn *c = connect_or_die(0);
        uint8_t *reply;
        size_t len;
        int rc = xensim_call(c, XENSIM_OP_HOST_STOP, NULL, XENSIM_CHARGE_NONE,
                             &reply, &len);

        free(reply);
        xensim_conn_close(c);
        return report(rc, "stop");
    }
    if (!strcmp(cmd, "fault") && argc >= 3) {
        if (!strcmp(argv[2], "populate") && argc == 4) {
            xensim_conn *c = connect_or_die(0);
            xensim_writer args;
            uint8_t *reply;
            size_t len;
            uint64_t kib;
            int rc;

            if (parse_size_kib(argv[3], &kib) < 0) {
                xensim_conn_close(c);
                fprintf(stderr, "xensim: invalid size '%s'\n", argv[3]);
                return 2;
            }
            xensim_writer_init(&args);
            xensim_put_u64(&args, kib / XENSIM_PAGE_KIB);
            rc = xensim_call(c, XENSIM_OP_FAULT_NEXT, &args, XENSIM_CHARGE_NONE,
                             &reply, &len);
            xensim_writer_free(&args);
            free(reply);
            xensim_conn_close(c);
            return report(rc, "fault populate");
        }
        if (!strcmp(argv[2], "call"))
            return cmd_fault_call(argc - 3, argv + 3);
        if (!strcmp(argv[2], "held") && argc == 3)
            return fault_call_simple(XENSIM_FAULT_CALL_HELD, "fault held");
        if (!strcmp(argv[2], "release") && argc == 3)
            return fault_call_simple(XENSIM_FAULT_CALL_RELEASE, "fault release");
        if (!strcmp(argv[2], "clear") && argc == 3)
            return fault_call_simple(XENSIM_FAULT_CALL_CLEAR, "fault clear");
        if (!strcmp(argv[2], "balloon"))
            return cmd_domain("balloon", argc - 3, argv + 3);
        if (!strcmp(argv[2], "shutdown"))
            return cmd_domain("shutdown-fault", argc - 3, argv + 3);
        if (!strcmp(argv[2], "dying"))
            return cmd_domain("dying-fault", argc - 3, argv + 3);
    }
    if (!strcmp(cmd, "set-used") || !strcmp(cmd, "shutdown") ||
        !strcmp(cmd, "destroy") || !strcmp(cmd, "claim"))
        return cmd_domain(cmd, argc - 2, argv + 2);
    if (!strcmp(cmd, "xs-read") || !strcmp(cmd, "xs-write"))
        return cmd_xs(cmd, argc - 2, argv + 2);
    if (!strcmp(cmd, "workload") && argc >= 3)
        return cmd_workload(argc - 2, argv + 2);
    if (!strcmp(cmd, "workload-stats"))
        return cmd_workload_stats(argc - 2, argv + 2);
    if (!strcmp(cmd, "preset"))
        return cmd_preset(argc - 1, argv + 1);

    usage(stderr);
    return 2;
}
