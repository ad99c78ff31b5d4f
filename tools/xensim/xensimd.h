/*
 * xensimd.h: the daemon that holds one simulated Xen host
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <stdint.h>

#include "xensim_model.h"

typedef struct {
    const char *socket_path;
    xensim_host_config host;
    uint64_t xs_latency_ns;     /* charged per xenstore operation */
    uint64_t hc_latency_ns;     /* charged per hypercall-like operation */
    uint64_t guest_shutdown_ns; /* how long a guest takes to act on control/shutdown */
    size_t node_size_max;       /* xenstored's per-node quota for guests */
} xensimd_config;

void xensimd_config_default(xensimd_config *cfg);

/* Serve until a HOST_STOP request or SIGTERM; returns 0 or -errno.
 * @ready_fd, if >= 0, gets one byte and is closed once the socket listens. */
int xensimd_run(const xensimd_config *cfg, int ready_fd);
