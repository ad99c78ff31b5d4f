/*
 * console.c: the guests' consoles on the simulated host
 *
 * As libxenlight 4.17 does (libxl_console.c, libxl_create.c):
 * libxl__device_console_add() writes the primary console's frontend, the
 * console/ directory of the domain, read-only to the guest;
 * xenconsoled (the simulated host's daemon here) answers with the path of
 * the pty it opened in the frontend's "tty" key;
 * domcreate_attach_devices() waits for that key, LIBXL_INIT_TIMEOUT
 * seconds at most, and the creation fails without it; once it is there
 * the console is reported to the application (its aop_console_how, a
 * DOMAIN_CREATE_CONSOLE_AVAILABLE event) before the creation returns;
 * libxl_console_get_tty() reads the key of the console asked for.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shim.h"

#define SHIM_INIT_TIMEOUT_MS 10000      /* LIBXL_INIT_TIMEOUT */
#define SHIM_CONSOLE_POLL_MS 5
#define SHIM_XENCONSOLE_LIMIT "1048576" /* LIBXL_XENCONSOLE_LIMIT */

/* libxl__console_tty_path(): where the console's tty path is */
static int
shim_console_tty_path(uint32_t domid, int cons_num, libxl_console_type type,
                      char *path, size_t size)
{
    switch (type) {
    case LIBXL_CONSOLE_TYPE_SERIAL:
        snprintf(path, size, "/local/domain/%u/serial/%d/tty", domid, cons_num);
        return 0;
    case LIBXL_CONSOLE_TYPE_PV:
        if (cons_num == 0)
            snprintf(path, size, "/local/domain/%u/console/tty", domid);
        else
            snprintf(path, size, "/local/domain/%u/device/console/%d/tty",
                     domid, cons_num);
        return 0;
    default:
        return ERROR_INVAL;
    }
}


/* The frontend of console 0 as libxl__device_console_add() writes it
 * with a xenconsoled backend and pty output: the directory and the keys
 * xenconsoled reads belong to dom0, the guest may read them.  The
 * simulated host has no event channels nor shared rings: "port" and
 * "ring-ref" are placeholders, written last because xenconsoled serves a
 * frontend once they are there. */
int
xensim_shim_console_add(xensim_conn *c, uint32_t domid)
{
    const struct xs_permissions roperm[2] = { { 0, XS_PERM_NONE },
                                              { domid, XS_PERM_READ } };
    static const char *const keys[][2] = {
        { "limit", SHIM_XENCONSOLE_LIMIT }, { "type", "xenconsoled" },
        { "output", "pty" }, { "tty", "" }, { "port", "0" }, { "ring-ref", "0" },
    };
    char dir[64], path[96];
    size_t i;
    int rc;

    snprintf(dir, sizeof(dir), "/local/domain/%u/console", domid);
    xensim_xs_path_op(c, XENSIM_OP_XS_RM, dir);
    if ((rc = xensim_shim_xs_mknod(c, dir, roperm, 2)) < 0)
        return rc;
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, keys[i][0]);
        if ((rc = xensim_xs_write_value(c, path, keys[i][1], strlen(keys[i][1]))) < 0)
            return rc;
    }
    return 0;
}


static uint64_t
shim_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* As domcreate_attach_devices(): console/tty not empty, or a time-out */
int
xensim_shim_console_wait(xensim_conn *c, uint32_t domid)
{
    uint64_t deadline = shim_now_ms() + SHIM_INIT_TIMEOUT_MS;
    struct timespec pause = { 0, SHIM_CONSOLE_POLL_MS * 1000000L };
    char path[64];

    snprintf(path, sizeof(path), "/local/domain/%u/console/tty", domid);
    for (;;) {
        char *tty = NULL;
        size_t len = 0;
        int rc = xensim_xs_read_value(c, path, &tty, &len);

        free(tty);
        if (rc == 0 && len > 0)
            return 0;
        if (rc < 0 && rc != -ENOENT)
            return rc;
        if (shim_now_ms() >= deadline) {
            xensim_shim_log("domain %u console tty: timed out", domid);
            return -ETIMEDOUT;
        }
        nanosleep(&pause, NULL);
    }
}


/* domcreate_console_available(): the application's callback, or its
 * event hooks when it gave none */
void
xensim_shim_console_available(libxl_ctx *ctx, uint32_t domid,
                              const libxl_asyncprogress_how *how)
{
    libxl_event *ev;

    if (!how)
        return;
    if (!how->callback) {
        xensim_shim_event_occurs(ctx, domid, how->for_event,
                                 LIBXL_EVENT_TYPE_DOMAIN_CREATE_CONSOLE_AVAILABLE);
        return;
    }
    if (!(ev = calloc(1, sizeof(*ev))))
        return;
    libxl_event_init(ev);
    libxl_event_init_type(ev, LIBXL_EVENT_TYPE_DOMAIN_CREATE_CONSOLE_AVAILABLE);
    ev->domid = domid;
    ev->for_user = how->for_event;
    /* the application frees it with libxl_event_free() */
    how->callback(ctx, ev, how->for_callback);
}


int
libxl_console_get_tty(libxl_ctx *ctx, uint32_t domid, int cons_num,
                      libxl_console_type type, char **path)
{
    xensim_conn *c = xensim_shim_conn();
    char tty_path[96];
    char *tty = NULL;
    size_t len = 0;
    int rc;

    (void)ctx;
    if (!c)
        return ERROR_FAIL;
    if ((rc = shim_console_tty_path(domid, cons_num, type, tty_path,
                                    sizeof(tty_path))) < 0) {
        xensim_shim_log("domain %u: Failed to get tty path", domid);
        return rc;
    }
    rc = xensim_xs_read_value(c, tty_path, &tty, &len);
    if (rc < 0 || tty[0] == '\0') {
        xensim_shim_log("domain %u: Unable to read console tty path `%s': %s",
                        domid, tty_path, rc < 0 ? strerror(-rc) : "empty");
        free(tty);
        return ERROR_FAIL;
    }
    *path = tty;
    return 0;
}
