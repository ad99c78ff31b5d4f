/*
 * shim.h: the libxenlight layer of the simulated host (internal)
 *
 * libvirt's libxl driver, unmodified, is loaded with this library in
 * LD_PRELOAD.  Its definitions of libxl_*, xc_* and xs_* entry points win
 * over the real libraries, so the driver's calls reach the simulated host
 * instead of the hypervisor.  The real libxenlight still provides the pure
 * helpers (type init/dispose, bitmaps, JSON, the context and its event
 * plumbing), which work unchanged on top of the dummy handles below.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <libxl.h>

#include "xensim_client.h"

/* The connection of this process to the simulated host, as dom0; NULL
 * (with a message on stderr) if the host cannot be reached. */
xensim_conn *xensim_shim_conn(void);

/* Report and translate a simulated host's -errno into a libxl error */
int xensim_shim_error(const char *func, int rc);

void xensim_shim_log(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* libxl's dominfo from the simulated host's */
void xensim_shim_dominfo(const xensim_dominfo *in, libxl_dominfo *out);

