/*
 * xensimtestdaemon.h: a simulated host daemon for a test program
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <sys/types.h>

#include "xensimd.h"

typedef struct {
    char dir[64];
    char socket[96];
    pid_t pid;
} xensim_test_daemon;

/* Serve a host of @total_pages with dom0 at @dom0_pages from a child
 * process, on a socket in a fresh temporary directory; 0 once it listens */
int xensim_test_daemon_start(xensim_test_daemon *td, uint64_t total_pages,
                             uint64_t dom0_pages);
void xensim_test_daemon_stop(xensim_test_daemon *td);
