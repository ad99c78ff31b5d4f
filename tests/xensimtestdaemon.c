/*
 * xensimtestdaemon.c: a simulated host daemon for a test program
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xensimtestdaemon.h"

int
xensim_test_daemon_start(xensim_test_daemon *td, uint64_t total_pages,
                         uint64_t dom0_pages)
{
    xensimd_config cfg;
    int pipefd[2];
    char ok;

    memset(td, 0, sizeof(*td));
    strcpy(td->dir, "/tmp/xensim-test.XXXXXX");
    if (!mkdtemp(td->dir))
        return -1;
    snprintf(td->socket, sizeof(td->socket), "%s/xensim.sock", td->dir);

    xensimd_config_default(&cfg);
    cfg.socket_path = td->socket;
    cfg.host.total_pages = total_pages;
    cfg.host.dom0_pages = dom0_pages;
    cfg.host.dom0_floor_pages = dom0_pages;
    cfg.host.xen_pages = xensim_host_xen_pages(total_pages);

    if (pipe(pipefd) < 0 || (td->pid = fork()) < 0)
        return -1;
    if (td->pid == 0) {
        close(pipefd[0]);
        _exit(xensimd_run(&cfg, pipefd[1]) < 0 ? 1 : 0);
    }
    close(pipefd[1]);
    if (read(pipefd[0], &ok, 1) != 1) {
        close(pipefd[0]);
        xensim_test_daemon_stop(td);
        return -1;
    }
    close(pipefd[0]);
    return 0;
}


void
xensim_test_daemon_stop(xensim_test_daemon *td)
{
    if (td->pid > 0) {
        kill(td->pid, SIGTERM);
        waitpid(td->pid, NULL, 0);
        td->pid = 0;
    }
    unlink(td->socket);
    rmdir(td->dir);
}
