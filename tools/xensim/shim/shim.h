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
#include <xenstore.h>

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


/* events.c: an event for the hooks the application registered */
void xensim_shim_event_occurs(libxl_ctx *ctx, uint32_t domid,
                              libxl_ev_user for_user, libxl_event_type type);

/* domain.c: a xenstore node created with @perms */
#define SHIM_MAXMEM_CONSTANT 1024       /* LIBXL_MAXMEM_CONSTANT, KiB */
#define SHIM_MIN_DOM0_MEM (128 * 1024)  /* LIBXL_MIN_DOM0_MEM, KiB */

/* Writes @fmt's text at @path */
int xensim_shim_xs_printf(xensim_conn *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A xenstore node holding a decimal number; -EINVAL if it holds anything else */
int xensim_shim_xs_read_u64(xensim_conn *c, const char *path, uint64_t *v);

int xensim_shim_xs_mknod(xensim_conn *c, const char *path,
                         const struct xs_permissions *perms, unsigned int n);

/* console.c: a new domain's primary console, as libxl creates it: its
 * frontend written, xenconsoled's tty waited for (< 0 if it never came),
 * then the console reported to the application */
int xensim_shim_console_add(xensim_conn *c, uint32_t domid);
int xensim_shim_console_wait(xensim_conn *c, uint32_t domid);
void xensim_shim_console_available(libxl_ctx *ctx, uint32_t domid,
                                   const libxl_asyncprogress_how *how);
