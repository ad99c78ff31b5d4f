/*
 * core.c: the simulated host's connection, the load check, and the dummy
 * handles libxenlight's context is built on
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenctrl.h>

#include "shim.h"

static pthread_once_t conn_once = PTHREAD_ONCE_INIT;
static xensim_conn *conn;

void
xensim_shim_log(const char *fmt, ...)
{
    va_list ap;

    fputs("xensim: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}


static void
xensim_shim_connect(void)
{
    int err = 0;

    if (!(conn = xensim_conn_open(NULL, 0, &err)))
        xensim_shim_log("cannot reach the simulated host at $%s: %s",
                        XENSIM_SOCKET_ENV, strerror(-err));
}


xensim_conn *
xensim_shim_conn(void)
{
    pthread_once(&conn_once, xensim_shim_connect);
    return conn;
}


/* The hypervisor's errno, as libxl reports it */
int
xensim_shim_error(const char *func, int rc)
{
    if (rc >= 0)
        return 0;
    xensim_shim_log("%s: %s", func, strerror(-rc));
    switch (-rc) {
    case ESRCH:
        return ERROR_DOMAIN_NOTFOUND;
    case EINVAL:
        return ERROR_INVAL;
    case ENOMEM:
        return ERROR_NOMEM;
    default:
        return ERROR_FAIL;
    }
}


/* libvirt's libxl driver loads only where a xenstored runs
 * (libxlDriverShouldLoad checks /dev/xen/xenstored with access()). */
int
access(const char *path, int mode)
{
    static int (*real_access)(const char *, int);

    if (strcmp(path, "/dev/xen/xenstored") == 0 && getenv(XENSIM_SOCKET_ENV))
        return 0;
    if (!real_access)
        real_access = dlsym(RTLD_NEXT, "access");
    return real_access(path, mode);
}


/* libxl_ctx_alloc opens a libxenctrl handle it never uses here: every
 * entry point that would use it is defined by this library. */
xc_interface *
xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
                  unsigned open_flags)
{
    (void)logger;
    (void)dombuild_logger;
    (void)open_flags;
    return (xc_interface *)&conn_once;
}


int
xc_interface_close(xc_interface *xch)
{
    (void)xch;
    return 0;
}
